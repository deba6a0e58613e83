import random
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.demo import DEMO_ITEMS, _demo_image, _demo_subjects, demo_content, demo_interest_areas
from content.models import ContentItem, ContentStatus
from core.db import utc_now
from core.demo import demo_users


@pytest.mark.slow
def test_the_demo_library_has_forty_illustrated_items_in_three_or_more_languages_across_every_status(
    app: Flask, session: Session
) -> None:
    with app.app_context():
        demo_users(session, random.Random(1))
        demo_interest_areas(session, random.Random(2))
        assert demo_content(session, random.Random(3)) == "40 content items created"
        assert demo_content(session, random.Random(3)) == "content already there"
    items = list(session.scalars(select(ContentItem)))
    now = utc_now()
    assert len(items) == DEMO_ITEMS
    assert all(len(item.variants) >= 3 and "en" in item.locales for item in items)
    assert all(item.hero_image is not None and item.hero_image.width == 1200 for item in items)
    assert {area.slug for item in items for area in item.interest_areas} >= {
        "storage",
        "server",
        "cloud",
        "security",
        "networking",
        "client-devices",
        "data-protection",
        "hci",
        "services",
    }
    assert set(Counter(item.status for item in items)) == set(ContentStatus)
    assert any(item.status is ContentStatus.APPROVED and item.publish_at and item.publish_at > now for item in items)
    assert any(item.expires_at and item.expires_at < now for item in items)
    assert any(item.allowed_tiers for item in items)
    published = [item for item in items if item.status is ContentStatus.PUBLISHED]
    assert all(item.transitions[-1].to_status is ContentStatus.PUBLISHED for item in published)


def test_the_demo_is_the_same_every_time_for_the_same_seed() -> None:
    assert _demo_subjects(random.Random(7)) == _demo_subjects(random.Random(7))
    assert len(set(_demo_subjects(random.Random(7)))) == DEMO_ITEMS
    first = _demo_image(random.Random(7), "Extra 5% margin on RackLine R7", "server", size=(300, 160))
    assert first == _demo_image(random.Random(7), "Extra 5% margin on RackLine R7", "server", size=(300, 160))
