"""Writing the audit trail, and checking that nobody rewrote it.

Each entry's hash covers its own content and the previous entry's hash. A writer first locks the
chain head row (`SELECT ... FOR UPDATE`), takes the next id and the previous hash from it, inserts
the entry and moves the head, all in the caller's transaction: a second writer waits for the first
to commit (or roll back) and then chains onto whatever the head says. The lock is held until the
caller commits, so record near the end of a unit of work, not before a long job.

Retention: `purge_expired` deletes entries older than AUDIT_RETENTION_DAYS and moves the chain's
anchor to the oldest kept entry (its previous hash, and its id). The purge records itself, with the
new anchor in the entry, so `verify_chain` can check the anchor is one a purge really set.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.audit.actors import SYSTEM, Actor, current_actor
from core.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from core.db import utc_now

HEAD_ID = 1
PURGE_ACTION = "audit.purge"
MAX_VALUE_LENGTH = 200
VERIFY_BATCH = 1000
# A change to any field whose name holds one of these words is never written down, not even masked.
_SECRET_WORDS = re.compile(r"password|passwd|passphrase|token|secret|credential|(^|[_\W])(key|hash|pwd)($|[_\W])", re.I)
_LIMITS = {"actor_label": 200, "action": 80, "object_type": 50, "object_id": 64, "object_label": 255,
           "detail": 1000, "scope": 100, "ip": 45, "request_id": 128}  # fmt: skip


def is_secret_field(name: str) -> bool:
    return bool(_SECRET_WORDS.search(name))


def short_text(value: object) -> str:
    """A value as people read it in the trail: enums by value, times to the second, at most 200 characters."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, enum.Enum):
        text = str(value.value)
    elif isinstance(value, dt.datetime):
        text = value.isoformat(timespec="seconds")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, set | frozenset):
        text = ", ".join(sorted(short_text(item) for item in value))
    elif isinstance(value, list | tuple):
        text = ", ".join(short_text(item) for item in value)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def changes_between(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, tuple[object, object]]:
    """The fields whose values differ, as {field: (old, new)}; a field missing on one side counts as None."""
    names = [*before, *(name for name in after if name not in before)]
    return {name: (before.get(name), after.get(name)) for name in names if before.get(name) != after.get(name)}


