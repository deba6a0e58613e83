"""What the delivery admin shows: the outbox now, the last day hour by hour, grouped errors, bounce and
complaint rates per day against mailbox providers' limits, the bounce mailbox, suppressions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind, KeptMailboxMessage
from core.mail.addresses import email_hash
from subscribers.models import Suppression, SuppressionReason

HOURS = 24
# The dashboard's columns; `in flight` adds up leased and sending.
COLUMNS = ("queued", "in flight", "sent", "failed", "dead", "uncertain", "suppressed")
PROBLEMS = (DeliveryStatus.FAILED, DeliveryStatus.DEAD, DeliveryStatus.UNCERTAIN)
SUPPRESSIONS_PER_PAGE = 50
RATE_DAYS = 14
# What mailbox providers hold bulk senders to (Gmail and Yahoo's complaint limit; the bounce rate
# above which providers such as Amazon SES put an account under review).
COMPLAINT_LIMIT = 0.003
BOUNCE_LIMIT = 0.02
KEPT_PER_PAGE = 200


def column_of(status: DeliveryStatus) -> str:
    return "in flight" if status.in_flight else status.value


@dataclass
class ErrorGroup:
    error: str
    count: int
    last_seen: dt.datetime


@dataclass
class Dashboard:
    totals: dict[str, int]
    hours: list[tuple[str, dict[str, int]]]
    errors: list[ErrorGroup] = field(default_factory=list)


@dataclass(frozen=True)
class DayRates:
    """One day's sends and what came back, against the limits (hard bounces make the bounce rate)."""

    day: str  # YYYY-MM-DD (UTC); for the sum of a period, its length in words
    sent: int = 0
    bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0

    @property
    def date(self) -> dt.date:
        """The day of a day's row, for showing it as people write dates."""
        return dt.date.fromisoformat(self.day)

    @property
    def bounce_rate(self) -> float | None:
        return self.bounces / self.sent if self.sent else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complaints / self.sent if self.sent else None

    @property
    def bounces_too_high(self) -> bool:
        return self.bounce_rate is not None and self.bounce_rate >= BOUNCE_LIMIT

    @property
    def complaints_too_high(self) -> bool:
        return self.complaint_rate is not None and self.complaint_rate >= COMPLAINT_LIMIT


