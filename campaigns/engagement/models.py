"""Engagement roll-ups and scores: counts per day and dimension, never people, so reports stay fast
and an erased contact's figures stay in the totals while their events go."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, enum_column, int_pk, utc_created

# The figures every roll-up row carries; `unique_*` count each message (or message x item) once.
METRICS = (
    "sent",
    "delivered",
    "opens",
    "unique_opens",
    "clicks",
    "unique_clicks",
    "machine_opens",
    "scanner_clicks",
    "bounces",
    "complaints",
    "unsubscribes",
    "kit_downloads",
    "preference_changes",
    "portal_sign_ins",
)


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, default=0, server_default="0")


class _Figures:
    """The figures of METRICS, each a count that starts at 0."""

    sent: Mapped[int] = _count()
    delivered: Mapped[int] = _count()
    opens: Mapped[int] = _count()
    unique_opens: Mapped[int] = _count()
    clicks: Mapped[int] = _count()
    unique_clicks: Mapped[int] = _count()
    machine_opens: Mapped[int] = _count()
    scanner_clicks: Mapped[int] = _count()
    bounces: Mapped[int] = _count()
    complaints: Mapped[int] = _count()
    unsubscribes: Mapped[int] = _count()
    kit_downloads: Mapped[int] = _count()
    preference_changes: Mapped[int] = _count()
    portal_sign_ins: Mapped[int] = _count()


class EngagementRollup(_Figures, Base):
    """Per UTC day, campaign (0: all mail), newsletter period ('' for none) and partner: who was
    reached and what they did. Language, tier and country are in `EngagementSplit` (a partner's
    contacts speak several languages: kept here they would multiply the rows)."""

    __tablename__ = "engagement_rollups"
    # The primary key leads with the campaign: a campaign's report reads one range of it.
    __table_args__ = (
        Index("ix_engagement_rollups_period", "period", "campaign_id"),
        Index("ix_engagement_rollups_partner", "partner_id", "day"),
    )

    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    partner_id: Mapped[int] = mapped_column(primary_key=True)  # 0: nobody we know (an erased contact's mail)


class EngagementSplit(_Figures, Base):
    """Per UTC day, campaign, newsletter period, language, tier and country (no partner): the
    reports' splits. Tier and country are the partner's when the event was counted: a partner
    that moves up a tier keeps its history under the old tier."""

    __tablename__ = "engagement_splits"
    __table_args__ = (Index("ix_engagement_splits_period", "period", "campaign_id"),)

    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    locale: Mapped[str] = mapped_column(String(5), primary_key=True)
    tier: Mapped[str] = mapped_column(String(30), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)


class EngagementTotal(_Figures, Base):
    """Per campaign (0: all mail) and newsletter period, every day added up: the reports index
    reads a handful of these rows instead of adding up every day's."""

    __tablename__ = "engagement_totals"

    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)


class ContentDimension(enum.StrEnum):
    ITEM = "item"
    AREA = "area"


class ContentRollup(Base):
    """Per UTC day, content item (or interest area) and newsletter period: the newsletters that
    carried it, their unique human opens, and the human clicks on it."""

    __tablename__ = "content_rollups"
    __table_args__ = (Index("ix_content_rollups_key", "dimension", "key_id", "day"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[ContentDimension] = mapped_column(enum_column(ContentDimension, 10), primary_key=True)
    key_id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    sent: Mapped[int] = _count()
    unique_opens: Mapped[int] = _count()
    clicks: Mapped[int] = _count()
    unique_clicks: Mapped[int] = _count()


class EngagementFirst(Base):
    """The first human open or click of a message (and per item, for clicks): what makes `unique_*`
    count a message once however often it is opened, and however many workers count."""

    __tablename__ = "engagement_firsts"

    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # open, click
    content_item_id: Mapped[int] = mapped_column(primary_key=True)  # 0: the message as a whole
    event_id: Mapped[int] = mapped_column(BigInteger)


class RollupCursor(Base):
    """How far the roll-ups have read the events table: one row, locked while a worker counts."""

    __tablename__ = "rollup_cursors"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    counted: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[utc_created]


class RollupGap(Base):
    """An event id the cursor passed that did not exist yet (its transaction had not committed);
    counted when it appears, forgotten after a while (it was rolled back)."""

    __tablename__ = "rollup_gaps"

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    noticed_at: Mapped[utc_created]


class NewsletterItem(Base):
    """Which content items a stored newsletter body carries, in order: per-item and per-area reach."""

    __tablename__ = "newsletter_items"

    body_id: Mapped[int] = mapped_column(ForeignKey("rendered_bodies.id", ondelete="CASCADE"), primary_key=True)
    content_item_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)


class ContactScore(Base):
    """A contact's engagement score as of `as_of` (decayed on read and on every addition)."""

    __tablename__ = "contact_scores"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    as_of: Mapped[dt.datetime]


class OutreachChannel(enum.StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    OTHER = "other"


class PartnerOutreach(Base):
    """A time the partner's named person reached out to them (a call, a visit, an email): logged by staff."""

    __tablename__ = "partner_outreach"
    __table_args__ = (Index("ix_partner_outreach_partner", "partner_id", "happened_on"),)

    id: Mapped[int_pk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[OutreachChannel] = mapped_column(enum_column(OutreachChannel, 10))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[utc_created]

    user: Mapped[User | None] = relationship()
