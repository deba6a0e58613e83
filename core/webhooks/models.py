"""Outbound webhooks: the receivers administrators register, and each message to each of them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, enum_column, int_pk, utc_created, utc_updated


class WebhookEndpoint(Base):
    """A URL that receives the event types it subscribed to, signed with its own secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int_pk]
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # `whsec_` + base64 of 32 random bytes (Standard Webhooks). Kept readable: signing needs it.
    secret: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (next_attempt_at)
    LEASED = "leased"  # a worker is sending it
    SENT = "sent"  # the receiver answered 2xx
    DEAD = "dead"  # WEBHOOK_MAX_ATTEMPTS used up; an admin can send it again


class WebhookDelivery(Base):
    """One event for one endpoint: the exact body that is signed and sent, and where its sending stands.

    The message id (`webhook-id`) stays the same on every attempt, so a receiver can drop repeats.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "id"),
    )

    id: Mapped[int_pk]
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[WebhookStatus] = mapped_column(enum_column(WebhookStatus, 10), default=WebhookStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[utc_created]
    sent_at: Mapped[dt.datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", order_by=lambda: WebhookAttempt.id
    )


class WebhookAttempt(Base):
    """One try at sending a delivery: when, what the receiver answered (or why it could not), how long."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int_pk]
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[dt.datetime]
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")
