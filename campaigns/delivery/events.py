"""Provider events, from every source, through one mapping: record each event once, act on what it says.

SendGrid's webhook, Amazon SES (through SNS), Postmark and the bounce mailbox each turn what
they receive into `ProviderEvent`s; `record_provider_events` finds our message, records the
event once (by its id) and applies the one set of rules:

- a hard bounce stops all mail to the address at once;
- a soft bounce is counted; the SOFT_BOUNCE_LIMIT-th within 30 days stops the address too;
- a spam complaint unsubscribes and suppresses (only a fresh opt-in lifts it);
- an unsubscribe reported by the provider unsubscribes;
- any event for a message whose fate was unknown proves the provider had it: it was sent.
"""

from __future__ import annotations

import binascii
import datetime as dt
import enum
import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from sendgrid.helpers.eventwebhook import EventWebhook
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import BodyLink, Delivery, DeliveryStatus, Event, EventKind
from campaigns.delivery.outbox import insert_for, settle_uncertain
from campaigns.webhooks import EMAIL_BOUNCED, EMAIL_COMPLAINED
from core.mail.addresses import normalise_email
from core.mail.transports.sendgrid import REF_ARG
from core.webhooks import emit
from subscribers.models import ConsentSource, Contact, SuppressionReason
from subscribers.services import find_contact, mark_bounced, mark_complained, record_soft_bounce, unsubscribe
from subscribers.suppression import suppress

log = logging.getLogger("channelcast.delivery.events")

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
WINDOW_SECONDS = 300  # a signed request older (or newer) than this is a replay
SENDGRID_KINDS = {
    kind.value: kind
    for kind in EventKind
    if kind
    not in (
        EventKind.SENT,
        EventKind.SOFT_BOUNCE,
        EventKind.KIT_DOWNLOAD,
        EventKind.PREFERENCE_CHANGE,
        EventKind.PORTAL_SIGN_IN,
    )
}
UNSUBSCRIBES = (EventKind.UNSUBSCRIBE, EventKind.GROUP_UNSUBSCRIBE)
DETAIL_KEYS = ("type", "reason", "status", "response", "url", "bounce_classification", "sg_message_id", "attempt")
# Providers that do not carry our id name the address; the latest message sent to it this long ago counts.
ADDRESS_MATCH_DAYS = 30
# Our Message-IDs: <delivery id>.<12 hex of the idempotency key's sha256>@<sender domain> (worker.message_id).
OUR_MESSAGE_ID = re.compile(r"<?(\d{1,18})\.([0-9a-f]{12})@[^>\s]+>?")


@dataclass(frozen=True)
class ProviderEvent:
    """One thing a provider (or a bounce in the mailbox) tells us about one of our messages."""

    provider: str  # sendgrid, ses, postmark, mailbox: the source in consent logs and suppressions
    event_id: str  # unique per event across providers: a replay is recorded once
    kind: EventKind
    delivery_ref: int | None = None  # our delivery id, when the provider carries it
    message_id: str = ""  # our Message-ID header, when the provider quotes it
    email: str = ""  # the address the event is about
    occurred_at: dt.datetime | None = None
    reason: str = ""  # the provider's words, for the consent log and the suppression list
    provider_message_id: str = ""
    detail: Mapping[str, str] = field(default_factory=dict)
    automated: bool = False  # the provider says a machine did it (SendGrid's sg_machine_open)


class Recorded(enum.StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"  # not one of our messages, or an address the message did not go to


@dataclass
class WebhookOutcome:
    recorded: int = 0
    duplicates: int = 0
    ignored: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, results: Sequence[Recorded]) -> WebhookOutcome:
        self.recorded += results.count(Recorded.RECORDED)
        self.duplicates += results.count(Recorded.DUPLICATE)
        self.ignored += results.count(Recorded.IGNORED)
        return self


# ---------------------------------------------------------------------------------------------- finding our message


def ref_from_message_id(message_id: str) -> tuple[int, str] | None:
    """The delivery id and key digest in one of our Message-IDs, or None when it is not one of ours."""
    match = OUR_MESSAGE_ID.fullmatch(message_id.strip())
    return (int(match.group(1)), match.group(2)) if match else None


def key_digest(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]


