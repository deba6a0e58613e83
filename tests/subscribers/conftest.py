from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from content.models import InterestArea
from subscribers.links import preference_url, unsubscribe_url
from subscribers.models import Contact
from tests.content.factories import InterestAreaFactory
from tests.subscribers.factories import ContactFactory


@pytest.fixture
def areas(session: Session) -> list[InterestArea]:
    storage = InterestAreaFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"}, position=0)
    cloud = InterestAreaFactory.create(slug="cloud", names={"en": "Cloud", "nl": "Cloud"}, position=1)
    security = InterestAreaFactory.create(slug="security", names={"en": "Security", "nl": "Beveiliging"}, position=2)
    return [storage, cloud, security]


@pytest.fixture
def contact(session: Session, areas: list[InterestArea]) -> Contact:
    return ContactFactory.create(email="jan@partner.example", name="Jan Jansen", interests=[areas[0]])


def path_of(url: str) -> str:
    """The path of an absolute link, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def preference_path(app: Flask, contact: Contact) -> str:
    with app.app_context():
        return path_of(preference_url(contact))


@pytest.fixture
def unsubscribe_path(app: Flask, contact: Contact) -> str:
    with app.app_context():
        return path_of(unsubscribe_url(contact))
