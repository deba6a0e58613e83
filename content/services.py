"""Content library services: plain functions, Session first; they flush, the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import InterestArea


def active_interest_areas(session: Session) -> list[InterestArea]:
    """The areas contacts can choose, in the vendor's order."""
    return list(
        session.scalars(
            select(InterestArea)
            .where(InterestArea.is_active.is_(True))
            .order_by(InterestArea.position, InterestArea.id)
        )
    )
