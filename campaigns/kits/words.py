"""The kit's own words (README, email and flyer labels), in the kit's language.

The English sentences are the msgids, written where they are used, with `%(name)s` placeholders
as everywhere else; they are extracted with every partner-facing string (`subscribers/babel.cfg`)
into the one catalogue. Kits are built in worker processes with no Flask app or request, so the
words come from `subscribers.catalogues.translations`, loaded once per locale per process.

A kit's inputs hash covers `words_digest(locale)`: changing a kit message, or its translation,
rebuilds the kits in that language and no others.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache, lru_cache

from subscribers.catalogues import message_template, translations

# Where the kit says things itself: its messages are those the `.pot` lists under these paths.
KIT_SOURCES = ("campaigns/kits/", "templates/kit/")


class KitWords:
    """`_("Prepared for %(partner)s.", partner=name)` in one language, as Flask-Babel's gettext reads."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._translations = translations(locale)

    def __call__(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text % values if values else text


@cache
def kit_words(locale: str) -> KitWords:
    return KitWords(locale)


@lru_cache(maxsize=1)
def kit_messages() -> tuple[str, ...]:
    """Every message the kit says, as the committed `.pot` lists it (a test keeps the `.pot` current)."""
    return tuple(
        sorted(
            str(message.id)
            for message in message_template()
            if message.id and any(path.startswith(KIT_SOURCES) for path, _ in message.locations)
        )
    )


@cache
def words_digest(locale: str) -> str:
    """A fingerprint of what the kit says in `locale`: each of its messages and its translation."""
    words = kit_words(locale)
    pairs = [[message, words(message)] for message in kit_messages()]
    return hashlib.sha256(json.dumps(pairs, ensure_ascii=False).encode()).hexdigest()


def tier_line(_: KitWords, tier: str, vendor: str) -> str:
    """ "Gold Partner of Northwind Systems" in the kit's language: a whole sentence per known tier, so
    each language can agree its words; a tier configured beyond those gets the general sentence."""
    known = {
        "registered": _("Registered Partner of %(vendor)s", vendor=vendor),
        "silver": _("Silver Partner of %(vendor)s", vendor=vendor),
        "gold": _("Gold Partner of %(vendor)s", vendor=vendor),
        "platinum": _("Platinum Partner of %(vendor)s", vendor=vendor),
    }
    return known.get(tier) or _("%(tier)s Partner of %(vendor)s", tier=tier.capitalize(), vendor=vendor)
