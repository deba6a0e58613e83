"""An archived partner gets no newsletters, no kits, no reach, and its people cannot use the portal;
restored, everything comes back. Every place that picks partners or contacts for mail or kits is checked."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery
from campaigns.digests.assembly import assemble_digests
from campaigns.kits.models import Kit
from campaigns.planning.models import Campaign
from campaigns.planning.targeting import campaign_reach
from subscribers.models import Partner, PartnerUser
from subscribers.partner_editing import archive_partner, restore_partner
from subscribers.schedule import Frequency
from tests.campaigns.portal.conftest import build_now, link_in, outbox_files, portal_client
from tests.conftest import csrf_token_from
from tests.content.factories import ContentItemFactory, InterestAreaFactory
from tests.subscribers.factories import ContactFactory

TUESDAY_9_AMSTERDAM = dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)


def test_an_archived_partners_contacts_get_no_newsletter_until_it_is_restored(
    app: Flask, session: Session, acme: Partner
) -> None:
    storage = InterestAreaFactory.create(slug="storage")
    ContentItemFactory.create(interest_areas=[storage], title="Array trade-in", cta_url="https://v.example/a",
                              cta_label="Read", publish_at=TUESDAY_9_AMSTERDAM - dt.timedelta(days=1))  # fmt: skip
    ContactFactory.create(partner=acme, interests=[storage], frequency=Frequency.WEEKLY, preferred_weekday=1,
                          preferred_hour=9, timezone="Europe/Amsterdam")  # fmt: skip
    archive_partner(session, acme, now=TUESDAY_9_AMSTERDAM)
    report = assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert (report.contacts_seen, report.enqueued) == (0, 0)
    restore_partner(session, acme)
    assert assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app).enqueued == 1


def test_an_archived_partner_gets_no_kits_and_is_not_counted_in_a_campaigns_reach(
    app: Flask, session: Session, live_campaign: Campaign, acme: Partner, globex: Partner
) -> None:
    ContactFactory.create(partner=acme)
    ContactFactory.create(partner=globex)
    assert campaign_reach(session, live_campaign).total == 2
    archive_partner(session, acme)
    assert campaign_reach(session, live_campaign).total == 1
    build_now(app, session)
    kits = session.scalars(select(Kit.partner_id).where(Kit.campaign_id == live_campaign.id)).all()
    assert kits == [globex.id]


def test_an_archived_partners_users_cannot_sign_in_and_their_session_ends(
    app: Flask, client: FlaskClient, session: Session, acme: Partner, marketer_at_acme: PartnerUser
) -> None:
    token = csrf_token_from(client, "/portal/sign-in")
    client.post("/portal/sign-in", data={"email": "sanne@acme-it.example", "csrf_token": token})
    [eml] = outbox_files(app)
    link = urlsplit(link_in(eml)).path
    signed_in = portal_client(app.test_client(), marketer_at_acme)
    assert signed_in.get("/portal/").status_code == 200

    archive_partner(session, acme)
    session.flush()
    assert signed_in.get("/portal/").status_code == 302  # the session ends at once
    used = client.post(link, data={"csrf_token": csrf_token_from(client, link)})
    assert used.status_code == 410  # an earlier link does not open the door either
    client.post("/portal/sign-in", data={"email": "sanne@acme-it.example", "csrf_token": token})
    assert len(session.scalars(select(Delivery)).all()) == 1  # no new link for an archived partner
