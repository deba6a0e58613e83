"""The subscribers slice's tables."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utc_now


class SuppressionReason(enum.StrEnum):
    """Why an address must never be mailed; later reasons in this list are stronger."""

    MANUAL = "manual"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    ERASED = "erased"

    @property
    def strength(self) -> int:
        return list(SuppressionReason).index(self)


class Suppression(Base):
    """An address that must never be mailed. Keyed by a hash so it outlives erasure of the address."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))  # None once the person's data is erased
    reason: Mapped[SuppressionReason] = mapped_column(
        Enum(SuppressionReason, native_enum=False, length=20, values_callable=lambda rs: [r.value for r in rs])
    )
    source: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now, onupdate=utc_now)
