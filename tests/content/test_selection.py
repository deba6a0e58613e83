import datetime as dt

import pytest
import time_machine
from sqlalchemy.orm import Session

from content.languages import reading_order
from content.models import ContentStatus, InterestArea
from content.selection import ReaderScope, SelectedItem, published_content_for
from content.services import retire_area
from tests.content.factories import NOW, ContentItemFactory

S = ContentStatus
HOUR = dt.timedelta(hours=1)


def select_for(
    session: Session,
    areas: list[InterestArea],
    *,
    tier: str = "gold",
    locale: str = "en",
    since: dt.datetime | None = None,
    now: dt.datetime = NOW,
    limit: int = 10,
) -> list[SelectedItem]:
    scope = ReaderScope(interest_ids=frozenset(area.id for area in areas), tier=tier, since=since)
    return published_content_for(session, scope, reading_order(locale, ("en",)), now, limit)


def titles(selected: list[SelectedItem]) -> list[str]:
    return [entry.variant.title for entry in selected]


def test_a_reader_gets_their_own_language_when_the_item_has_it(session: Session, storage_area: InterestArea) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], locales=("en", "nl"), title="Opslag")
    [selected] = select_for(session, [storage_area], locale="nl")
    assert (selected.variant.title, selected.locale, selected.is_fallback) == ("Opslag (nl)", "nl", False)


def test_a_reader_whose_language_is_missing_gets_the_items_default_language(
    session: Session, storage_area: InterestArea
) -> None:
    ContentItemFactory.create(
        interest_areas=[storage_area], locales=("de", "fr"), default_locale="de", title="Speicher"
    )
    [selected] = select_for(session, [storage_area], locale="sv")
    assert (selected.variant.title, selected.is_fallback) == ("Speicher (de)", True)


def test_a_reader_whose_language_is_missing_gets_english_before_the_items_default(
    session: Session, storage_area: InterestArea
) -> None:
    ContentItemFactory.create(
        interest_areas=[storage_area], locales=("fr", "en"), default_locale="fr", title="Stockage"
    )
    [selected] = select_for(session, [storage_area], locale="nl")
    assert (selected.locale, selected.is_fallback) == ("en", True)


def test_items_limited_to_upper_tiers_are_left_out_for_lower_tiers(
    session: Session, storage_area: InterestArea
) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], title="Everyone")
    ContentItemFactory.create(interest_areas=[storage_area], title="Gold club", allowed_tiers=("gold", "platinum"))
    assert sorted(titles(select_for(session, [storage_area], tier="gold"))) == ["Everyone (en)", "Gold club (en)"]
    assert titles(select_for(session, [storage_area], tier="silver")) == ["Everyone (en)"]


def test_only_the_readers_interest_areas_count_and_retired_areas_are_ignored(
    session: Session, storage_area: InterestArea, cloud_area: InterestArea
) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], title="Storage")
    ContentItemFactory.create(interest_areas=[cloud_area], title="Cloud")
    ContentItemFactory.create(interest_areas=[storage_area, cloud_area], title="Both")
    assert sorted(titles(select_for(session, [storage_area]))) == ["Both (en)", "Storage (en)"]
    retire_area(session, storage_area)
    assert titles(select_for(session, [storage_area])) == []
    assert sorted(titles(select_for(session, [storage_area, cloud_area]))) == ["Both (en)", "Cloud (en)"]


@pytest.mark.parametrize("status", [S.DRAFT, S.IN_REVIEW, S.ARCHIVED])
def test_items_that_are_not_approved_or_published_are_never_selected(
    session: Session, storage_area: InterestArea, status: ContentStatus
) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], status=status)
    assert select_for(session, [storage_area]) == []


def test_an_item_is_visible_from_its_publish_time_until_its_expiry(
    session: Session, storage_area: InterestArea
) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], publish_at=NOW, expires_at=NOW + 2 * HOUR, title="Window")
    with time_machine.travel(NOW - dt.timedelta(seconds=1), tick=False):
        assert select_for(session, [storage_area], now=dt.datetime.now(dt.UTC)) == []
    with time_machine.travel(NOW, tick=False):
        assert titles(select_for(session, [storage_area], now=dt.datetime.now(dt.UTC))) == ["Window (en)"]
    with time_machine.travel(NOW + 2 * HOUR, tick=False):
        assert select_for(session, [storage_area], now=dt.datetime.now(dt.UTC)) == []


def test_items_rank_by_priority_then_newest_first_and_stop_at_the_limit(
    session: Session, storage_area: InterestArea
) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], priority=50, publish_at=NOW - 3 * HOUR, title="Old")
    ContentItemFactory.create(interest_areas=[storage_area], priority=50, publish_at=NOW - HOUR, title="New")
    ContentItemFactory.create(interest_areas=[storage_area], priority=90, publish_at=NOW - 5 * HOUR, title="Important")
    ContentItemFactory.create(interest_areas=[storage_area], priority=10, publish_at=NOW - HOUR, title="Minor")
    assert titles(select_for(session, [storage_area], limit=3)) == ["Important (en)", "New (en)", "Old (en)"]


def test_since_leaves_out_what_an_earlier_newsletter_carried(session: Session, storage_area: InterestArea) -> None:
    ContentItemFactory.create(interest_areas=[storage_area], publish_at=NOW - 3 * HOUR, title="Sent last time")
    ContentItemFactory.create(interest_areas=[storage_area], publish_at=NOW - HOUR, title="Fresh")
    assert titles(select_for(session, [storage_area], since=NOW - 2 * HOUR)) == ["Fresh (en)"]


def test_no_interest_areas_means_nothing_to_select(session: Session, storage_area: InterestArea) -> None:
    ContentItemFactory.create(interest_areas=[storage_area])
    assert select_for(session, []) == []