def _changes_json(changes: Mapping[str, tuple[object, object]] | None) -> str:
    kept = {
        str(name): [short_text(old), short_text(new)]
        for name, (old, new) in (changes or {}).items()
        if not is_secret_field(str(name))
    }
    return json.dumps(kept, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _clip(name: str, value: str | None) -> str | None:
    return None if value is None else value[: _LIMITS[name]]


def entry_hash(entry: Any) -> str:
    """SHA-256 over every stored field (id and time included) and the previous entry's hash.

    `entry` is an AuditEntry or a row with the same column names.
    """
    content = [
        entry.id, entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"), entry.actor_kind, entry.actor_id,
        entry.actor_label, entry.action, entry.object_type, entry.object_id, entry.object_label, entry.changes_json,
        entry.detail, entry.scope, entry.ip, entry.request_id, entry.prev_hash,
    ]  # fmt: skip
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_head(session: Session) -> AuditChainHead:
    """The chain head, locked for this transaction (created on first use, e.g. in a fresh test schema)."""
    statement = select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update()
    head = session.scalars(statement.execution_options(populate_existing=True)).one_or_none()
    if head is None:
        session.add(
            AuditChainHead(id=HEAD_ID, last_hash=GENESIS_HASH, anchor_hash=GENESIS_HASH, last_id=0, anchor_id=0)
        )
        session.flush()
        head = session.scalars(statement.execution_options(populate_existing=True)).one()
    return head


def _request_facts() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return request.remote_addr, g.get("request_id")


def record(
    session: Session,
    action: str,
    *,
    object_type: str,
    object_id: int | str | None,
    object_label: str = "",
    changes: Mapping[str, tuple[object, object]] | None = None,
    detail: str = "",
    scope: str | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (flushed, not committed) and return it.

    `action` is a dotted verb (`contact.export`); `changes` values are stored as short strings and
    fields that look like secrets (password, token, secret, key) are left out; `actor=None` means
    whoever this request is; the client IP and request id come from the request when there is one.
    """
    who = actor or current_actor()
    ip, request_id = _request_facts()
    head = _lock_head(session)
    entry = AuditEntry(
        id=head.last_id + 1,
        at=utc_now(),
        actor_kind=who.kind,
        actor_id=who.id,
        actor_label=_clip("actor_label", who.label) or "",
        action=_clip("action", action) or "",
        object_type=_clip("object_type", object_type) or "",
        object_id=_clip("object_id", None if object_id is None else str(object_id)),
        object_label=_clip("object_label", object_label) or "",
        changes_json=_changes_json(changes),
        detail=_clip("detail", detail) or "",
        scope=_clip("scope", scope),
        ip=_clip("ip", ip),
        request_id=_clip("request_id", request_id),
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry)
    head.last_id, head.last_hash = entry.id, entry.hash
    session.add(entry)
    session.flush()
    return entry


# ---------------------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain does not hold: which entry (if any) and what is wrong with it."""

    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry #{self.entry_id}" if self.entry_id is not None else "the chain head"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


_CHAIN_COLUMNS = list(AuditEntry.__table__.columns)


def _entries_in_order(session: Session) -> Iterator[Any]:
    """Every entry by id as plain rows (not ORM objects), in batches: a long trail never sits in memory."""
    after = -1
    while True:
        batch = session.execute(
            select(*_CHAIN_COLUMNS).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def _check_entry(entry: Any, expected_id: int, expected_prev: str) -> ChainBreak | None:
    if entry.id != expected_id:
        return ChainBreak(entry.id, f"entries #{expected_id} to #{entry.id - 1} are missing (deleted)")
    if entry.prev_hash != expected_prev:
        return ChainBreak(entry.id, "its link to the entry before does not match (that entry was changed or removed)")
    if entry_hash(entry) != entry.hash:
        return ChainBreak(entry.id, "its content does not match its hash (the row was changed)")
    return None


def _check_anchor(session: Session, head: AuditChainHead) -> ChainBreak | None:
    """A moved anchor must be the one the newest purge wrote into the (chained) trail."""
    if head.anchor_id == 0 and head.anchor_hash == GENESIS_HASH:
        return None
    purge = session.scalars(
        select(AuditEntry).where(AuditEntry.action == PURGE_ACTION).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    recorded = purge.changes.get("anchor") if purge is not None else None
    if recorded is None or recorded[1] != f"#{head.anchor_id} {head.anchor_hash}":
        return ChainBreak(None, "its starting point was moved without a recorded purge")
    return None


def verify_chain(session: Session) -> VerifyReport:
    """Walk the trail from its anchor; report the first entry that does not match, if any."""
    head = session.get(AuditChainHead, HEAD_ID) or AuditChainHead(
        id=HEAD_ID, last_id=0, last_hash=GENESIS_HASH, anchor_id=0, anchor_hash=GENESIS_HASH
    )
    last_id, last_hash = head.last_id, head.last_hash
    anchor_problem = _check_anchor(session, head)
    expected_id, expected_prev, checked = max(head.anchor_id, 1), head.anchor_hash, 0
    for entry in _entries_in_order(session):
        problem = _check_entry(entry, expected_id, expected_prev)
        if problem is not None:
            return VerifyReport(checked, problem)
        expected_id, expected_prev, checked = entry.id + 1, entry.hash, checked + 1
    if expected_prev != last_hash or expected_id != last_id + 1:
        return VerifyReport(checked, ChainBreak(None, f"it names entry #{last_id} as the newest, which is missing"))
    return VerifyReport(checked, anchor_problem)


# ---------------------------------------------------------------------------------------- retention


def retention_cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    """Midnight UTC, `retention_days` ago: a purge then runs at most once a day."""
    day = (now.astimezone(dt.UTC) - dt.timedelta(days=retention_days)).date()
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def purge_expired(session: Session, now: dt.datetime, retention_days: int, *, actor: Actor = SYSTEM) -> int:
    """Delete entries older than the retention period; the chain restarts from the oldest kept entry.

    The oldest kept entry's previous hash becomes the anchor (with its id), and the purge itself is
    recorded, anchor included, so a later `verify` starts there and knows a purge set it.
    """
    cutoff = retention_cutoff(now, retention_days)
    oldest = session.scalar(select(func.min(AuditEntry.at)))
    if oldest is None or oldest >= cutoff:
        return 0
    head = _lock_head(session)
    first_kept = session.scalars(
        select(AuditEntry).where(AuditEntry.at >= cutoff).order_by(AuditEntry.id).limit(1)
    ).first()
    anchor_id, anchor_hash = (first_kept.id, first_kept.prev_hash) if first_kept else (head.last_id + 1, head.last_hash)
    removed = session.execute(delete(AuditEntry).where(AuditEntry.id < anchor_id)).rowcount  # type: ignore[attr-defined]
    old_anchor = f"#{head.anchor_id} {head.anchor_hash}"
    head.anchor_id, head.anchor_hash = anchor_id, anchor_hash
    session.flush()
    record(
        session, PURGE_ACTION, object_type="audit", object_id=None, object_label="Audit trail", actor=actor,
        changes={"anchor": (old_anchor, f"#{anchor_id} {anchor_hash}")},
        detail=f"{removed} entries from before {cutoff:%Y-%m-%d} removed (retention {retention_days} days)",
    )  # fmt: skip
    return int(removed)
