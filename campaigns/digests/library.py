"""The content a newsletter run can use, loaded once per run and selected from in memory.

`content.selection.published_content_for` answers "what would this reader get" with one indexed
query; an assembly run asks that question for thousands of reader profiles at the same moment.
So the run loads every item visible at that moment once (a few hundred rows, with their languages,
areas, tier limits and images), and answers each profile by filtering that list with the same
rules: visible, in a followed active area, allowed for the tier, published after `since`, ranked
by priority then recency, in the reader's language or the item's default. A test holds the two
paths to the same answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from campaigns.digests.render import DigestItem
from content.cards import card_for
from content.models import ContentItem, InterestArea
from content.selection import visible_at


@dataclass(frozen=True)
class Candidate:
    """One visible item, reduced to what selection needs."""

    id: int
    priority: int
    publish_at: dt.datetime
    area_ids: frozenset[int]
    tiers: frozenset[str]  # empty: every tier
    locales: frozenset[str]

    @property
    def rank(self) -> tuple[int, float, int]:
        return (-self.priority, -self.publish_at.timestamp(), -self.id)


class RunLibrary:
    """Every item visible at `now` in an active area, ranked, with its cards cached per language."""

    def __init__(self, session: Session, now: dt.datetime, base_url: str) -> None:
        active = set(session.scalars(select(InterestArea.id).where(InterestArea.is_active.is_(True))))
        self._area_names = {a.id: a for a in session.scalars(select(InterestArea))}
        items = session.scalars(
            select(ContentItem)
            .where(visible_at(now))
            .options(
                selectinload(ContentItem.variants),
                selectinload(ContentItem.interest_areas),
                selectinload(ContentItem.tier_rows),
                selectinload(ContentItem.hero_image),
            )
        ).all()
        self._items = {item.id: item for item in items}
        self._base_url = base_url
        self._cards: dict[tuple[int, str, str | None], DigestItem] = {}
        candidates = []
        for item in items:
            areas = frozenset(area.id for area in item.interest_areas) & active
            if areas and item.publish_at is not None:
                candidates.append(
                    Candidate(
                        id=item.id,
                        priority=item.priority,
                        publish_at=item.publish_at,
                        area_ids=areas,
                        tiers=frozenset(row.tier for row in item.tier_rows),
                        locales=frozenset(v.locale for v in item.variants),
                    )
                )
        self.ranked = sorted(candidates, key=lambda c: c.rank)
        self._by_id = {c.id: c for c in self.ranked}

    def select(
        self, interest_ids: Collection[int], tier: str, since: dt.datetime | None, limit: int
    ) -> list[Candidate]:
        """The same answer as `published_content_for`, from memory."""
        chosen: list[Candidate] = []
        for candidate in self.ranked:
            if len(chosen) == limit:
                break
            if (
                (since is None or candidate.publish_at > since)
                and not candidate.area_ids.isdisjoint(interest_ids)
                and (not candidate.tiers or tier in candidate.tiers)
            ):
                chosen.append(candidate)
        return chosen

    def visible(self, item_ids: Iterable[int]) -> list[Candidate]:
        """Those of these items that are visible now, best first (a campaign's content)."""
        return sorted((self._by_id[i] for i in item_ids if i in self._by_id), key=lambda c: c.rank)

    def digest_item(self, candidate: Candidate, locale: str, boosted_by: str | None = None) -> DigestItem:
        """The newsletter card of an item in a reader's language, built once per language."""
        key = (candidate.id, locale, boosted_by)
        cached = self._cards.get(key)
        if cached is None:
            item = self._items[candidate.id]
            variant, is_fallback = item.variant_for(locale)
            assert variant is not None  # the workflow never publishes an item without its default text
            image = f"{self._base_url}/media/{item.hero_image.sha256}/email-1200" if item.hero_image else ""
            card = card_for(item, variant, image_url=image)
            if card.cta_url:  # the card links out: keep the newsletter short
                card = dataclasses.replace(card, body_html=Markup(""), body_text="")
            areas = tuple(self._area_names[a].name(locale) for a in sorted(candidate.area_ids, key=self._position))
            cached = DigestItem(
                id=item.id,
                card=card,
                areas=areas,
                fallback_from=locale if is_fallback else None,
                boosted_by=boosted_by,
            )
            self._cards[key] = cached
        return cached

    def _position(self, area_id: int) -> int:
        return self._area_names[area_id].position

    def area_name(self, area_id: int, locale: str) -> str:
        area = self._area_names.get(area_id)
        return area.name(locale) if area else ""
