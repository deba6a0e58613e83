"""The content a newsletter run uses: `content.selection.Library`, with the cards of each language cached.

Selection itself (what a reader may see, and in what order) is `content.selection`'s alone; this
module only turns the chosen items into newsletter cards, once per item, language and boost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.digests.render import DigestItem
from content.cards import card_for
from content.models import InterestArea
from content.selection import Candidate, Library


class RunLibrary(Library):
    """Every item visible at `now`, ranked, with its newsletter cards cached per reading order."""

    def __init__(self, session: Session, now: dt.datetime, base_url: str) -> None:
        super().__init__(session, now)
        self._areas = {area.id: area for area in session.scalars(select(InterestArea))}
        self._base_url = base_url
        self._cards: dict[tuple[int, tuple[str, ...], str | None], DigestItem] = {}
        self._candidates = {candidate.id: candidate for candidate in self.ranked}

    def digest_item(self, candidate: Candidate, order: Sequence[str], boosted_by: str | None = None) -> DigestItem:
        """The newsletter card of an item in the first language of the reader's `order` it has."""
        key = (candidate.id, tuple(order), boosted_by)
        cached = self._cards.get(key)
        if cached is None:
            item = self.items[candidate.id]
            variant, is_fallback = item.variant_for(order)
            assert variant is not None  # the workflow never publishes an item without its default text
            image = f"{self._base_url}/media/{item.hero_image.sha256}/email-1200" if item.hero_image else ""
            card = card_for(item, variant, image_url=image)
            if card.cta_url:  # the card links out: keep the newsletter short
                card = dataclasses.replace(card, body_html=Markup(""), body_text="")
            areas = sorted(candidate.area_ids, key=lambda area_id: self._areas[area_id].position)
            cached = DigestItem(
                id=item.id,
                card=card,
                areas=tuple(self._areas[area_id].name(order[0]) for area_id in areas),
                language=variant.locale,
                is_fallback=is_fallback,
                boosted_by=boosted_by,
            )
            self._cards[key] = cached
        return cached

    def area_ids_of(self, item_id: int) -> frozenset[int]:
        """The item's active interest areas (as the rule saw them)."""
        candidate = self._candidates.get(item_id)
        return candidate.area_ids if candidate is not None else frozenset()

    def area_name(self, area_id: int, locale: str) -> str:
        area = self._areas.get(area_id)
        return area.name(locale) if area else ""
