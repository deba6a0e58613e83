"""What the outbox and the event log hold on a contact: part of their export, and of their erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event
from subscribers.models import Contact


def contact_events(session: Session, contact: Contact) -> list[dict[str, Any]]:
    """The contact's engagement events, oldest first (opens, clicks, bounces, downloads, ...)."""
    events = session.scalars(select(Event).where(Event.contact_id == contact.id).order_by(Event.occurred_at, Event.id))
    return [{"kind": event.kind.value, "at": event.occurred_at.isoformat(), "detail": event.detail} for event in events]


def contact_messages(session: Session, contact: Contact) -> list[dict[str, Any]]:
    """Every message queued or sent to the contact, without the shared bodies."""
    rows = session.scalars(
        select(Delivery)
        .where(or_(Delivery.contact_id == contact.id, Delivery.recipient_email == contact.email))
        .order_by(Delivery.id)
    )
    return [
        {
            "key": d.idempotency_key,
            "category": d.category,
            "status": d.status.value,
            "queued_at": d.created_at.isoformat(),
            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        }
        for d in rows
    ]


def erase_contact_mail(session: Session, contact: Contact) -> None:
    """Erasure: the contact's messages (their address and signed links) and events go."""
    session.execute(delete(Event).where(Event.contact_id == contact.id))
    session.execute(
        delete(Delivery).where(or_(Delivery.contact_id == contact.id, Delivery.recipient_email == contact.email))
    )
