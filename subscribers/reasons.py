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
from sqlalchemy import select
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


def store_reasons(session: Session, reasons: Sequence[ItemReason]) -> int:
    """The id of the stored answer with these reasons, created once (concurrent runs get the same row)."""
    key = reasons_key(reasons)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"key": key, "items": [reason.as_json() for reason in reasons], "created_at": utc_now()}
    new_id = session.scalar(
        insert(NewsletterReasons).values(values).on_conflict_do_nothing().returning(NewsletterReasons.id)
    )
    if new_id is not None:
        return int(new_id)
    return int(session.scalars(select(NewsletterReasons.id).where(NewsletterReasons.key == key)).one())


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
