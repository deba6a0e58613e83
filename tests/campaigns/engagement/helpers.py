"""Engagement test data: newsletters in the outbox and the events tracking would write for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind
from campaigns.delivery.outbox import NewDelivery, enqueue, store_body
from campaigns.engagement.newsletters import record_newsletter_items
from subscribers.models import Contact

POSTAL = "Channelcast Test BV, Keizersgracht 1, 1015 CJ Amsterdam, NL"
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def newsletter(
    session: Session, contact: Contact, period: str, items: Sequence[int] = (), *, subject: str = "News"
) -> Delivery:
    """A newsletter for `period` carrying `items`, sent (with its `sent` event) at MONDAY."""
    body = store_body(
        session, f"{subject} {period}", f"<p>{POSTAL} {items}</p>", f"{POSTAL} {items}", postal_address=POSTAL
    )
    record_newsletter_items(session, [(body.id, list(items))])
    key = f"digest:{contact.id}:{period}"
    fields = {"unsubscribe_url": "u", "preferences_url": "p"}
    enqueue(session, [NewDelivery(idempotency_key=key, body=body, recipient_email=contact.email, fields=fields,
                                  contact_id=contact.id, category="digest")])  # fmt: skip
    delivery = session.scalars(select(Delivery).where(Delivery.idempotency_key == key)).one()
    delivery.status, delivery.sent_at = DeliveryStatus.SENT, MONDAY
    event(session, EventKind.SENT, delivery, at=MONDAY)
    return delivery


def event(
    session: Session, kind: EventKind, delivery: Delivery | None = None, *, at: dt.datetime = MONDAY,
    contact_id: int | None = None, automated: bool = False, item: int | None = None, **detail: Any,
) -> Event:  # fmt: skip
    row = Event(
        kind=kind, delivery_id=delivery.id if delivery else None,
        contact_id=contact_id if contact_id is not None else (delivery.contact_id if delivery else None),
        occurred_at=at, automated=automated, content_item_id=item, detail=detail,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row
