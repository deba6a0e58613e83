"""The content workflow: draft -> in review -> approved -> published -> archived, in one place.

Every move goes through `move_item`, which checks the table below and who is asking, and writes
one ContentTransition (who, when, from, to). Publishing is a state plus a time: an approved
item whose publish_at has come is visible to partners straight away (selection asks for
"approved or published, and due"), and the minute tick `publish_due_items` then marks it
published in the log, as done by the scheduler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from content.models import ContentItem, ContentStatus, ContentTransition
from core.audit import SCHEDULER, record
from core.auth import EDITORS, User
from core.db import utc_now

S = ContentStatus


@dataclass(frozen=True)
class Move:
    target: ContentStatus
    action: str  # the button's words, translated when shown


ARCHIVE = Move(S.ARCHIVED, _l("Archive"))
ALLOWED_MOVES: dict[ContentStatus, tuple[Move, ...]] = {
    S.DRAFT: (Move(S.IN_REVIEW, _l("Send for review")), ARCHIVE),
    S.IN_REVIEW: (Move(S.APPROVED, _l("Approve")), Move(S.DRAFT, _l("Send back to draft")), ARCHIVE),
    S.APPROVED: (Move(S.PUBLISHED, _l("Publish now")), Move(S.DRAFT, _l("Withdraw to draft")), ARCHIVE),
    S.PUBLISHED: (ARCHIVE,),
    S.ARCHIVED: (Move(S.DRAFT, _l("Restore as draft")),),
}


class WorkflowError(ValueError):
    """A move the workflow does not allow; the message says what to do instead."""


def moves_from(status: ContentStatus) -> tuple[Move, ...]:
    return ALLOWED_MOVES[status]


def can_edit(user: User | None) -> bool:
    return user is not None and user.has_role(*EDITORS)


def _check_move(item: ContentItem, target: ContentStatus, by: User) -> None:
    if not can_edit(by):
        raise WorkflowError(_("Only marketers and administrators can move content through the workflow."))
    if target not in {move.target for move in moves_from(item.status)}:
        allowed = ", ".join(move.target.display_name for move in moves_from(item.status))
        raise WorkflowError(
            _(
                "An item in the state %(now)s cannot move to %(target)s; from here it can go to: %(allowed)s.",
                now=item.status.display_name,
                target=target.display_name,
                allowed=allowed,
            )
        )
    if target in (S.IN_REVIEW, S.APPROVED, S.PUBLISHED):
        _check_ready(item)


def _check_ready(item: ContentItem) -> None:
    """What a reviewer needs before an item leaves draft."""
    if item.variant(item.default_locale) is None:
        raise WorkflowError(
            _("Write the default language's title first: partners without a translation read that one.")
        )
    if not item.interest_areas:
        raise WorkflowError(_("Choose at least one interest area: selection uses them to find readers."))


def move_item(
    session: Session, item: ContentItem, target: ContentStatus, *, by: User, now: dt.datetime | None = None
) -> ContentTransition:
    """Move `item` to `target` as `by`, or raise WorkflowError with the reason."""
    _check_move(item, target, by)
    now = now or utc_now()
    if target is S.PUBLISHED and (item.publish_at is None or item.publish_at > now):
        item.publish_at = now  # "Publish now" means now, even over a later schedule
    transition = ContentTransition(item=item, from_status=item.status, to_status=target, by_user=by, at=now)
    item.status = target
    session.add(transition)
    session.flush()
    record_move(session, item.id, item.title, transition.from_status, target)
    return transition


def record_move(
    session: Session, item_id: int, title: str, frm: ContentStatus, to: ContentStatus, *, by_scheduler: bool = False
) -> None:
    record(
        session, "content.move", object_type="content_item", object_id=item_id, object_label=title,
        changes={"status": (frm.label, to.label)}, actor=SCHEDULER if by_scheduler else None,
    )  # fmt: skip


def publish_due_items(session: Session, now: dt.datetime) -> str:
    """The minute tick: approved items whose time has come are marked published by the scheduler.

    The conditional update makes it safe when two schedulers (or a retry) run at once: only the
    one that actually changes the row records the move.
    """
    due = session.scalars(
        select(ContentItem.id).where(ContentItem.status == S.APPROVED, ContentItem.publish_at <= now)
    ).all()
    published = 0
    for item_id in due:
        changed = session.execute(
            update(ContentItem)
            .where(ContentItem.id == item_id, ContentItem.status == S.APPROVED)
            .values(status=S.PUBLISHED)
        )
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            session.add(ContentTransition(item_id=item_id, from_status=S.APPROVED, to_status=S.PUBLISHED, at=now))
            item = session.get(ContentItem, item_id)
            record_move(session, item_id, item.title if item else "", S.APPROVED, S.PUBLISHED, by_scheduler=True)
            published += 1
    session.flush()
    return f"{published} item{'' if published == 1 else 's'} published" if published else "nothing due"
