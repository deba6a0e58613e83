"""The webhook events about contacts: their names, what they mean, and the payload each carries.

Emitted through `core.webhooks.emit` in the same transaction as the change, from the services that
make it (so every way in counts: the preference centre, one-click unsubscribe, the admin, an import,
the mail provider's reports).
"""

from __future__ import annotations

from typing import Any

from subscribers.models import Contact

CONTACT_CREATED = "contact.created"
CONTACT_UNSUBSCRIBED = "contact.unsubscribed"
CONTACT_PREFERENCES_CHANGED = "contact.preferences_changed"

EVENT_TYPES = {
    CONTACT_CREATED: "A contact was added (import, admin). Payload: contact_id, email, partner_id, source.",
    CONTACT_UNSUBSCRIBED: "A contact unsubscribed from all mail (link, form, admin or the mail provider). "
    "Payload: contact_id, email, partner_id, source, detail.",
    CONTACT_PREFERENCES_CHANGED: "A contact changed interests, frequency, day, hour or language. "
    "Payload: contact_id, email, partner_id, source, changes, interests, frequency, locale.",
}


def contact_payload(contact: Contact, source: str, **extra: Any) -> dict[str, Any]:
    return {
        "contact_id": contact.id,
        "email": contact.email,
        "partner_id": contact.partner_id,
        "source": source,
        **extra,
    }
