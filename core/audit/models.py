"""The audit trail's tables: the entries, and the one-row head of their hash chain."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One thing someone (or the scheduler) did: append-only, chained to the entry before it.

    `id` is handed out by the chain head under its lock, not by a sequence, so ids are gapless and
    their order is the chain's order: a deleted row shows as a hole, a moved row as a wrong hash.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(64))
    object_label: Mapped[str] = mapped_column(String(255), default="")
    # Canonical JSON {"field": ["old", "new"]}: stored as the exact text that was hashed.
    changes_json: Mapped[str] = mapped_column(Text, default="{}")
    detail: Mapped[str] = mapped_column(String(1000), default="")
    # Opaque to core ("partner:12"): lets a reader see only the entries about what they look after.
    scope: Mapped[str | None] = mapped_column(String(100), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(128))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id"),
        Index("ix_audit_entries_actor", "actor_kind", "actor_id"),
    )

    @property
    def changes(self) -> dict[str, tuple[str, str]]:
        loaded: dict[str, list[str]] = json.loads(self.changes_json or "{}")
        return {name: (pair[0], pair[1]) for name, pair in loaded.items()}

    def __repr__(self) -> str:
        return f"<AuditEntry #{self.id} {self.action} {self.object_type}:{self.object_id}>"


class AuditChainHead(Base):
    """Always one row (id 1): the newest entry and, after a purge, where the kept chain starts.

    Writers lock this row (SELECT ... FOR UPDATE) before they chain a new entry, so two
    transactions never both append to the same previous entry. `anchor_hash` is the previous
    hash the oldest kept entry must carry (all zeros until the first purge).
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    anchor_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    anchor_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
