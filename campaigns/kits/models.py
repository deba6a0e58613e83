"""Kit pieces (what vendor marketing writes per campaign and language) and built kits."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.planning.models import Campaign
from core.db import Base, enum_column, int_pk, str_255, utc_now, utc_updated
from subscribers.models import Partner


class KitPiece(Base):
    """A campaign's kit pieces in one language: the inputs of every kit built in that language."""

    __tablename__ = "kit_pieces"
    __table_args__ = (UniqueConstraint("campaign_id", "locale", name="uq_kit_pieces_campaign_locale"),)

    id: Mapped[int_pk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    subject_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    preheader: Mapped[str] = mapped_column(String(200), default="")
    short_copy: Mapped[str] = mapped_column(Text, default="")
    medium_copy: Mapped[str] = mapped_column(Text, default="")
    long_copy: Mapped[str] = mapped_column(Text, default="")
    social_posts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # network -> post
    image_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # MediaAsset ids, in kit order
    cta_label: Mapped[str] = mapped_column(String(80), default="")
    cta_url: Mapped[str] = mapped_column(String(500), default="")
    flyer_title: Mapped[str] = mapped_column(String(120), default="")
    flyer_text: Mapped[str] = mapped_column(Text, default="")
    bullets: Mapped[list[str]] = mapped_column(JSON, default=list)  # the flyer's key points, at most 5
    # The picture each piece shows, named on purpose: role (banner, flyer, email) -> MediaAsset id.
    # A role without one gets a plain co-branded header, never a picture chosen for it.
    pictures: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    focal_points: Mapped[dict[str, list[float]]] = mapped_column(JSON, default=dict)  # asset id -> [x, y], 0..1
    updated_at: Mapped[utc_updated]

    campaign: Mapped[Campaign] = relationship()


class KitStatus(enum.StrEnum):
    READY = "ready"
    FAILED = "failed"  # an input a person must fix; `error` says which


class Kit(Base):
    """One campaign x partner x language: the ZIP in storage, addressed by the hash of its inputs."""

    __tablename__ = "kits"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id", "locale", name="uq_kits_campaign_partner_locale"),)

    id: Mapped[int_pk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(5))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[KitStatus] = mapped_column(enum_column(KitStatus, 10))
    error: Mapped[str] = mapped_column(String(1000), default="")  # InvalidField.as_record(), read by from_record
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str_255] = mapped_column(default="")
    filename: Mapped[str_255] = mapped_column(default="")
    built_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    campaign: Mapped[Campaign] = relationship()
    partner: Mapped[Partner] = relationship()
