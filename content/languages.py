"""Which language a reader gets a text in: the one fallback chain.

A reader reads their own language first, then the languages of `FALLBACK_LOCALES` in order
(default: English), then whatever the text's own default language is. Newsletters, previews,
kits and the portal all ask `reading_order` and `first_available`, so a Dutch reader never gets
French where English exists, wherever they look.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from flask import current_app, has_app_context

from core.config import LOCALE_NAMES


def configured_fallbacks() -> tuple[str, ...]:
    """`FALLBACK_LOCALES` of the running app (English outside one, as the setting's default)."""
    if not has_app_context():
        return ("en",)
    fallbacks: tuple[str, ...] = current_app.config["CHANNELCAST"].fallback_locales
    return fallbacks


def reading_order(locale: str, fallbacks: Sequence[str], default: str | None = None) -> tuple[str, ...]:
    """The reader's language, then the fallbacks, then the text's default; each language once."""
    order = [locale, *fallbacks]
    if default:
        order.append(default)
    return tuple(dict.fromkeys(order))


def first_available(order: Sequence[str], available: Collection[str]) -> str | None:
    """The first language of `order` that a text is written in, if any."""
    return next((locale for locale in order if locale in available), None)


def language_name(locale: str) -> str:
    """A language as people name it in that language ("Nederlands"), never its code."""
    return LOCALE_NAMES.get(locale, locale)
