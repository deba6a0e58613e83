import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from content.models import InterestArea
from core.auth.models import User
from subscribers.models import Contact, ContactStatus
from subscribers.schedule import Frequency
from subscribers.services import mark_complained
from subscribers.suppression import is_suppressed
from tests.conftest import csrf_token_from, refreshed
from tests.subscribers.factories import ContactFactory, DistributorTeamFactory

# Monday 2 March 2026, 12:00 in Amsterdam: the contact's Tuesday 09:00 is tomorrow.
MONDAY_NOON = dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def monday_noon() -> Iterator[None]:
    """Links are signed and pages rendered on the same frozen Monday."""
    with time_machine.travel(MONDAY_NOON, tick=False):
        yield


def form_for(client: FlaskClient, path: str, areas: list[InterestArea], **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": csrf_token_from(client, path),
        "interests": [areas[0].id],
        "frequency": "weekly",
        "preferred_weekday": "1",
        "preferred_hour": "9",
        "locale": "en",
    }
    data.update(changes)
    return data


def text_of(response: TestResponse) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_page_shows_the_choices_and_who_to_talk_to(
    client: FlaskClient, contact: Contact, preference_path: str, session: Session
) -> None:
    contact.partner.account_manager = User(
        email="anna@vendor.example",
        name="Anna de Vries",
        role="account_manager",
        password_hash="x",
        phone="+31 20 555 0102",
    )
    session.flush()
    page = text_of(client.get(preference_path))
    assert "Your newsletter preferences" in page
    assert "For jan@partner.example at" in page
    assert "Anna de Vries" in page
    assert "+31 20 555 0102" in page
    assert re.search(r'checked id="interests-0"', page)


def test_saving_shows_what_happens_next_and_records_the_change(
    client: FlaskClient, contact: Contact, areas: list[InterestArea], preference_path: str, session: Session
) -> None:
    data = form_for(client, preference_path, areas, interests=[areas[0].id, areas[1].id], frequency="monthly")
    response = client.post(preference_path, data=data, follow_redirects=True)
    page = text_of(response)
    session.expire_all()
    assert "Your choices are saved." in page
    assert "Your next newsletter: Tuesday, March 3, 2026, 9:00 AM, about Storage and Cloud." in page
    assert contact.frequency is Frequency.MONTHLY
    assert [area.slug for area in contact.interests] == ["storage", "cloud"]
    record = contact.consent_records[-1]
    assert record.action == "preferences"
    assert record.source.value == "form"
    assert record.ip == "127.0.0.1"
    assert "frequency: weekly -> monthly" in record.detail
    assert "interests: storage -> storage, cloud" in record.detail


def test_the_next_newsletter_line_speaks_the_contacts_language_and_zone(
    client: FlaskClient, contact: Contact, preference_path: str, session: Session
) -> None:
    contact.locale = "nl"
    contact.timezone = "America/New_York"
    session.flush()
    page = text_of(client.get(preference_path))
    assert "Uw nieuwsbriefvoorkeuren" in page
    assert "Uw volgende nieuwsbrief: dinsdag 3 maart 2026, 09:00, over Opslag." in page


def test_the_language_switcher_changes_the_page_but_not_the_contact(
    client: FlaskClient, contact: Contact, preference_path: str
) -> None:
    page = text_of(client.get(preference_path + "?lang=de"))
    assert '<html lang="de">' in page
    assert "Ihre Newsletter-Einstellungen" in page
    assert contact.locale == "en"
    assert "Your newsletter preferences" in text_of(client.get(preference_path + "?lang=xx"))


def test_a_retired_or_unknown_topic_is_a_field_error_and_nothing_is_saved(
    client: FlaskClient, contact: Contact, areas: list[InterestArea], preference_path: str, session: Session
) -> None:
    areas[2].is_active = False
    session.flush()
    for bad in ([areas[2].id], [999_999], ["storage"]):
        response = client.post(preference_path, data=form_for(client, preference_path, areas, interests=bad))
        assert response.status_code == 400
        assert 'class="field__error" id="interests-error"' in response.get_data(as_text=True)
    assert [area.slug for area in contact.interests] == ["storage"]
    assert contact.consent_records == []


def test_an_hour_of_25_is_a_field_error_and_nothing_is_saved(
    client: FlaskClient, contact: Contact, areas: list[InterestArea], preference_path: str
) -> None:
    response = client.post(
        preference_path, data=form_for(client, preference_path, areas, preferred_hour="25", frequency="quarterly")
    )
    assert response.status_code == 400
    assert 'id="preferred_hour-error"' in response.get_data(as_text=True)
    assert contact.frequency is Frequency.WEEKLY


