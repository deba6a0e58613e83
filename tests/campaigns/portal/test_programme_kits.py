"""Kits and the portal under the partner programme: a downgrade changes kits only on its day; a
campaign requiring a competency gives kits, a portal card and downloads only to partners holding it."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import kit_samples
from campaigns.kits.builds import eligible_partners
from campaigns.kits.models import Kit
from campaigns.kits.pieces import save_piece
from campaigns.planning.models import Campaign, CampaignStatus
from content.media import store_upload
from core.storage import storage_for
from subscribers.models import Partner, PartnerUser
from subscribers.programme.models import CompetencyRequirement
from subscribers.programme.tiers import TierRules, change_tier
from tests.campaigns.factories import CampaignFactory
from tests.campaigns.portal.conftest import Upload, build_now, draft, portal_client
from tests.content.factories import CompetencyFactory
from tests.subscribers.factories import CertificationFactory, ContactFactory

TIERS = ("registered", "silver", "gold", "platinum")
DECIDED = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
EFFECTIVE = dt.date(2026, 4, 1)


def kit_tier(app: Flask, session: Session, campaign: Campaign, partner: Partner) -> str:
    kit = session.scalars(select(Kit).where(Kit.campaign_id == campaign.id, Kit.partner_id == partner.id)).one()
    with zipfile.ZipFile(io.BytesIO(storage_for(app).read(kit.storage_key))) as archive:
        tier: str = json.loads(archive.read("manifest.json"))["partner_tier"]
    return tier


def test_a_kit_built_the_day_before_a_downgrade_shows_the_old_tier_and_on_the_day_the_new_one(
    app: Flask, session: Session, acme: Partner, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(DECIDED, tick=False)
    campaign = _campaign_for_every_tier(app, session)
    build_now(app, session)
    assert kit_tier(app, session, campaign, acme) == "gold"
    with app.test_request_context():
        rules = TierRules(tiers=TIERS, notice_days=90, today=DECIDED.date())
        change_tier(session, acme, "silver", rules, reason="Fewer deals", effective_on=EFFECTIVE)
    time_machine.move_to(dt.datetime.combine(EFFECTIVE, dt.time(23, 59), dt.UTC) - dt.timedelta(days=1), tick=False)
    assert build_now(app, session).built == 0  # nothing changed: still gold the day before
    assert kit_tier(app, session, campaign, acme) == "gold"
    time_machine.move_to(dt.datetime.combine(EFFECTIVE, dt.time(0, 1), dt.UTC), tick=False)
    assert build_now(app, session).built == 1  # the downgrade applies first, then the kit is rebuilt
    assert kit_tier(app, session, campaign, acme) == "silver"
    assert acme.tier == "silver"


def test_an_upgrade_rebuilds_the_partners_kits_at_once(
    app: Flask, session: Session, acme: Partner, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(DECIDED, tick=False)
    campaign = _campaign_for_every_tier(app, session)
    build_now(app, session)
    with app.test_request_context():
        change_tier(session, acme, "platinum", TierRules(tiers=TIERS, notice_days=90, today=DECIDED.date()))
    assert build_now(app, session).built == 1
    assert kit_tier(app, session, campaign, acme) == "platinum"


def test_a_campaign_requiring_a_competency_reaches_only_partners_that_hold_it(
    app: Flask,
    session: Session,
    client: FlaskClient,
    live_campaign: Campaign,
    acme: Partner,
    globex: Partner,
    marketer_at_acme: PartnerUser,
    marketer_at_globex: PartnerUser,
) -> None:
    competency = CompetencyFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"})
    CertificationFactory.create(contact=ContactFactory.create(partner=acme), competency=competency)
    build_now(app, session)  # before the campaign required it: both partners got a kit
    live_campaign.required_competency_id = competency.id
    session.flush()
    globex_kit = session.scalars(select(Kit).where(Kit.partner_id == globex.id)).one()
    assert build_now(app, session).built == 0
    assert [partner.id for partner in eligible_partners(session, live_campaign)] == [acme.id]
    portal_client(client, marketer_at_globex)
    assert live_campaign.name not in client.get("/portal/").get_data(as_text=True)
    assert client.get(f"/portal/kits/{globex_kit.id}").status_code == 404
    assert client.get(f"/portal/kits/{globex_kit.id}/download").status_code == 404
    portal_client(client, marketer_at_acme)
    assert live_campaign.name in client.get("/portal/").get_data(as_text=True)
    recorded = session.scalars(select(Kit.partner_id).where(Kit.campaign_id == live_campaign.id)).all()
    assert set(recorded) == {acme.id, globex.id}  # Globex's old kit stays recorded, but is never served


def _campaign_for_every_tier(app: Flask, session: Session) -> Campaign:
    """Live, for every tier, with Dutch pieces (Acme reads Dutch)."""
    now = DECIDED
    campaign = CampaignFactory.create(
        name="Backup month", status=CampaignStatus.LIVE, launch_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=60), target_tiers=[],
    )  # fmt: skip
    with app.app_context():
        image = store_upload(session, storage_for(app), Upload(kit_samples.photo(seed=3), "p.jpg"), uploaded_by=None)
        save_piece(session, campaign, "nl", draft("nl", [image.id]))
    return campaign


def test_the_portal_home_shows_the_tier_the_competencies_held_and_what_the_next_tier_needs(
    session: Session,
    client: FlaskClient,
    globex: Partner,
    marketer_at_globex: PartnerUser,
    acme: Partner,
    marketer_at_acme: PartnerUser,
) -> None:
    storage = CompetencyFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"})
    cloud = CompetencyFactory.create(slug="cloud", names={"en": "Cloud"})
    CertificationFactory.create(contact=ContactFactory.create(partner=globex), competency=storage)
    session.add_all([
        CompetencyRequirement(tier="platinum", competency_id=storage.id, people=3),
        CompetencyRequirement(tier="platinum", competency_id=cloud.id, people=1),
    ])  # fmt: skip
    session.flush()
    page = portal_client(client, marketer_at_globex).get("/portal/").get_data(as_text=True)
    panel = page.split('id="programme-title"')[1].split("</section>")[0]
    assert "Gold" in panel
    assert '<li class="badge">Storage</li>' in panel  # gold needs one certified person: held
    assert "What Platinum needs" in panel
    assert "short by 2 certified people (1 of 3)" in panel
    assert "short by 1 certified person (0 of 1)" in panel
    CertificationFactory.create(contact=ContactFactory.create(partner=acme), competency=storage)
    session.flush()
    dutch = portal_client(client, marketer_at_acme).get("/portal/").get_data(as_text=True)  # Sanne reads Dutch
    panel = dutch.split('id="programme-title"')[1].split("</section>")[0]
    assert "Uw partnerprogramma" in panel
    assert '<li class="badge">Opslag</li>' in panel
    assert "2 gecertificeerde mensen tekort (1 van 3)" in panel
