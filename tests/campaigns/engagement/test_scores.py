"""Engagement scores: weighted human events that halve every half-life, bands on the partners list,
cooling partners on an account manager's overview and in their weekly email."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, EventKind, RenderedBody
from campaigns.engagement.cooling import weekly_cooling_mail
from campaigns.engagement.models import ContactScore, PartnerOutreach
from campaigns.engagement.rollups import decay_partner_scores, refresh_baselines, roll_up_batch
from core.auth.models import User
from subscribers.engagement import Band, PartnerScore, band_of, decayed
from subscribers.models import Contact, Partner
from tests.campaigns.engagement.helpers import MONDAY, event, newsletter
from tests.conftest import sign_in
from tests.subscribers.factories import ContactFactory, PartnerFactory

DAY = dt.timedelta(days=1)


def contact_score(session: Session, contact: Contact, now: dt.datetime) -> float:
    stored = session.get(ContactScore, contact.id)
    assert stored is not None
    return decayed(stored.score, stored.as_of, now, 30)


def test_a_score_weighs_human_events_and_halves_every_thirty_days(app: Flask, session: Session) -> None:
    jan = ContactFactory.create()
    mail = newsletter(session, jan, "2026-03")
    event(session, EventKind.OPEN, mail)
    event(session, EventKind.CLICK, mail)
    event(session, EventKind.OPEN, mail, automated=True)  # a machine: weighs nothing
    event(session, EventKind.KIT_DOWNLOAD, contact_id=jan.id, partner_id=jan.partner_id)
    with app.app_context():
        roll_up_batch(session, MONDAY)
        assert contact_score(session, jan, MONDAY) == pytest.approx(1 + 3 + 5)
        assert contact_score(session, jan, MONDAY + 30 * DAY) == pytest.approx(4.5)
        event(session, EventKind.PREFERENCE_CHANGE, contact_id=jan.id, at=MONDAY + 30 * DAY)
        roll_up_batch(session, MONDAY + 30 * DAY)  # decayed on add: 4.5 carried, plus 2
        assert contact_score(session, jan, MONDAY + 30 * DAY) == pytest.approx(6.5)
    partner = session.get(PartnerScore, jan.partner_id)
    assert partner is not None
    assert decayed(partner.score, partner.as_of, MONDAY + 30 * DAY, 30) == pytest.approx(6.5)


def test_bands_silent_below_one_cooling_after_a_fall_of_more_than_the_set_share() -> None:
    assert band_of(0.5, 10.0, 30) is Band.SILENT
    assert band_of(6.0, 10.0, 30) is Band.COOLING
    assert band_of(8.0, 10.0, 30) is Band.ENGAGED
    assert band_of(3.0, 0.0, 30) is Band.ENGAGED


def three_partners(app: Flask, session: Session, manager: User) -> dict[str, Partner]:
    """Busy (active all along), Drifting (busy 45 days ago, quiet since) and Quiet (never)."""
    busy = PartnerFactory.create(name="Busy BV", account_manager=manager)
    drifting = PartnerFactory.create(name="Drifting BV", account_manager=manager)
    quiet = PartnerFactory.create(name="Quiet BV", account_manager=manager)
    for partner, days in ((busy, range(0, 60, 3)), (drifting, range(40, 60, 2))):
        contact = ContactFactory.create(partner=partner)
        for n, ago in enumerate(days):
            mail = newsletter(session, contact, f"2026-W{n:02d}")
            event(session, EventKind.CLICK, mail, at=MONDAY - ago * DAY)
    with app.app_context():
        roll_up_batch(session, MONDAY)
        decay_partner_scores(session, MONDAY)
        refresh_baselines(session, MONDAY.date())
    return {"busy": busy, "drifting": drifting, "quiet": quiet}


def test_the_partners_list_filters_by_engagement_band_and_sorts_by_score(
    app: Flask, client: FlaskClient, session: Session, admin: User, account_manager: User
) -> None:
    partners = three_partners(app, session, account_manager)
    with time_machine.travel(MONDAY, tick=False):
        sign_in(client, admin)
        cooling = client.get("/admin/partners?engagement=cooling").get_data(as_text=True)
        silent = client.get("/admin/partners?engagement=silent").get_data(as_text=True)
        engaged = client.get("/admin/partners?engagement=engaged").get_data(as_text=True)
        by_score = client.get("/admin/partners?sort=engagement").get_data(as_text=True)
    assert "Drifting BV" in cooling
    assert "Busy BV" not in cooling
    assert "Quiet BV" in silent
    assert "Drifting BV" not in silent
    assert "Busy BV" in engaged
    assert "Quiet BV" not in engaged
    assert by_score.index("Busy BV") < by_score.index("Drifting BV") < by_score.index("Quiet BV")
    assert partners["quiet"].id not in {s.partner_id for s in session.scalars(select(PartnerScore))}


def test_an_account_manager_sees_cooling_partners_with_the_named_person_and_last_outreach_on_the_overview(
    app: Flask, client: FlaskClient, session: Session, account_manager: User
) -> None:
    partners = three_partners(app, session, account_manager)
    session.add(PartnerOutreach(partner_id=partners["drifting"].id, user_id=account_manager.id,
                                happened_on=dt.date(2026, 1, 20), channel="call"))  # fmt: skip
    session.flush()
    with time_machine.travel(MONDAY, tick=False):
        sign_in(client, account_manager)
        page = client.get("/").get_data(as_text=True)
    section = page.split("Cooling partners")[1]
    assert "Drifting BV" in section
    assert "Busy BV" not in section
    assert account_manager.name in section
    assert "Jan 20, 2026" in section


def test_the_weekly_email_goes_to_each_account_manager_with_cooling_partners_once_a_week(
    app: Flask, session: Session, account_manager: User, teammate: User
) -> None:
    three_partners(app, session, account_manager)
    with app.test_request_context():
        assert weekly_cooling_mail(session, MONDAY) == "1 cooling-partner emails"
        assert weekly_cooling_mail(session, MONDAY + dt.timedelta(hours=1)) == "0 cooling-partner emails"
        assert weekly_cooling_mail(session, MONDAY + DAY) == "not Monday"
    [mail] = session.scalars(select(Delivery).where(Delivery.category == "cooling-partners")).all()
    assert mail.recipient_email == account_manager.email
    stored = session.get(RenderedBody, mail.body_id)
    assert stored is not None
    assert "Drifting BV" in stored.text
    assert "Busy BV" not in stored.text
    assert "1 of your partners is cooling" in stored.subject


def test_the_weekly_email_says_the_fall_and_the_last_outreach_in_the_account_managers_language(
    app: Flask, session: Session, account_manager: User
) -> None:
    account_manager.locale = "de"
    partners = three_partners(app, session, account_manager)
    session.add(PartnerOutreach(partner_id=partners["drifting"].id, user_id=account_manager.id,
                                happened_on=dt.date(2026, 11, 3), channel="call"))  # fmt: skip
    session.flush()
    with app.app_context():  # as the scheduler runs it: no request, so no browser language to fall back on
        assert weekly_cooling_mail(session, MONDAY) == "1 cooling-partner emails"
    [mail] = session.scalars(select(Delivery).where(Delivery.category == "cooling-partners")).all()
    stored = session.get(RenderedBody, mail.body_id)
    assert stored is not None
    for body in (stored.text, stored.html):
        assert "03.11.2026" in body  # German medium date, not 2026-11-03
        assert "2026-11-03" not in body
        line = body.split("Drifting BV")[1]
        assert re.search(r"um \d+,\d%", line), line  # the fall with a decimal comma, as on the overview