def find_deliveries(
    session: Session, events: Sequence[ProviderEvent], *, now: dt.datetime, by_address: bool
) -> list[Delivery | None]:
    """Each event's message: by our id, else by our Message-ID (checked against the message's key),
    else (`by_address`, for providers that authenticate themselves) the latest message sent to the
    address in the last 30 days. An event naming an address its message did not go to finds nothing."""
    ids = {e.delivery_ref for e in events if e.delivery_ref is not None}
    ids |= {parsed[0] for e in events if e.message_id and (parsed := ref_from_message_id(e.message_id))}
    loaded = {d.id: d for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids)))} if ids else {}
    found = []
    for event in events:
        delivery = _by_reference(event, loaded)
        if delivery is None and by_address and event.email and event.delivery_ref is None:
            delivery = latest_delivery_to(session, event.email, now=now)
        if delivery and event.email and normalise_email(event.email) != normalise_email(delivery.recipient_email):
            delivery = None
        found.append(delivery)
    return found


def _by_reference(event: ProviderEvent, loaded: Mapping[int, Delivery]) -> Delivery | None:
    if event.delivery_ref is not None:
        return loaded.get(event.delivery_ref)
    parsed = ref_from_message_id(event.message_id) if event.message_id else None
    if parsed is None:
        return None
    delivery = loaded.get(parsed[0])
    return delivery if delivery is not None and key_digest(delivery.idempotency_key) == parsed[1] else None


def latest_delivery_to(session: Session, email: str, *, now: dt.datetime) -> Delivery | None:
    since = now - dt.timedelta(days=ADDRESS_MATCH_DAYS)
    return session.scalars(
        select(Delivery)
        .where(
            Delivery.recipient_email == normalise_email(email),
            Delivery.sent_at >= since,
            Delivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN]),
        )
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
        .limit(1)
    ).first()


# ---------------------------------------------------------------------------------------------- recording


def record_provider_events(
    session: Session,
    events: Sequence[ProviderEvent],
    *,
    now: dt.datetime,
    soft_bounce_limit: int,
    by_address: bool = False,
    deliveries: Sequence[Delivery | None] | None = None,
) -> list[Recorded]:
    """Record each new event against its message and apply it; replays and strangers change nothing."""
    if deliveries is None:
        deliveries = find_deliveries(session, events, now=now, by_address=by_address)
    results = []
    for event, delivery in zip(events, deliveries, strict=True):
        if delivery is None:
            log.warning("%s event ignored (not one of our messages): %s", event.provider, _summary(event))
            results.append(Recorded.IGNORED)
        elif _insert_event(session, event, delivery, now):
            _apply(session, event, delivery, now, soft_bounce_limit)
            results.append(Recorded.RECORDED)
        else:
            results.append(Recorded.DUPLICATE)
    session.flush()
    return results


def _summary(event: ProviderEvent) -> str:
    ref = "" if event.delivery_ref is None else str(event.delivery_ref)
    return (
        f"event={event.kind.value!r}, event_id={event.event_id!r}, delivery_id={ref!r}, message_id={event.message_id!r}"
    )


def _insert_event(session: Session, event: ProviderEvent, delivery: Delivery, now: dt.datetime) -> bool:
    detail = {key: str(value)[:500] for key, value in event.detail.items()}
    if event.reason:
        detail.setdefault("reason", event.reason[:500])
    statement = (
        insert_for(session)(Event)
        .values(
            kind=event.kind,
            delivery_id=delivery.id,
            contact_id=delivery.contact_id,
            provider_event_id=event.event_id[:100],
            occurred_at=event.occurred_at or now,
            detail={"provider": event.provider, **detail},
            automated=event.automated,
            content_item_id=_clicked_item(session, event, delivery),
        )
        .on_conflict_do_nothing(index_elements=[Event.provider_event_id])
        .returning(Event.id)
    )
    return session.execute(statement).first() is not None


def _clicked_item(session: Session, event: ProviderEvent, delivery: Delivery) -> int | None:
    """The content item a provider-tracked click led to, from the links recorded with the message's body."""
    url = event.detail.get("url")
    if event.kind is not EventKind.CLICK or not url:
        return None
    return session.scalar(
        select(BodyLink.content_item_id).where(BodyLink.body_id == delivery.body_id, BodyLink.url == url).limit(1)
    )


def _apply(session: Session, event: ProviderEvent, delivery: Delivery, now: dt.datetime, soft_limit: int) -> None:
    if event.kind is EventKind.DROPPED:
        delivery.status, delivery.updated_at = DeliveryStatus.FAILED, now
        delivery.last_error = f"{event.provider} dropped it: {event.reason or 'no reason given'}"[:1000]
        delivery.lease_owner = delivery.lease_expires_at = None
    elif settle_uncertain(session, delivery, provider_message_id=event.provider_message_id, now=now):
        log.info("delivery %s settled as sent by a %s %s event", delivery.id, event.provider, event.kind.value)
    email = event.email or delivery.recipient_email
    apply_address_event(
        session, email, event.kind, source=event.provider, detail=event.reason[:200],
        at=event.occurred_at or now, soft_bounce_limit=soft_limit,
    )  # fmt: skip


