"""Provider events: verify SendGrid's signed webhook, record each event once, act on what it says.

Bounces, spam reports and unsubscribes stop mail to the address at once (`apply_address_event`);
any event for a message whose fate was unknown proves SendGrid had it, which settles it as sent.
"""

from __future__ import annotations

import binascii
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from sendgrid.helpers.eventwebhook import EventWebhook
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind
from campaigns.delivery.outbox import insert_for, settle_uncertain
from core.mail.transports.sendgrid import REF_ARG
from subscribers.models import ConsentSource, SuppressionReason
from subscribers.services import find_contact, mark_bounced, mark_complained, unsubscribe
from subscribers.suppression import suppress

log = logging.getLogger("channelcast.delivery.events")

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
WINDOW_SECONDS = 300  # a signed request older (or newer) than this is a replay
PROVIDER_KINDS = {
    kind.value: kind
    for kind in EventKind
    if kind not in (EventKind.SENT, EventKind.KIT_DOWNLOAD, EventKind.PREFERENCE_CHANGE)
}
ADDRESS_EFFECTS = {
    EventKind.BOUNCE: SuppressionReason.BOUNCED,
    EventKind.SPAMREPORT: SuppressionReason.COMPLAINED,
    EventKind.UNSUBSCRIBE: SuppressionReason.UNSUBSCRIBED,
    EventKind.GROUP_UNSUBSCRIBE: SuppressionReason.UNSUBSCRIBED,
}
DETAIL_KEYS = ("type", "reason", "status", "response", "url", "bounce_classification", "sg_message_id", "attempt")


def apply_address_event(session: Session, email: str, kind: EventKind, *, detail: str) -> None:
    """What a hard bounce, spam report or unsubscribe means for an address: no more mail to it.

    The address is suppressed whether or not a contact still has it; a contact who has it is
    stopped too, with the provider's report in their consent log.
    """
    text = f"{kind.value}: {detail}"[:255]
    if kind is EventKind.BOUNCE:
        mark_bounced(session, email, source="sendgrid", detail=text)
    elif kind is EventKind.SPAMREPORT:
        mark_complained(session, email, source="sendgrid", detail=text)
    else:
        contact = find_contact(session, email)
        if contact is None or not unsubscribe(session, contact, source=ConsentSource.PROVIDER, detail=text):
            suppress(session, email, ADDRESS_EFFECTS[kind], source="sendgrid", detail=text)


# ---------------------------------------------------------------------------------------------- signature


@lru_cache(maxsize=4)
def _verifier(public_key: str) -> EventWebhook:
    return EventWebhook(public_key)


def signature_is_valid(
    public_key: str, raw_body: bytes, signature: str | None, timestamp: str | None, *, now: dt.datetime
) -> bool:
    """ECDSA over timestamp + the exact raw body, and a timestamp inside the five-minute window."""
    if not public_key or not signature or not timestamp or not timestamp.isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > WINDOW_SECONDS:
        return False
    try:
        return bool(_verifier(public_key).verify_signature(raw_body.decode("utf-8"), signature, timestamp))
    except (UnicodeDecodeError, binascii.Error, ValueError, TypeError):
        return False


# ---------------------------------------------------------------------------------------------- events


@dataclass
class WebhookOutcome:
    recorded: int = 0
    duplicates: int = 0
    ignored: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _delivery_ref(item: Mapping[str, Any]) -> int | None:
    raw = item.get(REF_ARG)
    return int(raw) if isinstance(raw, str | int) and str(raw).isdigit() else None


def _occurred_at(item: Mapping[str, Any], now: dt.datetime) -> dt.datetime:
    stamp = item.get("timestamp")
    return dt.datetime.fromtimestamp(stamp, dt.UTC) if isinstance(stamp, int) and stamp > 0 else now


def record_sendgrid_events(session: Session, items: list[Any], *, now: dt.datetime) -> WebhookOutcome:
    """Record each new event against its delivery and apply it; replays and strangers change nothing."""
    outcome = WebhookOutcome()
    refs = {ref for item in items if isinstance(item, dict) and (ref := _delivery_ref(item)) is not None}
    deliveries = {d.id: d for d in session.scalars(select(Delivery).where(Delivery.id.in_(refs)))} if refs else {}
    for item in items:
        kind = PROVIDER_KINDS.get(item.get("event", "")) if isinstance(item, dict) else None
        event_id = item.get("sg_event_id") if isinstance(item, dict) else None
        delivery = deliveries.get(_delivery_ref(item) or 0) if kind else None
        if kind is None or not isinstance(event_id, str) or delivery is None:
            log.warning("sendgrid event ignored (unknown kind, event id or delivery id): %s", _summary(item))
            outcome.ignored += 1
        elif _insert_event(session, kind, delivery, event_id[:100], item, now):
            _apply(session, kind, delivery, item, now)
            outcome.recorded += 1
        else:
            outcome.duplicates += 1
    session.flush()
    return outcome


def _summary(item: Any) -> str:
    if not isinstance(item, dict):
        return type(item).__name__
    return ", ".join(f"{key}={item.get(key)!r}" for key in ("event", "sg_event_id", REF_ARG) if key in item)


def _insert_event(
    session: Session, kind: EventKind, delivery: Delivery, event_id: str, item: Mapping[str, Any], now: dt.datetime
) -> bool:
    detail = {key: str(item[key])[:500] for key in DETAIL_KEYS if key in item}
    statement = (
        insert_for(session)(Event)
        .values(
            kind=kind,
            delivery_id=delivery.id,
            contact_id=delivery.contact_id,
            provider_event_id=event_id,
            occurred_at=_occurred_at(item, now),
            detail=detail,
        )
        .on_conflict_do_nothing(index_elements=[Event.provider_event_id])
        .returning(Event.id)
    )
    return session.execute(statement).first() is not None


def _apply(session: Session, kind: EventKind, delivery: Delivery, item: Mapping[str, Any], now: dt.datetime) -> None:
    provider_id = str(item.get("sg_message_id", ""))
    if kind is EventKind.DROPPED:
        delivery.status, delivery.updated_at = DeliveryStatus.FAILED, now
        delivery.last_error = f"SendGrid dropped it: {item.get('reason', 'no reason given')}"[:1000]
        delivery.lease_owner = delivery.lease_expires_at = None
    elif settle_uncertain(session, delivery, provider_message_id=provider_id, now=now):
        log.info("delivery %s settled as sent by a %s event", delivery.id, kind.value)
    hard_bounce = kind is EventKind.BOUNCE and item.get("type", "bounce") == "bounce"
    if kind in ADDRESS_EFFECTS and (kind is not EventKind.BOUNCE or hard_bounce):
        given = item.get("email")
        email = given if isinstance(given, str) and given else delivery.recipient_email
        apply_address_event(session, email, kind, detail=str(item.get("reason", ""))[:200])
