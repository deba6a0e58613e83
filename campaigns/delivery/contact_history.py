"""Every message sent to one contact, newest first, with what happened to each: for their admin page.

Messages are found by the contact's id (newsletters and preference links carry it; the outbox
index on it keeps this one short query however long the outbox grows), a page at a time by id
(keyset: no OFFSET), with each message's events (delivered, opened, bounced, ...) in one more query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind, RenderedBody
from core.mail.placeholders import FillTemplate
from subscribers.models import Contact

PER_PAGE = 20
CATEGORY_LABELS = {
    "digest": _l("Newsletter"),
    "preference-link": _l("Preference link"),
    "portal-sign-in": _l("Portal sign-in link"),
    "test-send": _l("Test"),
}
STATUS_LABELS = {
    DeliveryStatus.QUEUED: _l("Queued"),
    DeliveryStatus.LEASED: _l("Being sent"),
    DeliveryStatus.SENDING: _l("Being sent"),
    DeliveryStatus.SENT: _l("Sent"),
    DeliveryStatus.FAILED: _l("Failed"),
    DeliveryStatus.DEAD: _l("Gave up"),
    DeliveryStatus.SUPPRESSED: _l("Not sent: suppressed"),
    DeliveryStatus.UNCERTAIN: _l("Uncertain"),
}
EVENT_LABELS = {
    EventKind.SENT: _l("sent"), EventKind.PROCESSED: _l("accepted by the provider"), EventKind.DEFERRED: _l("delayed"),
    EventKind.DELIVERED: _l("delivered"), EventKind.OPEN: _l("opened"), EventKind.CLICK: _l("clicked"),
    EventKind.BOUNCE: _l("bounced"), EventKind.SOFT_BOUNCE: _l("soft bounce"), EventKind.DROPPED: _l("dropped"),
    EventKind.SPAMREPORT: _l("marked as spam"), EventKind.UNSUBSCRIBE: _l("unsubscribed"),
    EventKind.GROUP_UNSUBSCRIBE: _l("unsubscribed"), EventKind.GROUP_RESUBSCRIBE: _l("resubscribed"),
    EventKind.KIT_DOWNLOAD: _l("kit downloaded"), EventKind.PREFERENCE_CHANGE: _l("preferences changed"),
}  # fmt: skip


@dataclass(frozen=True)
class SentMessage:
    delivery: Delivery
    subject: str
    events: list[Event]


@dataclass(frozen=True)
class MessagePage:
    messages: list[SentMessage]
    older_than: int | None  # the cursor of the next page; None on the last one
    is_newest: bool


def contact_message_page(session: Session, contact: Contact, *, before: int | None = None) -> MessagePage:
    statement = (
        select(Delivery, RenderedBody.subject)
        .join(RenderedBody, RenderedBody.id == Delivery.body_id)
        .where(Delivery.contact_id == contact.id)
        .order_by(Delivery.id.desc())
        .limit(PER_PAGE + 1)
    )
    if before is not None:
        statement = statement.where(Delivery.id < before)
    rows = session.execute(statement).all()
    shown = rows[:PER_PAGE]
    events: dict[int, list[Event]] = defaultdict(list)
    ids = [delivery.id for delivery, _subject in shown]
    if ids:
        for event in session.scalars(
            select(Event).where(Event.delivery_id.in_(ids)).order_by(Event.occurred_at, Event.id)
        ):
            events[event.delivery_id or 0].append(event)
    messages = [SentMessage(delivery, _filled(subject, delivery), events[delivery.id]) for delivery, subject in shown]
    older = shown[-1][0].id if len(rows) > PER_PAGE else None
    return MessagePage(messages, older, before is None)


def _filled(subject: str, delivery: Delivery) -> str:
    """The subject as the contact saw it (stored once per body, with their own fields as placeholders)."""
    try:
        return FillTemplate.parse(subject).fill(delivery.fields or {})
    except KeyError:
        return subject


def contact_messages_section(session: Session, contact: Contact) -> Markup:
    """The contact page's "Messages" part (registered with the subscribers admin)."""
    cursor = request.args.get("messages_before", "")
    page = contact_message_page(session, contact, before=int(cursor) if cursor.isdigit() else None)
    html = render_template(
        "campaigns/delivery/contact_messages.html", contact=contact, page=page, categories=CATEGORY_LABELS,
        statuses=STATUS_LABELS, event_labels=EVENT_LABELS,
    )  # fmt: skip
    return Markup(html)  # noqa: S704 (a template of ours, autoescaped)
