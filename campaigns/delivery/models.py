"""The outbox: bodies rendered once, one Delivery row per message, and what happened to each."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.db import Base, enum_column, int_pk, str_255, utc_created, utc_now


class DeliveryStatus(enum.StrEnum):
    """Where a message is. queued -> leased -> sending -> sent, and the side roads:

    - leased: claimed by a worker, not yet handed to the provider (a dead worker's lease expires
      and the message is queued again: nothing can have left);
    - sending: handed to the provider; if the worker dies now the message becomes uncertain;
    - failed: refused for good (the error says why); dead: retried until DELIVERY_MAX_ATTEMPTS;
    - suppressed: the address is on the suppression list, nothing was sent;
    - uncertain: the request left but no answer came; settled by provider events or an admin.
    """

    QUEUED = "queued"
    LEASED = "leased"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    SUPPRESSED = "suppressed"
    UNCERTAIN = "uncertain"

    @property
    def in_flight(self) -> bool:
        return self in (DeliveryStatus.LEASED, DeliveryStatus.SENDING)


PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.LEASED, DeliveryStatus.SENDING)
# The same, as literal SQL: a partial index serves a query only when the query's condition
# visibly implies the index's (a bound parameter does not, once a statement is prepared).
PENDING_SQL = "status IN ('queued', 'leased', 'sending')"
RETRYABLE_BY_ADMIN = (DeliveryStatus.FAILED, DeliveryStatus.DEAD, DeliveryStatus.UNCERTAIN)


class EventKind(enum.StrEnum):
    """What happened to a message or a contact; provider kinds keep SendGrid's names.

    A bounce is a hard bounce (the address does not exist: stop at once); a soft bounce is a
    refusal that may pass (mailbox full, blocked for now): counted, and stopped after several.
    """

    SENT = "sent"
    PROCESSED = "processed"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    OPEN = "open"
    CLICK = "click"
    BOUNCE = "bounce"
    SOFT_BOUNCE = "soft_bounce"
    DROPPED = "dropped"
    SPAMREPORT = "spamreport"
    UNSUBSCRIBE = "unsubscribe"
    GROUP_UNSUBSCRIBE = "group_unsubscribe"
    GROUP_RESUBSCRIBE = "group_resubscribe"
    KIT_DOWNLOAD = "kit_download"
    PREFERENCE_CHANGE = "preference_change"
    PORTAL_SIGN_IN = "portal_sign_in"


class RenderedBody(Base):
    """Subject, HTML and text with per-recipient placeholders, stored once per distinct content."""

    __tablename__ = "rendered_bodies"

    id: Mapped[int_pk]
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(998))  # RFC 5322's line limit
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[utc_created]


class BodyLink(Base):
    """A written-out link of a stored body, numbered in order of first appearance (core.mail.tracking).

    What a tracked click on link n of any message with this body leads to, and the content item
    the link belongs to when it does (a newsletter card's call to action). Written with the body.
    """

    __tablename__ = "body_links"

    body_id: Mapped[int] = mapped_column(ForeignKey("rendered_bodies.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text)
    content_item_id: Mapped[int | None] = mapped_column(default=None)


class Delivery(Base):
    """One message to send: the outbox row. Only the body id and per-recipient fields are stored."""

    __tablename__ = "deliveries"
    # Claiming walks the first index: due rows of one status, clustered by body so a batch shares
    # bodies. The second holds only the rows still to settle (a sliver of an outbox of millions
    # of sent messages): "anything pending?", lease recovery and the next wake-up read it, never
    # the whole table (tests/core/test_query_plans.py).
    __table_args__ = (
        Index("ix_deliveries_claim", "status", "body_id", "next_attempt_at"),
        Index(
            "ix_deliveries_pending",
            "status",
            "lease_expires_at",
            postgresql_where=text(PENDING_SQL),
            sqlite_where=text(PENDING_SQL),
        ),
    )

    id: Mapped[int_pk]
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("rendered_bodies.id"))
    recipient_email: Mapped[str_255]
    recipient_name: Mapped[str_255] = mapped_column(default="")
    # A contact's page lists their messages by this; a lookup there must not scan the whole outbox.
    contact_id: Mapped[int | None] = mapped_column(index=True)
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    category: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus, 20), default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None]
    provider_message_id: Mapped[str_255 | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[utc_created]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[dt.datetime | None]

    body: Mapped[RenderedBody] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.idempotency_key} {self.status.value}>"


class current_transaction_id(FunctionElement[int]):
    """The id of the writing transaction: PostgreSQL's pg_current_xact_id(); 0 on SQLite (one writer at a time)."""

    type = BigInteger()
    inherit_cache = True


@compiles(current_transaction_id)
def _transaction_id_generic(_element: current_transaction_id, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "0"


@compiles(current_transaction_id, "postgresql")
def _transaction_id_postgresql(_element: current_transaction_id, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "(pg_current_xact_id()::text::bigint)"


class Event(Base):
    """Something that happened to a delivery or a contact; provider events are de-duplicated by their id."""

    __tablename__ = "events"
    # The CRM stream's order (campaigns.delivery.stream): by writing transaction, then id.
    # On SQLite, AUTOINCREMENT: an id is never handed out again after the newest events are erased
    # (readers that went past it would miss the new event; migration 0030).
    __table_args__ = (Index("ix_events_stream", "tx_id", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int_pk]
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 30))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(index=True)
    provider_event_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    occurred_at: Mapped[utc_created]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A machine open (a mail privacy proxy, a prefetch seconds after delivery) or a scanner click:
    # kept, but left out of every "human" figure.
    automated: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The content item a click led to, when the link belonged to one (roll-ups per item).
    content_item_id: Mapped[int | None] = mapped_column(default=None)
    # The transaction that wrote it (the migration also makes this the server default on PostgreSQL,
    # so a row inserted by plain SQL gets it too).
    tx_id: Mapped[int] = mapped_column(BigInteger, default=current_transaction_id(), server_default="0")


class KeptMailboxMessage(Base):
    """A message the bounce mailbox reader left in the mailbox, and why: for a person to look at.

    Unreadable reports, reports about messages or addresses that are not ours (or whose VERP
    token is forged), and messages too big to fetch. The row goes when the message leaves the
    mailbox; while it is there, later reads skip it without fetching it again.
    """

    __tablename__ = "kept_mailbox_messages"
    __table_args__ = (UniqueConstraint("mailbox", "uid"),)

    id: Mapped[int_pk]
    mailbox: Mapped[str_255]
    uid: Mapped[str_255]
    subject: Mapped[str_255] = mapped_column(default="")
    sender: Mapped[str_255] = mapped_column(default="")
    size: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(500))
    first_seen_at: Mapped[utc_created]
