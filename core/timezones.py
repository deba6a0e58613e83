"""Local wall-clock times <-> UTC, with the daylight-saving gaps spelled out instead of guessed."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class LocalTimeError(ValueError):
    """A wall-clock time that does not exist, or a zone we do not know."""


@cache
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if "/" in name and not name.startswith("Etc/")))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LocalTimeError(f"{name!r} is not a known time zone; use a name like Europe/Amsterdam.") from None


def local_to_utc(local: dt.datetime, zone_name: str) -> dt.datetime:
    """A naive wall-clock time in `zone_name` as aware UTC; a time skipped by a DST change is refused."""
    tz = zone(zone_name)
    aware = local.replace(tzinfo=tz)
    if aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != local:
        raise LocalTimeError(
            f"{local:%d %B %Y %H:%M} does not exist in {zone_name}: the clocks jump forward then. Choose another time."
        )
    return aware.astimezone(dt.UTC)


def utc_to_local(moment: dt.datetime, zone_name: str) -> dt.datetime:
    """Aware UTC as a naive wall-clock time in `zone_name` (for forms and display)."""
    return moment.astimezone(zone(zone_name)).replace(tzinfo=None)


def is_zone(name: str) -> bool:
    return name in all_timezones()
