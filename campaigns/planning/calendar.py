"""The month grid of the campaign calendar: launches and live periods per day."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from campaigns.planning.models import Campaign
from core.timezones import utc_to_local


@dataclass
class CalendarDay:
    date: dt.date
    in_month: bool
    is_today: bool
    launches: list[Campaign] = field(default_factory=list)
    running: list[Campaign] = field(default_factory=list)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The Monday before the 1st and the Sunday after the last day: whole weeks, as the grid shows."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return first - dt.timedelta(days=first.weekday()), last + dt.timedelta(days=6 - last.weekday())


def month_grid(year: int, month: int, campaigns: list[Campaign], today: dt.date) -> list[list[CalendarDay]]:
    """Weeks of days; each campaign is placed by its own time zone, as its marketer planned it."""
    start, end = month_bounds(year, month)
    days = {
        start + dt.timedelta(days=n): CalendarDay(
            date=start + dt.timedelta(days=n),
            in_month=(start + dt.timedelta(days=n)).month == month,
            is_today=start + dt.timedelta(days=n) == today,
        )
        for n in range((end - start).days + 1)
    }
    for campaign in campaigns:
        launch_day = utc_to_local(campaign.launch_at, campaign.timezone).date()
        last_day = utc_to_local(campaign.ends_at - dt.timedelta(seconds=1), campaign.timezone).date()
        if launch_day in days:
            days[launch_day].launches.append(campaign)
        day = max(launch_day + dt.timedelta(days=1), start)
        while day <= min(last_day, end):
            days[day].running.append(campaign)
            day += dt.timedelta(days=1)
    ordered = [days[key] for key in sorted(days)]
    return [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
