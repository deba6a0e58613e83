"""Test sends ("proofs"): a rendered message sent to the signed-in vendor user, through the outbox.

A proof is an outbox row like any other (stored body with the postal address, suppression check,
retries), with the category `test-send`, a fresh idempotency key per request, and a subject
marked as a test. Its links (the unsubscribe header, the body's preference and unsubscribe links)
are the caller's harmless ones: a click in a test must not unsubscribe the contact it shows.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery
from campaigns.delivery.outbox import NewDelivery, enqueue, store_body

PROOF_CATEGORY = "test-send"


def proof_subject(subject: str) -> str:
    return str(_("[Test] %(subject)s", subject=subject))


def queue_proof(
    session: Session, *, to_email: str, to_name: str, subject: str, html: str, text: str, links_to: str, kind: str
) -> int:
    """Queue one test message (already filled, no placeholders left) and return its outbox id."""
    body = store_body(session, proof_subject(subject), html, text)
    key = f"{PROOF_CATEGORY}:{kind}:{secrets.token_hex(12)}"
    message = NewDelivery(
        idempotency_key=key, body=body, recipient_email=to_email, recipient_name=to_name,
        fields={"unsubscribe_url": links_to, "preferences_url": links_to}, category=PROOF_CATEGORY,
    )  # fmt: skip
    enqueue(session, [message])
    delivery_id: int = session.scalars(select(Delivery.id).where(Delivery.idempotency_key == key)).one()
    return delivery_id
