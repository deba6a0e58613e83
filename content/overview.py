"""The content library's figures on the overview page."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import ContentItem, ContentStatus
from content.selection import visible_at
from core.web import Figure


def content_figures(session: Session, now: dt.datetime) -> list[Figure]:
    def count(*conditions: object) -> int:
        return session.scalar(select(func.count(ContentItem.id)).where(*conditions)) or 0  # type: ignore[arg-type]

    in_review = count(ContentItem.status == ContentStatus.IN_REVIEW)
    return [
        Figure(_("Waiting for review"), in_review, "content.library", "warn" if in_review else ""),
        Figure(_("Visible to partners now"), count(visible_at(now)), "content.library", "ok"),
        Figure(
            _("Approved, publishing later"),
            count(ContentItem.status == ContentStatus.APPROVED, ContentItem.publish_at > now),
            "content.library",
        ),
        Figure(_("Drafts"), count(ContentItem.status == ContentStatus.DRAFT), "content.library"),
    ]
