import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from subscribers.schedule import (
    Frequency,
    Preferences,
    due_period,
    next_newsletter_at,
    next_period_start,
    period_key,
    period_start,
    slot_in_period,
)

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def amsterdam(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


def weekly_tuesday_nine(
    *,
    frequency: Frequency = Frequency.WEEKLY,
    preferred_weekday: int = 1,
    timezone: str = "Europe/Amsterdam",
    status: str = "active",
    paused_until: dt.date | None = None,
) -> Preferences:
    """A contact's preferences, weekly on Tuesday at 09:00 in Amsterdam unless told otherwise."""
    return Preferences(
        frequency=frequency,
        preferred_weekday=preferred_weekday,
        preferred_hour=9,
        timezone=timezone,
        status=status,
        paused_until=paused_until,
    )


@pytest.mark.parametrize(
    ("frequency", "day", "key"),
    [
        (Frequency.WEEKLY, dt.date(2026, 3, 3), "2026-W10"),
        (Frequency.WEEKLY, dt.date(2027, 1, 1), "2026-W53"),  # ISO year, not calendar year
        (Frequency.WEEKLY, dt.date(2025, 12, 29), "2026-W01"),
        (Frequency.FORTNIGHTLY, dt.date(2026, 3, 3), "2026-F05"),  # week 10 pairs with week 9
        (Frequency.FORTNIGHTLY, dt.date(2026, 2, 23), "2026-F05"),  # week 9
        (Frequency.FORTNIGHTLY, dt.date(2026, 12, 30), "2026-F27"),  # week 53 stands alone
        (Frequency.MONTHLY, dt.date(2026, 3, 31), "2026-03"),
        (Frequency.QUARTERLY, dt.date(2026, 3, 31), "2026-Q1"),
        (Frequency.QUARTERLY, dt.date(2026, 12, 1), "2026-Q4"),
    ],
)
def test_every_day_belongs_to_one_named_period(frequency: Frequency, day: dt.date, key: str) -> None:
    assert period_key(frequency, day) == key


def test_periods_follow_each_other_without_gaps_across_a_year_with_53_weeks() -> None:
    for frequency in Frequency:
        start = period_start(frequency, dt.date(2026, 1, 1))
        seen = []
        while start < dt.date(2028, 1, 10):
            following = next_period_start(frequency, start)
            days = [start + dt.timedelta(days=n) for n in range((following - start).days)]
            assert {period_key(frequency, day) for day in days} == {period_key(frequency, start)}
            seen.append(period_key(frequency, start))
            start = following
        assert len(seen) == len(set(seen)), f"{frequency} repeats a period"
    fortnights = [period_key(Frequency.FORTNIGHTLY, dt.date.fromisocalendar(2026, w, 1)) for w in (51, 52, 53)]
    assert fortnights == ["2026-F26", "2026-F26", "2026-F27"]
    assert next_period_start(Frequency.FORTNIGHTLY, dt.date.fromisocalendar(2026, 53, 1)) == dt.date(2027, 1, 4)


def test_a_nine_oclock_contact_gets_nine_oclock_local_in_winter_and_in_summer() -> None:
    winter = slot_in_period(Frequency.WEEKLY, dt.date(2026, 3, 23), 1, 9, "Europe/Amsterdam")
    summer = slot_in_period(Frequency.WEEKLY, dt.date(2026, 3, 30), 1, 9, "Europe/Amsterdam")
    assert winter == utc(2026, 3, 24, 8)
    assert summer == utc(2026, 3, 31, 7)
    assert winter.astimezone(AMS).hour == summer.astimezone(AMS).hour == 9


def test_an_hour_skipped_by_the_clocks_going_forward_becomes_the_next_hour() -> None:
    # 29 March 2026: Amsterdam jumps from 02:00 to 03:00; a Sunday-02:00 contact gets 03:00.
    slot = slot_in_period(Frequency.WEEKLY, dt.date(2026, 3, 23), 6, 2, "Europe/Amsterdam")
    assert slot == utc(2026, 3, 29, 1)
    assert slot.astimezone(AMS).hour == 3


def test_an_hour_that_happens_twice_when_clocks_go_back_means_the_first_one() -> None:
    # 25 October 2026: 02:00-03:00 happens twice in Amsterdam; the first is still summer time.
    slot = slot_in_period(Frequency.WEEKLY, dt.date(2026, 10, 19), 6, 2, "Europe/Amsterdam")
    assert slot == utc(2026, 10, 25, 0)


def test_monthly_and_quarterly_go_out_on_the_first_preferred_weekday() -> None:
    # March 2026 starts on a Sunday: the first Tuesday is the 3rd.
    assert slot_in_period(Frequency.MONTHLY, dt.date(2026, 3, 1), 1, 9, AMS) == amsterdam(2026, 3, 3, 9)
    # Q2 2026 starts on Wednesday 1 April: the first Monday is the 6th, in summer time.
    assert slot_in_period(Frequency.QUARTERLY, dt.date(2026, 4, 1), 0, 9, AMS) == utc(2026, 4, 6, 7)


def test_fortnightly_goes_out_in_the_first_week_of_the_pair() -> None:
    prefs = weekly_tuesday_nine(frequency=Frequency.FORTNIGHTLY)
    # F05 = weeks 9 and 10; its slot is Tuesday of week 9 (24 February).
    assert next_newsletter_at(prefs, utc(2026, 2, 20)) == amsterdam(2026, 2, 24, 9)
    assert next_newsletter_at(prefs, utc(2026, 2, 25)) == amsterdam(2026, 3, 10, 9)


def test_a_weekly_contact_is_due_once_the_slot_has_passed_and_only_once_per_week() -> None:
    prefs = weekly_tuesday_nine()
    with time_machine.travel(amsterdam(2026, 3, 3, 8, 59), tick=False):
        assert due_period(prefs, dt.datetime.now(UTC), "2026-W09") is None
    with time_machine.travel(amsterdam(2026, 3, 3, 9, 0), tick=False):
        assert due_period(prefs, dt.datetime.now(UTC), "2026-W09") == "2026-W10"
        assert due_period(prefs, dt.datetime.now(UTC), "2026-W10") is None


def test_after_downtime_only_the_current_period_is_due_never_the_missed_ones() -> None:
    prefs = weekly_tuesday_nine()
    # Last sent in week 5; the service was down for a month; Wednesday of week 10.
    assert due_period(prefs, amsterdam(2026, 3, 4, 12), "2026-W05") == "2026-W10"
    # Monday of week 11, before its slot: week 10 is not owed any more, week 11 not yet due.
    assert due_period(prefs, amsterdam(2026, 3, 9, 12), "2026-W05") is None


def test_the_week_a_contact_is_due_is_counted_in_their_zone_across_new_year() -> None:
    prefs = weekly_tuesday_nine(timezone="Pacific/Auckland", preferred_weekday=4)
    # Friday 1 January 2027, 09:00 in Auckland is still Thursday 31 December in UTC.
    assert due_period(prefs, utc(2026, 12, 31, 20, 0), None) == "2026-W53"
    assert next_newsletter_at(prefs, utc(2026, 12, 31, 20, 0)) == dt.datetime(
        2027, 1, 8, 9, tzinfo=ZoneInfo("Pacific/Auckland")
    )


def test_monthly_is_due_across_the_dst_change_at_the_same_local_hour() -> None:
    prefs = weekly_tuesday_nine(frequency=Frequency.MONTHLY)
    assert next_newsletter_at(prefs, utc(2026, 3, 3, 8, 0)) == amsterdam(2026, 4, 7, 9)
    assert due_period(prefs, amsterdam(2026, 4, 7, 9, 0), "2026-03") == "2026-04"
    assert due_period(prefs, amsterdam(2026, 4, 7, 8, 59), "2026-03") is None


def test_quarterly_contact_waits_for_the_next_quarter_and_crosses_the_year() -> None:
    prefs = weekly_tuesday_nine(frequency=Frequency.QUARTERLY)
    assert next_newsletter_at(prefs, utc(2026, 10, 7)) == amsterdam(2027, 1, 5, 9)
    assert due_period(prefs, amsterdam(2026, 10, 6, 9), "2026-Q3") == "2026-Q4"


def test_paused_contact_is_never_due_and_resumes_the_rhythm_when_the_pause_ends() -> None:
    prefs = weekly_tuesday_nine(status="paused", paused_until=dt.date(2026, 3, 12))
    assert due_period(prefs, amsterdam(2026, 3, 3, 10), "2026-W09") is None
    assert due_period(prefs, amsterdam(2026, 3, 10, 10), "2026-W09") is None
    assert next_newsletter_at(prefs, utc(2026, 3, 1)) == amsterdam(2026, 3, 17, 9)
    assert due_period(prefs, amsterdam(2026, 3, 17, 9), "2026-W09") == "2026-W12"


@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_stopped_contacts_are_never_due_and_get_no_next_newsletter(status: str) -> None:
    prefs = weekly_tuesday_nine(status=status)
    assert due_period(prefs, amsterdam(2026, 3, 3, 10), None) is None
    assert next_newsletter_at(prefs, utc(2026, 3, 1)) is None
