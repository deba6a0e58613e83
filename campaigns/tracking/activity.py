"""What partners do outside the email, as events in the same table: the one engagement stream.

- preference changes (topics, frequency, language, a pause, a resume, a resubscribe) and
  unsubscribes that contacts make themselves (the preference centre, one-click unsubscribe),
  heard from `subscribers.signals.consent_recorded` (changes by staff, imports or the API are not
  the contact's engagement; unsubscribes a provider reports arrive as its own events);
- portal sign-ins and kit downloads by partner users, tied to the contact with the same address
  when there is one, and always to their partner (detail `partner_id`).

Each is written in the transaction of the change itself, once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from core.db import utc_now
from subscribers.models import ConsentRecord, ConsentSource, PartnerUser
from subscribers.services import find_contact

CONSENT_KINDS = {
    "preferences": EventKind.PREFERENCE_CHANGE,
    "paused": EventKind.PREFERENCE_CHANGE,
    "resumed": EventKind.PREFERENCE_CHANGE,
    "resubscribed": EventKind.PREFERENCE_CHANGE,
    "unsubscribed": EventKind.UNSUBSCRIBE,
}


def record_consent_event(record: ConsentRecord, *, session: Session) -> None:
    """The `consent_recorded` listener: the contact's own change becomes an event."""
    kind = CONSENT_KINDS.get(record.action)
    if kind is None or record.source is not ConsentSource.FORM:
        return
    detail = {"source": "contact", "action": record.action, "detail": record.detail[:200]}
    session.add(Event(kind=kind, contact_id=record.contact_id, occurred_at=record.created_at, detail=detail))
    session.flush()


def record_portal_event(session: Session, kind: EventKind, user: PartnerUser, detail: dict[str, Any]) -> Event:
    """A partner user's sign-in or download; the contact with their address, if any, is who did it."""
    contact = find_contact(session, user.email)
    event = Event(
        kind=kind,
        contact_id=contact.id if contact is not None else None,
        occurred_at=utc_now(),
        detail={"partner_id": user.partner_id, "partner_user_id": user.id, **detail},
    )
    session.add(event)
    session.flush()
    return event
