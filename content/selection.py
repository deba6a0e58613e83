"""What partners may read now: the visibility rule and the newsletter's selection query.

Visibility is a query condition, not a flag someone must flip: an item is visible while it is
approved or published, its publish_at has come and its expires_at has not. The scheduler's
"published" mark follows, but nothing waits for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from content.models import (
    VISIBLE_STATUSES,
    ContentItem,
    ContentItemTier,
    ContentVariant,
    InterestArea,
    content_item_areas,
)


@dataclass(frozen=True)
class SelectedItem:
    """An item as one reader gets it: in their language, or the item's default when it has none."""

    item: ContentItem
    variant: ContentVariant
    is_fallback: bool

    @property
    def locale(self) -> str:
        return self.variant.locale


def visible_at(now: dt.datetime) -> ColumnElement[bool]:
    """Approved or published, publish_at reached, not expired."""
    return and_(
        ContentItem.status.in_(VISIBLE_STATUSES),
        ContentItem.publish_at <= now,
        or_(ContentItem.expires_at.is_(None), ContentItem.expires_at > now),
    )


def allowed_for_tier(tier: str) -> ColumnElement[bool]:
    """No tier limit, or the tier is among the allowed ones."""
    limited = exists().where(ContentItemTier.item_id == ContentItem.id)
    allowed = exists().where(ContentItemTier.item_id == ContentItem.id, ContentItemTier.tier == tier)
    return or_(~limited, allowed)


def in_active_areas(interest_ids: Collection[int]) -> ColumnElement[bool]:
    """Tagged with at least one of these areas that is not retired."""
    return exists().where(
        content_item_areas.c.item_id == ContentItem.id,
        content_item_areas.c.area_id.in_(list(interest_ids)),
        InterestArea.id == content_item_areas.c.area_id,
        InterestArea.is_active.is_(True),
    )


def published_content_for(
    session: Session,
    interest_ids: Collection[int],
    tier: str,
    locale: str,
    since: dt.datetime | None,
    now: dt.datetime,
    limit: int,
) -> list[SelectedItem]:
    """The newest visible items in these areas for this tier, best first, each in the reader's language.

    Ranked by priority (highest first), then by publish time (newest first). `since` leaves out
    items published at or before it (what an earlier newsletter already carried). Two
    statements at most, whatever the size of the library: the ranked items, their variants and
    their images.
    """
    if not interest_ids or limit <= 0:
        return []
    conditions = [visible_at(now), in_active_areas(interest_ids), allowed_for_tier(tier)]
    if since is not None:
        conditions.append(ContentItem.publish_at > since)
    statement = (
        select(ContentItem)
        .where(*conditions)
        .order_by(ContentItem.priority.desc(), ContentItem.publish_at.desc(), ContentItem.id.desc())
        .limit(limit)
        .options(selectinload(ContentItem.variants), selectinload(ContentItem.hero_image))
    )
    return _in_reader_language(session.scalars(statement).all(), locale)


def _in_reader_language(items: Collection[ContentItem], locale: str) -> list[SelectedItem]:
    selected = []
    for item in items:
        variant, is_fallback = item.variant_for(locale)
        if variant is not None:  # only an item never given its default text; the workflow prevents it
            selected.append(SelectedItem(item, variant, is_fallback))
    return selected
