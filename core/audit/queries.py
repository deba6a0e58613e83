"""Reading the trail: filters, keyset pages (newest first) and a streamed export.

Pages are keyset-paginated on the entry id (`before` / `after` a given id), never OFFSET: the
id is the primary key and the chain's order, so any page costs the same however deep it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from core.audit.models import AuditEntry

PAGE_SIZE = 50
EXPORT_BATCH = 1000
_OBJECT_REF = re.compile(r"^\s*([a-z_]+)\s*[:# ]\s*#?(\S+)\s*$", re.I)


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""  # part of the actor's name
    object: str = ""  # "contact 12", "contact", or part of the object's name
    action: str = ""  # an exact action, or "contact." for every action on contacts
    since: dt.datetime | None = None  # UTC, inclusive
    until: dt.datetime | None = None  # UTC, exclusive
    scopes: Sequence[str] | None = None  # None: every entry; else only these scopes (an account manager's)


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _object_condition(text: str):  # type: ignore[no-untyped-def]
    reference = _OBJECT_REF.match(text)
    if reference:
        return and_(AuditEntry.object_type == reference.group(1).lower(), AuditEntry.object_id == reference.group(2))
    return or_(AuditEntry.object_type == text.strip().lower(),
               func.lower(AuditEntry.object_label).like(_like(text.strip()), escape="\\"))  # fmt: skip


def filtered(chosen: AuditFilter) -> Select[tuple[AuditEntry]]:
    statement = select(AuditEntry)
    if chosen.scopes is not None:
        statement = statement.where(AuditEntry.scope.in_(list(chosen.scopes)))
    if chosen.who.strip():
        statement = statement.where(func.lower(AuditEntry.actor_label).like(_like(chosen.who.strip()), escape="\\"))
    if chosen.object.strip():
        statement = statement.where(_object_condition(chosen.object))
    if chosen.action.endswith("."):
        statement = statement.where(AuditEntry.action.startswith(chosen.action, autoescape=True))
    elif chosen.action:
        statement = statement.where(AuditEntry.action == chosen.action)
    if chosen.since is not None:
        statement = statement.where(AuditEntry.at >= chosen.since)
    if chosen.until is not None:
        statement = statement.where(AuditEntry.at < chosen.until)
    return statement


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    newer_than: int | None  # link "newer": entries after this id exist
    older_than: int | None  # link "older": entries before this id exist


def audit_page(session: Session, chosen: AuditFilter, *, before: int | None = None, after: int | None = None,
               size: int = PAGE_SIZE) -> AuditPage:  # fmt: skip
    """One page, newest first: the newest, or the page just older than `before`, or just newer than `after`."""
    statement = filtered(chosen)
    if after is not None:
        rows = list(session.scalars(statement.where(AuditEntry.id > after).order_by(AuditEntry.id).limit(size + 1)))
        more_newer = len(rows) > size
        entries = list(reversed(rows[:size]))
        has_older = bool(entries) and _exists(session, statement.where(AuditEntry.id < entries[-1].id))
        return AuditPage(entries, entries[0].id if more_newer and entries else None,
                         entries[-1].id if has_older else None)  # fmt: skip
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    rows = list(session.scalars(statement.order_by(AuditEntry.id.desc()).limit(size + 1)))
    entries = rows[:size]
    newer = entries[0].id if before is not None and entries else None
    return AuditPage(entries, newer, entries[-1].id if len(rows) > size else None)


def _exists(session: Session, statement: Select[tuple[AuditEntry]]) -> bool:
    return session.scalar(select(statement.with_only_columns(AuditEntry.id).limit(1).exists())) or False


def all_matching(session: Session, chosen: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, in batches of 1,000 (for the CSV export)."""
    before: int | None = None
    while True:
        statement = filtered(chosen)
        if before is not None:
            statement = statement.where(AuditEntry.id < before)
        batch = list(session.scalars(statement.order_by(AuditEntry.id.desc()).limit(EXPORT_BATCH)))
        if not batch:
            return
        yield from batch
        before = batch[-1].id
        session.expunge_all()