def _day_of(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def daily_rates(session: Session, *, now: dt.datetime, days: int = RATE_DAYS) -> tuple[list[DayRates], DayRates]:
    """The last `days` days (UTC), newest first, and their sum: sends against bounces and complaints that day."""
    start = (now - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    counted = ("sent", "bounces", "soft_bounces", "complaints")
    table = {(start + dt.timedelta(days=n)).strftime("%Y-%m-%d"): dict.fromkeys(counted, 0) for n in range(days)}
    sent_day = _day_of(session, Delivery.sent_at)
    for day, count in session.execute(
        select(sent_day, func.count()).where(Delivery.sent_at >= start).group_by(sent_day)
    ).tuples():
        if day in table:
            table[day]["sent"] = count
    column = {EventKind.BOUNCE: "bounces", EventKind.SOFT_BOUNCE: "soft_bounces", EventKind.SPAMREPORT: "complaints"}
    event_day = _day_of(session, Event.occurred_at)
    rows = session.execute(
        select(event_day, Event.kind, func.count())
        .where(Event.kind.in_(list(column)), Event.occurred_at >= start)
        .group_by(event_day, Event.kind)
    ).tuples()
    for day, kind, count in rows:
        if day in table:
            table[day][column[kind]] += count
    rates = [DayRates(day, **counts) for day, counts in sorted(table.items(), reverse=True)]
    total = DayRates(
        ngettext("%(num)d day", "%(num)d days", days),
        *(sum(getattr(r, name) for r in rates) for name in ("sent", "bounces", "soft_bounces", "complaints")),
    )
    return rates, total


def kept_mailbox_messages(session: Session, *, limit: int = KEPT_PER_PAGE) -> list[KeptMailboxMessage]:
    return list(
        session.scalars(
            select(KeptMailboxMessage)
            .order_by(KeptMailboxMessage.first_seen_at.desc(), KeptMailboxMessage.id.desc())
            .limit(limit)
        )
    )


def _hour_of(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:00")
    return func.strftime("%Y-%m-%d %H:00", column)


def delivery_dashboard(session: Session, *, now: dt.datetime) -> Dashboard:
    totals = dict.fromkeys(COLUMNS, 0)
    for status, count in session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)):
        totals[column_of(status)] += count
    return Dashboard(totals=totals, hours=_hourly(session, now), errors=_errors(session))


def _hourly(session: Session, now: dt.datetime) -> list[tuple[str, dict[str, int]]]:
    """Messages by the hour of their latest change, newest hour first."""
    start = (now - dt.timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    hour = _hour_of(session, Delivery.updated_at)
    rows = session.execute(
        select(hour, Delivery.status, func.count()).where(Delivery.updated_at >= start).group_by(hour, Delivery.status)
    )
    table: dict[str, dict[str, int]] = {}
    for label, status, count in rows:
        cells = table.setdefault(label, dict.fromkeys(COLUMNS, 0))
        cells[column_of(status)] += count
    return sorted(table.items(), reverse=True)


def _errors(session: Session, limit: int = 20) -> list[ErrorGroup]:
    """Provider errors grouped by their text, most frequent first (retries waiting count too)."""
    rows = session.execute(
        select(Delivery.last_error, func.count(), func.max(Delivery.updated_at))
        .where(Delivery.last_error.is_not(None), Delivery.status.in_([*PROBLEMS, DeliveryStatus.QUEUED]))
        .group_by(Delivery.last_error)
        .order_by(func.count().desc())
        .limit(limit)
    )
    return [ErrorGroup(error or "", count, last_seen) for error, count, last_seen in rows]


def problem_page(session: Session, status: DeliveryStatus, *, limit: int = 200) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery).where(Delivery.status == status).order_by(Delivery.updated_at.desc()).limit(limit)
        )
    )


@dataclass(frozen=True)
class SuppressionSearch:
    """The suppression page's filters; dates are UTC bounds [since, until)."""

    address: str = ""
    reason: SuppressionReason | None = None
    source: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _address_condition(address: str) -> ColumnElement[bool]:
    """Part of a stored address; a whole address also finds an erased entry by its hash."""
    text = address.strip().lower()
    condition: ColumnElement[bool] = Suppression.email.ilike(_like(text), escape="\\")
    if "@" in text:
        condition = or_(condition, Suppression.email_hash == email_hash(text))
    return condition


def suppression_page(
    session: Session, *, reason: SuppressionReason | None = None, page: int = 1,
    search: SuppressionSearch | None = None,
) -> tuple[list[Suppression], dict[str, int], bool]:  # fmt: skip
    """One page of the suppression list (newest first), the count per reason, and whether more follow."""
    search = search or SuppressionSearch(reason=reason)
    query = select(Suppression).order_by(Suppression.updated_at.desc(), Suppression.id.desc())
    if search.reason is not None:
        query = query.where(Suppression.reason == search.reason)
    if search.address.strip():
        query = query.where(_address_condition(search.address))
    if search.source:
        query = query.where(Suppression.source == search.source)
    if search.since is not None:
        query = query.where(Suppression.updated_at >= search.since)
    if search.until is not None:
        query = query.where(Suppression.updated_at < search.until)
    offset = (page - 1) * SUPPRESSIONS_PER_PAGE
    rows = list(session.scalars(query.offset(offset).limit(SUPPRESSIONS_PER_PAGE + 1)))
    counts = dict.fromkeys((r.value for r in SuppressionReason), 0)
    for found, count in session.execute(select(Suppression.reason, func.count()).group_by(Suppression.reason)):
        counts[found.value] = count
    return rows[:SUPPRESSIONS_PER_PAGE], counts, len(rows) > SUPPRESSIONS_PER_PAGE


def suppression_sources(session: Session) -> list[str]:
    return list(session.scalars(select(Suppression.source).distinct().order_by(Suppression.source)))
