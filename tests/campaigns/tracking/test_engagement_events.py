"""A contact's own preference changes and unsubscribes are engagement events; staff changes are not."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from content.models import InterestArea
from core.config import Settings
from subscribers.links import preference_url, unsubscribe_url
from subscribers.models import ConsentSource, Contact
from subscribers.schedule import Frequency
from subscribers.services import current_choice, update_preferences
from tests.conftest import csrf_token_from, make_settings
from tests.content.factories import InterestAreaFactory
from tests.subscribers.factories import ContactFactory


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    """The plain test settings (pages on http://, like the other preference centre tests)."""
    return make_settings(tmp_path, engine.url.render_as_string(hide_password=False))


def a_contact(session: Session) -> tuple[Contact, InterestArea]:
    storage = InterestAreaFactory.create(slug="storage", names={"en": "Storage"}, position=0)
    return ContactFactory.create(email="jan@partner.example", name="Jan Jansen", interests=[storage]), storage


def events(session: Session) -> list[tuple[EventKind, int | None, str]]:
    rows = session.scalars(select(Event).order_by(Event.id))
    return [(event.kind, event.contact_id, event.detail.get("action", "")) for event in rows]


def test_saving_the_preference_centre_and_unsubscribing_are_events_of_the_contact(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    contact, storage = a_contact(session)
    with app.app_context():
        preferences, unsubscribe = urlsplit(preference_url(contact)).path, urlsplit(unsubscribe_url(contact)).path
    form = {
        "csrf_token": csrf_token_from(client, preferences), "interests": [storage.id], "frequency": "monthly",
        "preferred_weekday": "1", "preferred_hour": "9", "locale": "en",
    }  # fmt: skip
    saved = client.post(preferences, data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    response = client.post(unsubscribe, data=b"List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert response.status_code == 200
    session.expire_all()
    assert events(session) == [
        (EventKind.PREFERENCE_CHANGE, contact.id, "preferences"),
        (EventKind.UNSUBSCRIBE, contact.id, "unsubscribed"),
    ]


def test_a_change_made_by_staff_is_not_the_contacts_engagement(session: Session) -> None:
    contact, _storage = a_contact(session)
    choice = current_choice(contact)
    changed = choice.__class__(**{**choice.__dict__, "frequency": Frequency.QUARTERLY})
    assert update_preferences(session, contact, changed, source=ConsentSource.ADMIN)
    assert events(session) == []
