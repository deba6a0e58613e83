"""When a contact's newsletter is due: pure date arithmetic, no database, no clock.

A contact chooses a frequency, a weekday (0 = Monday) and an hour in their own IANA time zone.
Time is cut into periods (ISO weeks, pairs of ISO weeks, months, quarters), each with a key
such as `2026-W10`, `2026-F05`, `2026-03` or `2026-Q1`; the newsletter of a period goes out at
its *slot*: the preferred weekday and hour in the first week of the period (for months and
quarters: the first such weekday in them). A period is sent at most once; after downtime only
the current period counts, never a pile of missed ones.

Local times that do not exist (the hour skipped when clocks go forward) move forward by the
gap; local times that happen twice (when clocks go back) mean the first of the two.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo


class Frequency(enum.StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


# Statuses that stop newsletters for good (until the contact resubscribes).
STOPPED_STATUSES = frozenset({"unsubscribed", "bounced", "complained"})


class Rhythm(Protocol):
    """What the schedule reads from a contact (a Contact satisfies it, so does `Preferences`)."""

    @property
    def frequency(self) -> Frequency: ...
    @property
    def preferred_weekday(self) -> int: ...
    @property
    def preferred_hour(self) -> int: ...
    @property
    def timezone(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def paused_until(self) -> dt.date | None: ...


@dataclass(frozen=True)
class Preferences:
    frequency: Frequency
    preferred_weekday: int
    preferred_hour: int
    timezone: str
    status: str = "active"
    paused_until: dt.date | None = None


def period_key(frequency: Frequency, local_date: dt.date) -> str:
    """The key of the period holding `local_date` (a date in the contact's own zone)."""
    iso_year, iso_week, _ = local_date.isocalendar()
    if frequency is Frequency.WEEKLY:
        return f"{iso_year}-W{iso_week:02d}"
    if frequency is Frequency.FORTNIGHTLY:
        return f"{iso_year}-F{(iso_week + 1) // 2:02d}"
    if frequency is Frequency.MONTHLY:
        return f"{local_date.year}-{local_date.month:02d}"
    return f"{local_date.year}-Q{(local_date.month - 1) // 3 + 1}"


def period_start(frequency: Frequency, local_date: dt.date) -> dt.date:
    """The first day of the period holding `local_date`."""
    iso_year, iso_week, _ = local_date.isocalendar()
    if frequency is Frequency.WEEKLY:
        return dt.date.fromisocalendar(iso_year, iso_week, 1)
    if frequency is Frequency.FORTNIGHTLY:
        first_week = iso_week if iso_week % 2 else iso_week - 1
        return dt.date.fromisocalendar(iso_year, first_week, 1)
    if frequency is Frequency.MONTHLY:
        return local_date.replace(day=1)
    return dt.date(local_date.year, 3 * ((local_date.month - 1) // 3) + 1, 1)


def next_period_start(frequency: Frequency, start: dt.date) -> dt.date:
    """The first day of the period after the one starting on `start`."""
    if frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY):
        # Walk week by week: an ISO week 53 is a fortnight of its own.
        candidate = start + dt.timedelta(days=7)
        while period_key(frequency, candidate) == period_key(frequency, start):
            candidate += dt.timedelta(days=7)
        return candidate
    months = 1 if frequency is Frequency.MONTHLY else 3
    month_index = start.year * 12 + start.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


def local_moment(day: dt.date, hour: int, zone: ZoneInfo) -> dt.datetime:
    """`hour`:00 on `day` in `zone`, as aware UTC.

    With fold=0, Python reads a wall time that happens twice as the first of the two, and one
    that does not exist (clocks went forward) with the offset from before the change, which
    lands the moment exactly one gap later on the new clock: 02:00 becomes 03:00.
    """
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(dt.UTC)


def slot_in_period(
    frequency: Frequency, period_start_date: dt.date, weekday: int, hour: int, tz: str | ZoneInfo
) -> dt.datetime:
    """The newsletter moment of the period starting on `period_start_date`, as aware UTC."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    if frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY):
        day = period_start_date + dt.timedelta(days=weekday)
    else:
        day = period_start_date + dt.timedelta(days=(weekday - period_start_date.weekday()) % 7)
    return local_moment(day, hour, zone)


def _blocked(prefs: Rhythm, slot: dt.datetime, zone: ZoneInfo) -> bool:
    """No newsletter at this slot: stopped for good, or inside a pause (which ends on paused_until)."""
    if str(prefs.status) in STOPPED_STATUSES:
        return True
    return prefs.paused_until is not None and slot.astimezone(zone).date() < prefs.paused_until


def next_newsletter_at(prefs: Rhythm, after_utc: dt.datetime) -> dt.datetime | None:
    """The first slot strictly after `after_utc` that the contact will get; None if they get none."""
    if str(prefs.status) in STOPPED_STATUSES:
        return None
    zone = ZoneInfo(prefs.timezone)
    start = period_start(prefs.frequency, after_utc.astimezone(zone).date())
    # A pause ends on a date, so a few hundred periods always reach past it.
    for _ in range(400):
        slot = slot_in_period(prefs.frequency, start, prefs.preferred_weekday, prefs.preferred_hour, zone)
        if slot > after_utc and not _blocked(prefs, slot, zone):
            return slot
        start = next_period_start(prefs.frequency, start)
    return None


def due_period(prefs: Rhythm, now_utc: dt.datetime, last_period_sent: str | None) -> str | None:
    """The key of the current period if its slot has passed and it was not sent yet, else None."""
    zone = ZoneInfo(prefs.timezone)
    today = now_utc.astimezone(zone).date()
    key = period_key(prefs.frequency, today)
    if key == last_period_sent:
        return None
    start = period_start(prefs.frequency, today)
    slot = slot_in_period(prefs.frequency, start, prefs.preferred_weekday, prefs.preferred_hour, zone)
    if slot > now_utc or _blocked(prefs, slot, zone):
        return None
    return key
