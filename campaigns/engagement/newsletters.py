"""What each stored newsletter body carries: written once per body at assembly, read by the roll-ups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from campaigns.delivery.outbox import insert_for
from campaigns.engagement.models import NewsletterItem


def record_newsletter_items(session: Session, bodies: Iterable[tuple[int, Sequence[int]]]) -> None:
    """Note each body's items in order, for many bodies in one statement; a body stored again (same
    content) changes nothing."""
    rows = [
        {"body_id": body_id, "content_item_id": item, "position": n}
        for body_id, item_ids in bodies
        for n, item in enumerate(item_ids)
    ]
    if not rows:
        return
    session.execute(insert_for(session)(NewsletterItem).on_conflict_do_nothing(), rows)
