"""What the delivery admin shows: the outbox now, the last day hour by hour, grouped errors, suppressions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus
from subscribers.models import Suppression, SuppressionReason

HOURS = 24
# The dashboard's columns; `in flight` adds up leased and sending.
COLUMNS = ("queued", "in flight", "sent", "failed", "dead", "uncertain", "suppressed")
PROBLEMS = (DeliveryStatus.FAILED, DeliveryStatus.DEAD, DeliveryStatus.UNCERTAIN)
SUPPRESSIONS_PER_PAGE = 50


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


def suppression_page(
    session: Session, *, reason: SuppressionReason | None, page: int
) -> tuple[list[Suppression], dict[str, int], bool]:
    """One page of the suppression list (newest first), the count per reason, and whether more follow."""
    query = select(Suppression).order_by(Suppression.updated_at.desc(), Suppression.id.desc())
    if reason is not None:
        query = query.where(Suppression.reason == reason)
    offset = (page - 1) * SUPPRESSIONS_PER_PAGE
    rows = list(session.scalars(query.offset(offset).limit(SUPPRESSIONS_PER_PAGE + 1)))
    counts = dict.fromkeys((r.value for r in SuppressionReason), 0)
    for found, count in session.execute(select(Suppression.reason, func.count()).group_by(Suppression.reason)):
        counts[found.value] = count
    return rows[:SUPPRESSIONS_PER_PAGE], counts, len(rows) > SUPPRESSIONS_PER_PAGE
