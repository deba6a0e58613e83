"""What a reader may see: the one rule, and the two ways of asking it.

The rule (`Candidate.admits` in memory, `may_see` in SQL; nothing else decides it). An item may
reach a reader when it is
- visible at that moment: approved or published, its publish time reached, not expired;
- tagged with an active interest area the reader follows;
- allowed for the reader's partner tier (no tier limit, or the tier listed);
- open to the reader's partner: no competency required, or one the partner holds (the caller
  passes the competencies held; `subscribers.programme` decides which those are);
- new to the reader: published after `since` (their previous newsletter moment), when given.
Items are ranked by priority, then publish time, then id, highest and newest first. A live
campaign never widens the rule: its items (`boosts`) move to the front only when they already pass
it for that reader.

Two paths answer it. `published_content_for` asks the database for one reader (admin previews,
the portal). `Library` loads every item visible at one moment once and answers thousands of
readers from memory (a newsletter run). `tests/content/test_reader_rule.py::
test_memory_and_sql_paths_agree` generates libraries, readers and campaigns with Hypothesis and
holds the two to the same answers, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from content.models import (
    VISIBLE_STATUSES,
    ContentItem,
    ContentItemTier,
    ContentVariant,
    InterestArea,
    content_item_areas,
)

T = TypeVar("T")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class ReaderScope:
    """What the rule needs to know about a reader, as plain values."""

    interest_ids: frozenset[int]
    tier: str
    since: dt.datetime | None = None  # their previous newsletter moment: only newer items are new
    # The competencies the reader's partner holds today; an item requiring another stays hidden.
    competency_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """An item visible at the library's moment, reduced to what the rule and the ranking need."""

    id: int
    priority: int
    publish_at: dt.datetime
    area_ids: frozenset[int]  # its active interest areas
    tiers: frozenset[str]  # empty: every tier
    competency_id: int | None = None  # the competency it requires, if any

    @property
    def rank(self) -> tuple[int, int, int]:
        """Sorts best first, exactly as the SQL path orders (no float rounding of times)."""
        return (-self.priority, -((self.publish_at - EPOCH) // MICROSECOND), -self.id)

    def admits(self, scope: ReaderScope) -> bool:
        """The rule, for an item already known to be visible."""
        return (
            not self.area_ids.isdisjoint(scope.interest_ids)
            and (not self.tiers or scope.tier in self.tiers)
            and (self.competency_id is None or self.competency_id in scope.competency_ids)
            and (scope.since is None or self.publish_at > scope.since)
        )


def visible_at(now: dt.datetime) -> ColumnElement[bool]:
    """Approved or published, publish_at reached, not expired."""
    return and_(
        ContentItem.status.in_(VISIBLE_STATUSES),
        ContentItem.publish_at <= now,
        or_(ContentItem.expires_at.is_(None), ContentItem.expires_at > now),
    )


def allowed_for_tier(tier: str) -> ColumnElement[bool]:
    """No tier limit, or the tier is among the allowed ones (also the library list's tier filter)."""
    limited = exists().where(ContentItemTier.item_id == ContentItem.id)
    listed = exists().where(ContentItemTier.item_id == ContentItem.id, ContentItemTier.tier == tier)
    return or_(~limited, listed)


def open_to(competency_ids: frozenset[int]) -> ColumnElement[bool]:
    """No competency required, or one of these (the ones the reader's partner holds)."""
    required = ContentItem.required_competency_id
    if not competency_ids:
        return required.is_(None)
    return or_(required.is_(None), required.in_(sorted(competency_ids)))


def may_see(scope: ReaderScope, now: dt.datetime) -> ColumnElement[bool]:
    """The rule as one SQL condition on ContentItem."""
    in_followed_area = exists().where(
        content_item_areas.c.item_id == ContentItem.id,
        content_item_areas.c.area_id.in_(sorted(scope.interest_ids)),
        InterestArea.id == content_item_areas.c.area_id,
        InterestArea.is_active.is_(True),
    )
    conditions = [visible_at(now), in_followed_area, allowed_for_tier(scope.tier), open_to(scope.competency_ids)]
    if scope.since is not None:
        conditions.append(ContentItem.publish_at > scope.since)
    return and_(*conditions)


def arrange(
    boosted: Iterable[T], ranked: Iterable[T], boosts: Sequence[Collection[int]], limit: int, key: Callable[[T], int]
) -> list[tuple[T, int | None]]:
    """Boosted items first (in the order of `boosts`, best first within each), then the rest by rank.

    Both inputs hold only items that pass the rule, best first; each result carries the index of
    the boost that put it first, or None.
    """
    boosted = list(boosted)
    picked: list[tuple[T, int | None]] = []
    seen: set[int] = set()
    for index, group in enumerate(boosts):
        for entry in boosted:
            if key(entry) in group and key(entry) not in seen:
                picked.append((entry, index))
                seen.add(key(entry))
    for entry in ranked:
        if key(entry) not in seen:
            picked.append((entry, None))
            seen.add(key(entry))
    return picked[:limit]


class Library:
    """Every item visible at `now` in an active area, ranked: one load for a whole newsletter run."""

    def __init__(self, session: Session, now: dt.datetime) -> None:
        self.now = now
        active = set(session.scalars(select(InterestArea.id).where(InterestArea.is_active.is_(True))))
        loaded = session.scalars(
            select(ContentItem)
            .where(visible_at(now))
            .options(
                selectinload(ContentItem.variants),
                selectinload(ContentItem.interest_areas),
                selectinload(ContentItem.tier_rows),
                selectinload(ContentItem.hero_image),
            )
        ).all()
        self.items = {item.id: item for item in loaded}
        candidates = [
            Candidate(
                id=item.id,
                priority=item.priority,
                publish_at=item.publish_at,
                area_ids=frozenset(area.id for area in item.interest_areas) & active,
                tiers=frozenset(row.tier for row in item.tier_rows),
                competency_id=item.required_competency_id,
            )
            for item in loaded
            if item.publish_at is not None
        ]
        self.ranked = sorted((c for c in candidates if c.area_ids), key=lambda c: c.rank)

    def select(
        self, scope: ReaderScope, limit: int, *, boosts: Sequence[Collection[int]] = ()
    ) -> list[tuple[Candidate, int | None]]:
        """What this reader may see, best first, at most `limit`; with the boost that led each."""
        if limit <= 0:
            return []
        boosted_ids = set().union(*boosts) if boosts else set()
        boosted = (c for c in self.ranked if c.id in boosted_ids and c.admits(scope))
        ranked = (c for c in self.ranked if c.admits(scope))
        return arrange(boosted, ranked, boosts, limit, key=lambda c: c.id)


@dataclass(frozen=True)
class SelectedItem:
    """An item as one reader gets it: in the first language of their reading order it is written in."""

    item: ContentItem
    variant: ContentVariant
    is_fallback: bool  # not in the reader's own language
    boost: int | None = None  # the index of the boost that put it first

    @property
    def locale(self) -> str:
        return self.variant.locale


def published_content_for(
    session: Session,
    scope: ReaderScope,
    order: Sequence[str],
    now: dt.datetime,
    limit: int,
    *,
    boosts: Sequence[Collection[int]] = (),
    narrowed_by: Sequence[ColumnElement[bool]] = (),
    offset: int = 0,
) -> list[SelectedItem]:
    """What one reader may see at `now`, best first, in their reading order (`content.languages`).

    Walks the rank index and stops at the limit: two statements (three with boosts) whatever the
    size of the library, plus the loading of the chosen items' texts and images. `narrowed_by`
    (a search, a filter: conditions on ContentItem) only narrows what the rule admits; `offset`
    pages through the ranked items of a listing without boosts.
    """
    if not scope.interest_ids or limit <= 0:
        return []
    if offset and boosts:
        raise ValueError("an offset pages a plain ranking; boosted items would move between pages")
    rule = and_(may_see(scope, now), *narrowed_by)
    by_rank = (ContentItem.priority.desc(), ContentItem.publish_at.desc(), ContentItem.id.desc())
    loading = (selectinload(ContentItem.variants), selectinload(ContentItem.hero_image))
    boosted_ids = sorted(set().union(*boosts)) if boosts else []
    boosted = (
        session.scalars(
            select(ContentItem).where(rule, ContentItem.id.in_(boosted_ids)).order_by(*by_rank).options(*loading)
        ).all()
        if boosted_ids
        else []
    )
    ranked = session.scalars(
        select(ContentItem).where(rule).order_by(*by_rank).offset(offset).limit(limit + len(boosted)).options(*loading)
    ).all()
    chosen = arrange(boosted, ranked, boosts, limit, key=lambda item: item.id)
    selected = []
    for item, boost in chosen:
        variant, is_fallback = item.variant_for(order)
        if variant is not None:  # only an item never given its default text; the workflow prevents it
            selected.append(SelectedItem(item, variant, is_fallback, boost))
    return selected


def count_visible(
    session: Session, scope: ReaderScope, now: dt.datetime, *, narrowed_by: Sequence[ColumnElement[bool]] = ()
) -> int:
    """How many items the rule admits for this reader at `now` (narrowed like `published_content_for`)."""
    if not scope.interest_ids:
        return 0
    return session.scalar(select(func.count(ContentItem.id)).where(may_see(scope, now), *narrowed_by)) or 0
