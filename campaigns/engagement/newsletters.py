"""What each stored newsletter body carries: written once per body at assembly, read by the roll-ups."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from campaigns.delivery.outbox import insert_for
from campaigns.engagement.models import NewsletterItem


def record_newsletter_items(session: Session, body_id: int, item_ids: Sequence[int]) -> None:
    """Note the body's items in order; a body stored again (same content) changes nothing."""
    if not item_ids:
        return
    rows = [{"body_id": body_id, "content_item_id": item, "position": n} for n, item in enumerate(item_ids)]
    session.execute(insert_for(session)(NewsletterItem).on_conflict_do_nothing(), rows)
