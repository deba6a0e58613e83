"""Why you got this: what put each item of a contact's last newsletter there.

The newsletter run (in `campaigns`, above this package) hands over plain values per item: its
title as the contact read it, the contact's topics that matched it, and the campaign that put it
first (if any). They are stored once per distinct answer (`NewsletterReasons`), and each contact
points at the answer of their last newsletter, in the same update that marks their period done.
The preference page reads them back here, with the topics named in the reader's language now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from babel.lists import format_list
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.db import utc_now
from subscribers.models import Contact, NewsletterReasons


@dataclass(frozen=True)
class ItemReason:
    """What put one item in a newsletter, as the run knew it."""

    item_id: int
    title: str
    area_ids: tuple[int, ...]  # the reader's topics the item is tagged with
    campaign: str = ""  # the live campaign that put it first; "" when none did

    def as_json(self) -> dict[str, object]:
        return {"item_id": self.item_id, "title": self.title, "area_ids": list(self.area_ids),
                "campaign": self.campaign}  # fmt: skip


def reasons_key(reasons: Sequence[ItemReason]) -> str:
    text = json.dumps([reason.as_json() for reason in reasons], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def store_reasons(session: Session, answers: Sequence[Sequence[ItemReason]]) -> list[int]:
    """The ids of the stored answers with these reasons, in the same order, each created once
    (concurrent runs get the same row). The new ones go in with one cached multi-row INSERT ...
    RETURNING (a newsletter batch brings dozens; a statement each was a round trip each), any stored
    before come back from one SELECT. Callers that may race pass answers in one global order (by key)."""
    keys = [reasons_key(reasons) for reasons in answers]
    now = utc_now()
    rows = {
        key: {"key": key, "items": [reason.as_json() for reason in reasons], "created_at": now}
        for key, reasons in zip(keys, answers, strict=True)
    }
    if not rows:
        return []
    inserted = session.execute(_INSERT[session.get_bind().dialect.name], list(rows.values()))
    ids: dict[str, int] = {key: id_ for id_, key in inserted}
    missing = [key for key in rows if key not in ids]
    if missing:
        for key, id_ in session.execute(select(_TABLE.c.key, _TABLE.c.id).where(_TABLE.c.key.in_(missing))):
            ids[key] = id_
    return [ids[key] for key in keys]


# Built once: executed with a list of rows, compiled once and sent as multi-row statements.
_TABLE: Table = NewsletterReasons.__table__  # type: ignore[assignment]
_INSERT = {
    name: dialect_insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id, _TABLE.c.key)
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


@dataclass(frozen=True)
class ReasonLine:
    """One item of the last newsletter, and why, in the reader's language."""

    title: str
    topics: str  # "Storage and Cloud"
    campaign: str


def last_newsletter_reasons(session: Session, contact: Contact, locale: str) -> list[ReasonLine]:
    """The items of the contact's last newsletter with the topics and campaign that put each there."""
    stored = contact.last_newsletter_reasons
    if stored is None:
        return []
    wanted = {int(area_id) for entry in stored.items for area_id in entry.get("area_ids", [])}
    areas = {area.id: area for area in session.scalars(select(InterestArea).where(InterestArea.id.in_(wanted)))}
    lines = []
    for entry in stored.items:
        names = [areas[int(i)].name(locale) for i in entry.get("area_ids", []) if int(i) in areas]
        topics = format_list(names, locale=locale) if names else ""
        lines.append(ReasonLine(str(entry.get("title", "")), topics, str(entry.get("campaign") or "")))
    return lines
