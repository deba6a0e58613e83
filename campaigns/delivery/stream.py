"""The events as a stream a CRM pulls: every event once, in one order, with no gaps, however they are written.

The order is (tx_id, id): the transaction that wrote the event, then its id. Ordering by id alone
would lose events on PostgreSQL: ids come from a sequence when a row is inserted, not when its
transaction commits, so transaction A can take id 10, B take id 11 and commit first; a reader who
sees 11 and moves its cursor past it would never see 10. So a page holds only events written by
transactions that are over: those older than the oldest transaction still running
(`pg_snapshot_xmin(pg_current_snapshot())`, PostgreSQL 13+). No transaction below that line can
still commit a row; every event appears once its own transaction and all older ones have ended,
never before and never behind a cursor. The cost: a long-running transaction delays the stream
(nothing is lost; the next pull catches up).

SQLite allows one writing transaction at a time, so ids are committed in order there; `tx_id` is 0
and the id alone orders the stream.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import BigInteger, Text, func, literal, select, tuple_
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind

Position = tuple[int, int]  # (tx_id, id) of the last event read
START: Position = (-1, 0)


@dataclass(frozen=True)
class StreamPage:
    events: list[Event]
    position: Position  # where the next page starts (unchanged when there was nothing new)
    more: bool  # True when another page can be read at once


def oldest_running_transaction() -> object:
    """The xmin of this statement's snapshot: every transaction below it has committed or rolled back."""
    return func.pg_snapshot_xmin(func.pg_current_snapshot()).cast(Text).cast(BigInteger)


def events_after(session: Session, position: Position, *, limit: int, kinds: Collection[EventKind] = ()) -> StreamPage:
    """The next `limit` finished events after `position`, in stream order."""
    statement = select(Event).where(tuple_(Event.tx_id, Event.id) > tuple_(literal(position[0]), literal(position[1])))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.where(Event.tx_id < oldest_running_transaction())
    if kinds:
        statement = statement.where(Event.kind.in_(list(kinds)))
    rows = list(session.scalars(statement.order_by(Event.tx_id, Event.id).limit(limit + 1)))
    more, events = len(rows) > limit, rows[:limit]
    last = (events[-1].tx_id, events[-1].id) if events else position
    return StreamPage(events, last, more)
