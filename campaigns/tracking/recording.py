"""Writing buffered opens and clicks to the events table: judged, checked, in multi-row inserts.

Each flush reads the messages its hits are about in one query: a hit for a message that no
longer exists (its contact was erased, which deletes their messages) is dropped, as is a click
whose body is not the message's. Then each hit is judged (`machines`), and all are inserted
with ON CONFLICT DO NOTHING on the event id, so a flush that is retried records nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, Integer, Row, any_, bindparam, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event, EventKind
from campaigns.tracking.buffer import Hit
from campaigns.tracking.machines import BURST, BURST_SECONDS, SOON, SOON_SECONDS

SOURCE = "tracking"
# The events columns a hit fills, and their PostgreSQL types for unnest().
PG_ARRAY_TYPES = ("varchar", "int", "int", "varchar", "timestamptz", "json", "bool", "int")
COLUMNS = (
    "kind",
    "delivery_id",
    "contact_id",
    "provider_event_id",
    "occurred_at",
    "detail",
    "automated",
    "content_item_id",
)


def record_hits(session: Session, hits: Sequence[Hit]) -> int:
    """Record the hits whose message still exists; returns how many rows were new. Flushes."""
    messages = _messages(session, {hit.delivery_id for hit in hits})
    kept = [hit for hit in hits if _belongs(hit, messages.get(hit.delivery_id))]
    if not kept:
        return 0
    bursts = _burst_clicks(session, [hit for hit in kept if hit.is_click])
    rows = [_row(hit, messages[hit.delivery_id], bursts) for hit in kept]
    written = _insert(session, rows)
    session.flush()
    return written


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """All rows in one statement per dialect's fastest way, values converted once by the column types.

    PostgreSQL: INSERT ... SELECT FROM unnest() of one array per column, a short statement the
    driver parses once whatever the number of rows (a multi-row VALUES of thousands of
    placeholders costs more to parse than to run, and an executemany is a statement per row).
    SQLite: the driver's executemany, a loop in C.
    """
    connection = session.connection()
    dialect = connection.dialect
    table = Event.__table__
    processors = [table.c[column].type._cached_bind_processor(dialect) for column in COLUMNS]
    values = [
        [process(row[column]) if process else row[column] for row in rows]
        for column, process in zip(COLUMNS, processors, strict=True)
    ]
    names = ", ".join(COLUMNS)
    if dialect.name == "postgresql":
        values[COLUMNS.index("detail")] = [json.dumps(detail) for detail in (row["detail"] for row in rows)]
        arrays = ", ".join(f"%s::{kind}[]" for kind in PG_ARRAY_TYPES)
        sql = (
            # Only our own table and column names: no outside text reaches this statement.
            f"INSERT INTO {Event.__tablename__} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608
            "ON CONFLICT (provider_event_id) DO NOTHING"
        )
        return max(0, connection.exec_driver_sql(sql, tuple(values)).rowcount)
    marks = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT INTO {Event.__tablename__} ({names}) VALUES ({marks}) ON CONFLICT (provider_event_id) DO NOTHING"  # noqa: S608
    return max(0, connection.exec_driver_sql(sql, list(zip(*values, strict=True))).rowcount)


def _among(column: Any, ids: list[int], session: Session) -> Any:
    """`column IN ids`; on PostgreSQL as `= ANY(array)`, one short statement whatever the count."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _messages(session: Session, ids: set[int]) -> dict[int, Row[Any]]:
    found: dict[int, Row[Any]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        statement = select(Delivery.id, Delivery.contact_id, Delivery.body_id, Delivery.sent_at).where(
            _among(Delivery.id, ordered[start : start + 5000], session)
        )
        found.update({row.id: row for row in session.connection().execute(statement)})
    return found


def _belongs(hit: Hit, message: Row[Any] | None) -> bool:
    if message is None or message.contact_id is None:
        return False
    return hit.body_id is None or hit.body_id == message.body_id


def _row(hit: Hit, message: Row[Any], bursts: set[str]) -> dict[str, Any]:
    why = hit.machine
    if not why and message.sent_at is not None and (hit.at - message.sent_at).total_seconds() < SOON_SECONDS:
        why = SOON
    if not why and hit.event_id in bursts:
        why = BURST
    detail: dict[str, Any] = {"source": SOURCE}
    if hit.is_click:
        detail.update(link=hit.position, url=hit.url[:500])
    if why:
        detail["machine"] = why
    return {
        "kind": EventKind.CLICK if hit.is_click else EventKind.OPEN,
        "delivery_id": hit.delivery_id,
        "contact_id": message.contact_id,
        "provider_event_id": hit.event_id,
        "occurred_at": hit.at,
        "detail": detail,
        "automated": bool(why),
        "content_item_id": hit.content_item_id,
    }


def _burst_clicks(session: Session, clicks: list[Hit]) -> set[str]:
    """The event ids of clicks that came with every other link of their message within BURST_SECONDS.

    Looks at this flush's clicks and at those of the same messages already recorded just before.
    """
    if not clicks:
        return set()
    window = dt.timedelta(seconds=BURST_SECONDS)
    by_message: dict[int, list[tuple[dt.datetime, int, str]]] = defaultdict(list)
    for hit in clicks:
        by_message[hit.delivery_id].append((hit.at, hit.position or 0, hit.event_id))
    since = min(hit.at for hit in clicks) - window
    earlier = session.connection().execute(
        select(Event.delivery_id, Event.occurred_at, Event.detail).where(
            Event.kind == EventKind.CLICK,
            _among(Event.delivery_id, list(by_message), session),
            Event.occurred_at >= since,
        )
    )
    for delivery_id, at, detail in earlier:
        if isinstance(detail, dict) and isinstance(detail.get("link"), int):
            by_message[delivery_id].append((at, detail["link"], ""))
    totals = {hit.delivery_id: hit.links_total for hit in clicks}
    found: set[str] = set()
    for delivery_id, seen in by_message.items():
        needed = max(2, totals[delivery_id])
        for at, _position, event_id in seen:
            near = {position for other, position, _id in seen if abs((other - at).total_seconds()) <= window.seconds}
            if event_id and len(near) >= needed:
                found.add(event_id)
    return found
