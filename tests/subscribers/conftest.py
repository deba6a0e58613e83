from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from content.models import InterestArea
from subscribers.models import Contact
from tests.subscribers.factories import ContactFactory, InterestAreaFactory


@pytest.fixture
def areas(session: Session) -> list[InterestArea]:
    storage = InterestAreaFactory(slug="storage", names={"en": "Storage", "nl": "Opslag"}, position=0)
    cloud = InterestAreaFactory(slug="cloud", names={"en": "Cloud", "nl": "Cloud"}, position=1)
    security = InterestAreaFactory(slug="security", names={"en": "Security", "nl": "Beveiliging"}, position=2)
    return [storage, cloud, security]


@pytest.fixture
def contact(session: Session, areas: list[InterestArea]) -> Contact:
    return ContactFactory(email="jan@partner.example", name="Jan Jansen", interests=[areas[0]])
