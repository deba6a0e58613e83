"""Campaigns: what vendor marketing plans, when it runs, and whom it targets."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.models import Competency, ContentItem, InterestArea
from core.auth.models import User
from core.db import Base, enum_column, int_pk, utc_created, utc_updated


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The English name, as the history and the audit trail record it."""
        return self.value.capitalize()

    @property
    def display_name(self) -> str:
        """The name on a page, in the reader's language."""
        return str(_STATUS_NAMES[self])


_STATUS_NAMES = {
    CampaignStatus.DRAFT: _l("Draft"),
    CampaignStatus.SCHEDULED: _l("Scheduled"),
    CampaignStatus.LIVE: _l("Live"),
    CampaignStatus.ENDED: _l("Ended"),
    CampaignStatus.CANCELLED: _l("Cancelled"),
}


# Every legal move, in one place; anything else is refused with a message.
TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.SCHEDULED, CampaignStatus.CANCELLED}),
    CampaignStatus.SCHEDULED: frozenset({CampaignStatus.DRAFT, CampaignStatus.LIVE, CampaignStatus.CANCELLED}),
    CampaignStatus.LIVE: frozenset({CampaignStatus.ENDED, CampaignStatus.CANCELLED}),
    CampaignStatus.ENDED: frozenset(),
    CampaignStatus.CANCELLED: frozenset(),
}

campaign_interest_areas = Table(
    "campaign_interest_areas",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("interest_area_id", ForeignKey("interest_areas.id"), primary_key=True),
)


campaign_content_items = Table(
    "campaign_content_items",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("content_item_id", ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_status_launch_at", "status", "launch_at"),)

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64))
    launch_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    status: Mapped[CampaignStatus] = mapped_column(enum_column(CampaignStatus, 20), default=CampaignStatus.DRAFT)
    # Targeting; an empty list means "everyone" for that dimension.
    target_tiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_partner_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_locales: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Only partners holding this competency get the campaign: its boosts, its portal card, its kits.
    required_competency_id: Mapped[int | None] = mapped_column(ForeignKey("competencies.id", ondelete="SET NULL"))
    # Bumped on every edit: kits and previews built from an older version are stale.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    interest_areas: Mapped[list[InterestArea]] = relationship(
        secondary=campaign_interest_areas, order_by="InterestArea.position"
    )
    content_items: Mapped[list[ContentItem]] = relationship(secondary=campaign_content_items, order_by="ContentItem.id")
    required_competency: Mapped[Competency | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    history: Mapped[list[CampaignStatusChange]] = relationship(
        back_populates="campaign", order_by="CampaignStatusChange.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r} {self.status.value}>"


class CampaignStatusChange(Base):
    """Who moved a campaign and when; `by_id` is None when the scheduler did it."""

    __tablename__ = "campaign_status_changes"

    id: Mapped[int_pk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[CampaignStatus] = mapped_column(enum_column(CampaignStatus, 20))
    to_status: Mapped[CampaignStatus] = mapped_column(enum_column(CampaignStatus, 20))
    at: Mapped[utc_created]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="history")
    by: Mapped[User | None] = relationship()