def test_pausing_for_two_weeks_stops_mail_until_then(
    client: FlaskClient, contact: Contact, preference_path: str, session: Session
) -> None:
    token = csrf_token_from(client, preference_path)
    response = client.post(
        preference_path + "/pause", data={"csrf_token": token, "length": "2w"}, follow_redirects=True
    )
    page = text_of(response)
    session.expire_all()
    assert contact.status is ContactStatus.PAUSED
    assert contact.paused_until == dt.date(2026, 3, 16)
    assert "Newsletters are paused until March 16, 2026." in page
    assert "Your next newsletter: Tuesday, March 17, 2026" in page
    assert contact.consent_records[-1].action == "paused"


def test_a_pause_date_in_the_past_is_a_field_error(client: FlaskClient, contact: Contact, preference_path: str) -> None:
    token = csrf_token_from(client, preference_path)
    data = {"csrf_token": token, "length": "date", "until": "2026-02-01"}
    response = client.post(preference_path + "/pause", data=data)
    assert response.status_code == 400
    assert "Choose a date in the future." in response.get_data(as_text=True)
    assert contact.status is ContactStatus.ACTIVE


def test_unsubscribing_from_the_centre_and_coming_back(
    client: FlaskClient, contact: Contact, preference_path: str, session: Session
) -> None:
    token = csrf_token_from(client, preference_path)
    page = text_of(client.post(preference_path + "/unsubscribe", data={"csrf_token": token}, follow_redirects=True))
    contact = refreshed(session, contact)
    assert contact.status is ContactStatus.UNSUBSCRIBED
    assert "You are unsubscribed: we send you no newsletters." in page
    page = text_of(client.post(preference_path + "/resubscribe", data={"csrf_token": token}, follow_redirects=True))
    contact = refreshed(session, contact)
    assert contact.status is ContactStatus.ACTIVE
    assert "Welcome back" in page
    assert [r.action for r in contact.consent_records] == ["unsubscribed", "resubscribed"]


def test_after_a_complaint_only_a_ticked_box_subscribes_again(
    client: FlaskClient, contact: Contact, preference_path: str, session: Session
) -> None:
    mark_complained(session, contact.email, source="sendgrid", detail="spam report")
    token = csrf_token_from(client, preference_path)
    refused = client.post(preference_path + "/resubscribe", data={"csrf_token": token})
    assert refused.status_code == 400
    assert "Tick the box" in refused.get_data(as_text=True)
    contact = refreshed(session, contact)
    assert contact.status is ContactStatus.COMPLAINED
    assert is_suppressed(session, contact.email)
    client.post(preference_path + "/resubscribe", data={"csrf_token": token, "opt_in": "y"})
    contact = refreshed(session, contact)
    assert contact.status is ContactStatus.ACTIVE
    assert not is_suppressed(session, contact.email)
    assert "explicit opt-in ticked" in contact.consent_records[-1].detail


def test_a_form_without_its_csrf_token_is_refused(
    client: FlaskClient, contact: Contact, areas: list[InterestArea], preference_path: str
) -> None:
    data = form_for(client, preference_path, areas, frequency="quarterly")
    del data["csrf_token"]
    assert client.post(preference_path, data=data).status_code == 400
    assert contact.frequency is Frequency.WEEKLY


def test_contacts_only_reach_their_own_page(client: FlaskClient, contact: Contact, preference_path: str) -> None:
    other = ContactFactory.create(email="piet@partner.example")
    page = text_of(client.get(preference_path))
    assert contact.email in page
    assert other.email not in page


def test_the_page_loads_in_two_queries_and_always_shows_the_current_data(
    client: FlaskClient, contact: Contact, areas: list[InterestArea], preference_path: str, session: Session
) -> None:
    """The page every email opens: the contact with whom it names and its topics, then the topics on offer;
    nothing is kept between requests, so a change shows at once."""
    contact.partner.distributor_team = DistributorTeamFactory.create(name="Benelux channel team")
    session.flush()
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        first = text_of(client.get(preference_path))
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert "Benelux channel team" in first
    assert "about Storage." in first
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 2, [
        " ".join(s.split())[-250:] for s in statements
    ]

    contact.partner.distributor_team.name = "Channel team Nederland"
    contact.interests = [areas[1]]
    session.flush()
    second = text_of(client.get(preference_path))
    assert "Channel team Nederland" in second
    assert "about Cloud." in second
    assert re.search(r'checked id="interests-1"', second)
