"""A competency-gated item reaches only the contacts of partners that hold the competency: in the
newsletter, its preview and a boosting campaign alike; the day certificates expire, it stops."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from campaigns.digests.assembly import assemble_digests
from campaigns.digests.preview import preview_next_digest
from campaigns.planning.models import CampaignStatus
from content.models import Competency, InterestArea
from subscribers.models import Contact, Partner
from subscribers.programme.models import CompetencyRequirement
from tests.campaigns.digests.test_digests import TUESDAY_9_AMSTERDAM, first_lines, news, weekly_contact
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import CompetencyFactory, InterestAreaFactory
from tests.subscribers.factories import CertificationFactory, ContactFactory, PartnerFactory


@pytest.fixture
def storage(session: Session) -> InterestArea:
    return InterestAreaFactory.create(slug="storage", names={"en": "Storage"})


@pytest.fixture
def specialist(session: Session) -> Competency:
    return CompetencyFactory.create(slug="storage-specialist", names={"en": "Storage specialist"})


def partner_with_certified(specialist: Competency, people: int, *, expires_on: dt.date | None = None) -> Partner:
    partner = PartnerFactory.create(tier="gold")
    for _ in range(people):
        CertificationFactory.create(
            contact=ContactFactory.create(partner=partner), competency=specialist, expires_on=expires_on
        )
    return partner


def reader(storage: InterestArea, partner: Partner, email: str) -> Contact:
    return weekly_contact(storage, partner=partner, email=email)


def test_a_gated_item_reaches_only_the_contacts_of_certified_partners(
    app: Flask, session: Session, storage: InterestArea, specialist: Competency
) -> None:
    session.add(CompetencyRequirement(tier="gold", competency_id=specialist.id, people=2))
    news(storage, title="Open news")
    gated = news(storage, title="Specialist pricing", hours_ago=30, required_competency=specialist)
    reader(storage, partner_with_certified(specialist, 2), "certified@a.example")
    reader(storage, partner_with_certified(specialist, 1), "one-short@b.example")  # gold needs two
    reader(storage, PartnerFactory.create(tier="gold"), "nobody@c.example")
    expired = partner_with_certified(specialist, 2, expires_on=dt.date(2026, 3, 2))  # the day before
    reader(storage, expired, "expired@d.example")
    CampaignFactory.create(  # a live campaign boosting the gated item widens nothing
        status=CampaignStatus.LIVE,
        launch_at=TUESDAY_9_AMSTERDAM - dt.timedelta(days=1),
        ends_at=TUESDAY_9_AMSTERDAM + dt.timedelta(days=10),
        content_items=[gated],
    )
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    lines = first_lines(session)
    assert lines["certified"] == ["Specialist pricing (en)", "Open news (en)"]
    for uncertified in ("one-short", "nobody", "expired"):
        assert "Specialist pricing (en)" not in lines[uncertified]
        assert "Open news (en)" in lines[uncertified]


def test_the_preview_of_an_uncertified_contact_shows_no_gated_item_and_a_gated_campaign_boosts_nothing(
    app: Flask, session: Session, storage: InterestArea, specialist: Competency
) -> None:
    next_week = TUESDAY_9_AMSTERDAM + dt.timedelta(days=7)
    news(storage, title="Open news", at=next_week, hours_ago=2)
    boosted = news(storage, title="Campaign news", at=next_week, hours_ago=50)
    CampaignFactory.create(
        status=CampaignStatus.LIVE,
        launch_at=next_week - dt.timedelta(days=1),
        ends_at=next_week + dt.timedelta(days=10),
        content_items=[boosted],
        required_competency=specialist,
    )
    certified = reader(storage, partner_with_certified(specialist, 1), "certified@a.example")
    other = reader(storage, PartnerFactory.create(tier="gold"), "other@b.example")
    now = TUESDAY_9_AMSTERDAM + dt.timedelta(days=6)
    seen = {
        contact.email: [item.card.title for item in preview_next_digest(session, app, contact, now).items]
        for contact in (certified, other)
    }
    assert seen[certified.email] == ["Campaign news (en)", "Open news (en)"]
    assert seen[other.email] == ["Open news (en)", "Campaign news (en)"]  # not boosted: the campaign is not theirs