def apply_address_event(
    session: Session,
    email: str,
    kind: EventKind,
    *,
    source: str,
    detail: str,
    at: dt.datetime,
    soft_bounce_limit: int,
) -> None:
    """What a bounce, spam report or unsubscribe means for an address (other kinds mean nothing).

    The address is suppressed whether or not a contact still has it; a contact who has it is
    stopped too, with the provider's report in their consent log.
    """
    text = f"{kind.value}: {detail}"[:255]
    if kind is EventKind.BOUNCE:
        _emit_stop(
            session, EMAIL_BOUNCED, email, mark_bounced(session, email, source=source, detail=text), source, text
        )
    elif kind is EventKind.SOFT_BOUNCE:
        if record_soft_bounce(session, email, at=at, limit=soft_bounce_limit, source=source, detail=detail[:150]):
            _emit_stop(session, EMAIL_BOUNCED, email, find_contact(session, email), source, text)
    elif kind is EventKind.SPAMREPORT:
        contact = mark_complained(session, email, source=source, detail=text)
        _emit_stop(session, EMAIL_COMPLAINED, email, contact, source, text)
    elif kind in UNSUBSCRIBES:
        contact = find_contact(session, email)
        if contact is None or not unsubscribe(session, contact, source=ConsentSource.PROVIDER, detail=text):
            suppress(session, email, SuppressionReason.UNSUBSCRIBED, source=source, detail=text)


def _emit_stop(
    session: Session, event_type: str, email: str, contact: Contact | None, source: str, detail: str
) -> None:
    """Hook (h12-api): tell integrations at once that an address stopped (core.webhooks, after commit)."""
    payload = {
        "email": normalise_email(email),
        "contact_id": contact.id if contact else None,
        "source": source,
        "detail": detail,
    }
    emit(session, event_type, payload)


# ---------------------------------------------------------------------------------------------- SendGrid


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


def sendgrid_event(item: Any) -> ProviderEvent | None:
    """SendGrid's event as ours; None for what we cannot use (unknown kind, no event id or no delivery id)."""
    if not isinstance(item, dict):
        return None
    kind: EventKind | None = SENDGRID_KINDS.get(item.get("event", ""))
    event_id, raw_ref = item.get("sg_event_id"), item.get(REF_ARG)
    if kind is None or not isinstance(event_id, str) or not str(raw_ref).isdigit():
        return None
    if kind is EventKind.BOUNCE and item.get("type", "bounce") != "bounce":
        kind = EventKind.SOFT_BOUNCE  # "blocked": refused for now (reputation, content), not a dead address
    stamp = item.get("timestamp")
    email = item.get("email")
    return ProviderEvent(
        provider="sendgrid",
        event_id=event_id,
        kind=kind,
        delivery_ref=int(str(raw_ref)),
        email=email if isinstance(email, str) else "",
        occurred_at=dt.datetime.fromtimestamp(stamp, dt.UTC) if isinstance(stamp, int) and stamp > 0 else None,
        reason=str(item.get("reason", ""))[:500],
        provider_message_id=str(item.get("sg_message_id", "")),
        detail={key: str(item[key]) for key in DETAIL_KEYS if key in item},
        automated=item.get("sg_machine_open") is True,
    )


def record_sendgrid_events(
    session: Session, items: list[Any], *, now: dt.datetime, soft_bounce_limit: int = 3
) -> WebhookOutcome:
    """Record SendGrid's events; items we cannot use are logged and counted as ignored."""
    events = []
    outcome = WebhookOutcome()
    for item in items:
        event = sendgrid_event(item)
        if event is None:
            log.warning("sendgrid event ignored (unknown kind, event id or delivery id): %s", _item_summary(item))
            outcome.ignored += 1
        else:
            events.append(event)
    return outcome.add(record_provider_events(session, events, now=now, soft_bounce_limit=soft_bounce_limit))


def _item_summary(item: Any) -> str:
    if not isinstance(item, dict):
        return type(item).__name__
    return ", ".join(f"{key}={item.get(key)!r}" for key in ("event", "sg_event_id", REF_ARG) if key in item)
