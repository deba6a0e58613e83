"""Times are stored in UTC and shown or entered in a person's own IANA time zone."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask import Flask
from flask_login import current_user


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (from the system's tzdata), sorted."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def is_zone(name: str) -> bool:
    return name in zone_names()


def local_to_utc(value: dt.datetime, zone: str) -> dt.datetime:
    """A wall-clock time in `zone` (naive, as forms give it) as aware UTC."""
    return value.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def utc_to_local(value: dt.datetime, zone: str) -> dt.datetime:
    """Aware UTC as the naive wall-clock time a form field in `zone` shows."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def format_local(value: dt.datetime | None, zone: str) -> str:
    """`2026-03-02 09:00` in the reader's zone; empty for no time."""
    return "" if value is None else value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def local_time(value: object) -> str:
    """Template filter: a UTC time in the signed-in user's zone (`{{ item.publish_at | local_time }}`)."""
    zone = current_user.timezone if current_user.is_authenticated else "UTC"
    return format_local(value, zone) if isinstance(value, dt.datetime) else ""


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
