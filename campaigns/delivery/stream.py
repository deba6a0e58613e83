"""The events as a stream a CRM pulls: every event once, in one order, with no gaps, however they are written.

The order is (tx_id, id): the transaction that wrote the event, then its id. Ordering by id alone
would lose events on PostgreSQL: ids come from a sequence when a row is inserted, not when its
transaction commits, so transaction A can take id 10, B take id 11 and commit first; a reader who
sees 11 and moves its cursor past it would never see 10. So a page holds only events written by
transactions that are over: below the oldest transaction still running in this database, as this
statement's snapshot sees them (`pg_snapshot_xip(pg_current_snapshot())`, PostgreSQL 13+). No
transaction below that line can still commit a row, so every event appears once its own
transaction and all older ones in this database have ended: never before, never behind a cursor.

Transactions of other databases on the same server are left out of that line (they cannot write
our events): a transaction is left out only when pg_stat_activity shows it running in another
database; one it cannot place counts. The cost: a long transaction in this database (a big import)
delays the stream until it ends; nothing is lost, the next pull catches up.

SQLite allows one writing transaction at a time, so ids are committed in order there; `tx_id` is 0
and the id alone orders the stream.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import BigInteger, ScalarSelect, column, literal, select, text, tuple_
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind

Position = tuple[int, int]  # (tx_id, id) of the last event read
START: Position = (-1, 0)


@dataclass(frozen=True)
class StreamPage:
    events: list[Event]
    position: Position  # where the next page starts (unchanged when there was nothing new)
    more: bool  # True when another page can be read at once


_HORIZON = text(
    """
    SELECT coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot())::text::bigint) AS horizon
    FROM (SELECT xip::text::bigint AS xid FROM pg_snapshot_xip(pg_current_snapshot()) AS xip) AS running
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_stat_activity AS other
        WHERE other.datname <> current_database()
          AND other.backend_xid::text::bigint = running.xid % 4294967296
    )
    """
)


def finished_before() -> ScalarSelect[int]:
    """The oldest transaction of this database still running in this statement's snapshot (else the next
    to come): every transaction below it has committed or rolled back."""
    return (
        select(column("horizon", BigInteger))
        .select_from(_HORIZON.columns(column("horizon", BigInteger)).subquery())
        .scalar_subquery()
    )


def events_after(session: Session, position: Position, *, limit: int, kinds: Collection[EventKind] = ()) -> StreamPage:
    """The next `limit` finished events after `position`, in stream order."""
    statement = select(Event).where(tuple_(Event.tx_id, Event.id) > tuple_(literal(position[0]), literal(position[1])))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.where(Event.tx_id < finished_before())
    if kinds:
        statement = statement.where(Event.kind.in_(list(kinds)))
    rows = list(session.scalars(statement.order_by(Event.tx_id, Event.id).limit(limit + 1)))
    more, events = len(rows) > limit, rows[:limit]
    last = (events[-1].tx_id, events[-1].id) if events else position
    return StreamPage(events, last, more)
