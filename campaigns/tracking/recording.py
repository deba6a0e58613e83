"""Writing buffered opens and clicks to the events table: judged, checked, in multi-row inserts.

Each flush reads the messages its hits are about in one query: a hit for a message that no
longer exists (its contact was erased, which deletes their messages) is dropped, as is a click
whose body is not the message's. Then each hit is judged (`machines`), and all are inserted
with ON CONFLICT DO NOTHING on the event id, so a flush that is retried records nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event, EventKind
from campaigns.delivery.outbox import insert_for
from campaigns.tracking.buffer import Hit
from campaigns.tracking.machines import BURST, BURST_SECONDS, SOON, SOON_SECONDS

CHUNK = 500  # rows per INSERT statement (9 values each: well under SQLite's variable limit)
SOURCE = "tracking"


def record_hits(session: Session, hits: Sequence[Hit]) -> int:
    """Record the hits whose message still exists; returns how many rows were new. Flushes."""
    messages = _messages(session, {hit.delivery_id for hit in hits})
    kept = [hit for hit in hits if _belongs(hit, messages.get(hit.delivery_id))]
    if not kept:
        return 0
    bursts = _burst_clicks(session, [hit for hit in kept if hit.is_click])
    rows = [_row(hit, messages[hit.delivery_id], bursts) for hit in kept]
    written = 0
    insert = insert_for(session)
    for start in range(0, len(rows), CHUNK):
        statement = (
            insert(Event)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=[Event.provider_event_id])
        )
        written += session.execute(statement).rowcount  # type: ignore[attr-defined]
    session.flush()
    return written


def _messages(session: Session, ids: set[int]) -> dict[int, Row[Any]]:
    found: dict[int, Row[Any]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        statement = select(Delivery.id, Delivery.contact_id, Delivery.body_id, Delivery.sent_at).where(
            Delivery.id.in_(ordered[start : start + 5000])
        )
        found.update({row.id: row for row in session.execute(statement)})
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
    earlier = session.execute(
        select(Event.delivery_id, Event.occurred_at, Event.detail).where(
            Event.kind == EventKind.CLICK,
            Event.delivery_id.in_(list(by_message)),
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
