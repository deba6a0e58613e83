"""A partner's engagement score and band: what the partners list sorts and filters by.

The score is written by the engagement roll-ups (campaigns/engagement); here are the stored row,
the decay (a score halves every ENGAGEMENT_HALF_LIFE_DAYS without new activity) and the bands:

- silent: the score is below 1 (less than one recent human open's worth);
- cooling: not silent, and the score fell by more than ENGAGEMENT_COOLING_PERCENT over 30 days;
- engaged: everything else.
"""

from __future__ import annotations

import datetime as dt
import enum
import math

from sqlalchemy import Date, Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

SILENT_BELOW = 1.0
COOLING_WINDOW_DAYS = 30


class Band(enum.StrEnum):
    ENGAGED = "engaged"
    COOLING = "cooling"
    SILENT = "silent"


class PartnerScore(Base):
    """A partner's score as of `as_of`, and its score 30 days before `baseline_on` for cooling."""

    __tablename__ = "partner_scores"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    as_of: Mapped[dt.datetime]
    baseline: Mapped[float] = mapped_column(Float, default=0.0)  # the score 30 days before baseline_on
    baseline_on: Mapped[dt.date | None] = mapped_column(Date)


def decayed(score: float, as_of: dt.datetime, now: dt.datetime, half_life_days: int) -> float:
    """`score` carried from `as_of` to `now`: halved every `half_life_days`."""
    days = (now - as_of).total_seconds() / 86_400
    return score * math.pow(0.5, days / half_life_days)


def band_of(score_now: float, baseline: float, cooling_percent: int) -> Band:
    if score_now < SILENT_BELOW:
        return Band.SILENT
    if baseline >= SILENT_BELOW and score_now < baseline * (1 - cooling_percent / 100):
        return Band.COOLING
    return Band.ENGAGED
