"""Countries as people read them: ISO 3166-1 alpha-2 codes stored, names shown (in the reader's language)."""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from flask import has_request_context
from flask_babel import get_locale

# Two-letter codes Babel names that are no country: the EU, the euro zone, the UN, pseudo-locales, "unknown".
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code Babel knows (its territories also hold regions like "150")."""
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


@cache
def _names(locale: str) -> dict[str, str]:
    try:
        territories = Locale.parse(locale).territories
    except (UnknownLocaleError, ValueError):
        territories = Locale("en").territories
    return {code: territories.get(code, code) for code in country_codes()}


def _reader_locale() -> str:
    found = get_locale() if has_request_context() else None
    return str(found) if found is not None else "en"


def country_name(code: str, locale: str | None = None) -> str:
    """ "Germany" (or "Duitsland" for a Dutch reader) for "DE"; an unknown code as it is."""
    return _names(locale or _reader_locale()).get(code.upper(), code)


def country_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """Every country as (code, name), sorted by name in the reader's language."""
    names = _names(locale or _reader_locale())
    return sorted(names.items(), key=lambda pair: pair[1].casefold())
