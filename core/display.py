"""How times, dates and numbers read on a page: in the reader's locale and time zone.

The one owner of date and number formatting for pages (filters `localtime`, `localdate`,
`number` and `percent`, the global `monthname`) and for words built in code (flash messages call the same functions).
Words built before anyone reads them (an import's report) are `lazy_text` / `lazy_plural` with
`lazy_number` counts: translated and formatted when shown, in the reader's locale, and escaped as text.
The database holds UTC; a time is converted here, at the edge, to the zone given, else to the
signed-in vendor user's own zone (their account page), else UTC. The locale is Flask-Babel's
(core/__init__.py picks it: a page's fixed language, the user's chosen one, or the browser's).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format, get_day_names
from babel.numbers import format_decimal, format_percent
from flask import Flask, has_request_context
from flask_babel import get_locale, gettext, ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape

from core.timezones import zone

# "minutes" for most times on a page; "seconds" where order matters (the audit trail).
Precision = Literal["minutes", "seconds"]


def reader_locale() -> str:
    found = get_locale() if has_request_context() else None
    return str(found) if found else "en"


def reader_zone() -> str:
    """The signed-in vendor user's time zone, else UTC."""
    if has_request_context() and current_user.is_authenticated and getattr(current_user, "timezone", None):
        return str(current_user.timezone)
    return "UTC"


def localtime(
    moment: dt.datetime | None, zone_name: str | None = None, precision: Precision = "minutes", *, weekday: bool = True
) -> str:
    """`{{ entry.at|localtime }}`: a UTC moment as the reader's wall-clock time, in their language.

    English "Wed, Dec 2, 2026, 11:42 AM", German "Mi., 2. Dez. 2026, 11:42". Pass a zone to show
    another's clock (a campaign's own zone, a contact's); a naive moment is taken as UTC.
    """
    if moment is None:
        return ""
    tz = zone(zone_name or reader_zone())
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    locale = reader_locale()
    day = format_skeleton("yMMMEd" if weekday else "yMMMd", aware, tzinfo=tz, locale=locale)
    clock = format_time(aware, "medium" if precision == "seconds" else "short", tzinfo=tz, locale=locale)
    glue = str(get_datetime_format("medium", locale=locale))  # a CLDR pattern like "{1}, {0}"
    return glue.replace("{1}", day).replace("{0}", clock)


def localdate(moment: dt.date | dt.datetime | None, zone_name: str | None = None) -> str:
    """`{{ campaign.launch_at|localdate(campaign.timezone) }}`: the day alone ("Dec 2, 2026", "2. Dez. 2026")."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        moment = aware.astimezone(zone(zone_name or reader_zone())).date()
    return format_skeleton("yMMMd", moment, locale=reader_locale())


def monthname(day: dt.date, *, year: bool = True) -> str:
    """A month as a heading says it: "December 2026", "grudzień 2026"; without the year, "December"."""
    if year:
        return format_skeleton("yMMMM", day, locale=reader_locale())
    return format_date(day, "LLLL", locale=reader_locale())


def weekday_names() -> list[str]:
    """Monday to Sunday, abbreviated, for a calendar's heading ("Mon", "Mo.", "pon.")."""
    names = get_day_names("abbreviated", locale=reader_locale())
    return [str(names[day]) for day in range(7)]


def number(value: int | float | None, digits: int | None = None) -> str:
    """`{{ total|number }}`: 12,345 in English, 12.345 in German, 12 345 in French and Polish;
    `{{ score|number(1) }}` always shows one decimal (7.0 in English, 7,0 in German)."""
    if value is None:
        return ""
    if digits is None:
        return format_decimal(value, locale=reader_locale())
    return format_decimal(value, "#,##0." + "0" * digits if digits else "#,##0", locale=reader_locale())


class LazyText(LazyString):
    """Words built before anyone reads them, translated when shown, in the reader's language; as
    text, not markup. Flask-Babel's own lazy string tells Jinja it is markup (`__html__`), so a
    value placed in it (a cell of an uploaded file) would reach the page unescaped."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_text(message: str, **values: object) -> LazyText:
    """`lazy_text("%(value)s is not a tier", value=cell)`: translated, and its values placed (and
    escaped on a page), when it is shown; in English outside a request."""
    return LazyText(gettext, message, **values)


def lazy_plural(singular: str, plural: str, num: int, **values: object) -> LazyText:
    """`lazy_plural("%(count)s row", "%(count)s rows", rows, count=lazy_number(rows))`: the form the
    reader's language uses for `num`."""
    return LazyText(ngettext, singular, plural, num, **values)


def lazy_number(value: int | float) -> LazyText:
    """A count for a placeholder of a lazy message: formatted when the message is, in the reader's locale."""
    return LazyText(number, value)


def percent(value: float | None, digits: int | None = 2) -> str:
    """`{{ rate|percent }}`: 0.0123 as 1.23% in English, 1,23% in German; `digits=None` drops
    trailing zeros (a limit of 0.003 reads 0.3%, one of 0.02 reads 2%)."""
    if value is None:
        return ""
    pattern = "#,##0.##%" if digits is None else ("#,##0." + "0" * digits + "%" if digits else "#,##0%")
    return format_percent(value, pattern, locale=reader_locale())


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(localdate, "localdate")
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.jinja_env.globals.update(monthname=monthname, weekday_names=weekday_names, page_locale=reader_locale)
