"""The API's tables: access tokens, and the answers kept for Idempotency-Key replays."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, int_pk, utc_created


class ApiToken(Base):
    """A bearer token an integration (a CRM, a PRM) sends in `Authorization: Bearer ...`.

    Only the SHA-256 of the token is stored: the token itself is shown once, when it is made.
    `prefix` (its first characters) is what people see to tell tokens apart.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The vendor user who made it (None from the command line); deactivating them stops the token.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[utc_created]
    expires_at: Mapped[dt.datetime | None]
    # Moved at most once a minute (see core.api.tokens.LAST_USED_PRECISION): a busy token costs no write per call.
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def is_usable(self, now: dt.datetime) -> bool:
        """Not revoked, not expired, and its maker (if a vendor user) still active."""
        if self.revoked_at is not None or (self.expires_at is not None and self.expires_at <= now):
            return False
        return self.created_by is None or self.created_by.is_active

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.name!r}>"


class IdempotencyRecord(Base):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed to repeats until it expires."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (
        UniqueConstraint("token_id", "key"),
        Index("ix_api_idempotency_keys_expires_at", "expires_at"),
    )

    id: Mapped[int_pk]
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of method, path and the JSON body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text, default="")
    response_headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[utc_created]
    expires_at: Mapped[dt.datetime]
