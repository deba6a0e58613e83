"""The content library's tables."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString
from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.languages import first_available, reading_order
from core.auth.models import User
from core.db import Base, enum_column, int_pk, str_255, utc_created, utc_updated

TITLE_MAX = 200


class InterestArea(Base):
    """One of the vendor's competencies (storage, cloud, ...) that contacts follow and content is tagged with.

    Retiring an area (`is_active = False`) keeps it for history but removes it from preference
    forms and from selection.
    """

    __tablename__ = "interest_areas"

    id: Mapped[int_pk]
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    # Per locale: {"en": "Storage", "nl": "Opslag", ...}; "en" is always present.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[utc_created]
    retired_at: Mapped[dt.datetime | None]

    def name(self, locale: str = "en") -> str:
        return self.names.get(locale) or self.names.get("en") or self.slug

    def description(self, locale: str = "en") -> str:
        return self.descriptions.get(locale) or self.descriptions.get("en") or ""

    def __repr__(self) -> str:
        return f"<InterestArea {self.slug}>"


competency_areas = Table(
    "competency_areas",
    Base.metadata,
    Column("competency_id", ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("interest_areas.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Competency(Base):
    """A skill the vendor certifies partners in (storage, cloud, security, ...).

    Partners hold a competency while enough of their people are certified in it
    (`subscribers.programme`); content items, campaigns and their kits may require one. Each may
    be tied to the interest areas it covers.
    """

    __tablename__ = "competencies"

    id: Mapped[int_pk]
    slug: Mapped[str] = mapped_column(String(50), unique=True)  # what CSV imports name it by
    # Per locale: {"en": "Storage", "nl": "Opslag", ...}; "en" is always present.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    interest_areas: Mapped[list[InterestArea]] = relationship(
        secondary=competency_areas, order_by=lambda: (InterestArea.position, InterestArea.id)
    )

    def name(self, locale: str = "en") -> str:
        return self.names.get(locale) or self.names.get("en") or self.slug

    def __repr__(self) -> str:
        return f"<Competency {self.slug}>"


class ContentKind(enum.StrEnum):
    ARTICLE = "article"
    ANNOUNCEMENT = "announcement"
    EVENT = "event"
    TRAINING = "training"
    OFFER = "offer"

    @property
    def label(self) -> str:
        """The kind's name in the current language (an email card's is rendered in the reader's)."""
        return str(_KIND_LABELS[self])

    @property
    def lazy_label(self) -> LazyString:
        """The name, translated when shown: for choices built once at import."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    ContentKind.ARTICLE: lazy_gettext("Article"),
    ContentKind.ANNOUNCEMENT: lazy_gettext("Announcement"),
    ContentKind.EVENT: lazy_gettext("Event"),
    ContentKind.TRAINING: lazy_gettext("Training"),
    ContentKind.OFFER: lazy_gettext("Offer"),
}


class ContentStatus(enum.StrEnum):
    """Where an item is in the workflow; `content.workflow.ALLOWED_MOVES` says where it may go next."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The English name, as the audit trail records it."""
        return self.value.replace("_", " ").capitalize()

    @property
    def display_name(self) -> str:
        """The name on a page, in the reader's language."""
        return str(_STATUS_NAMES[self])

    @property
    def lazy_name(self) -> LazyString:
        """The name, translated when shown: for choices built once at import."""
        return _STATUS_NAMES[self]


_STATUS_NAMES = {
    ContentStatus.DRAFT: lazy_gettext("Draft"),
    ContentStatus.IN_REVIEW: lazy_gettext("In review"),
    ContentStatus.APPROVED: lazy_gettext("Approved"),
    ContentStatus.PUBLISHED: lazy_gettext("Published"),
    ContentStatus.ARCHIVED: lazy_gettext("Archived"),
}

# Partners may see an item while it is approved or published, from publish_at until expires_at.
VISIBLE_STATUSES = (ContentStatus.APPROVED, ContentStatus.PUBLISHED)

content_item_areas = Table(
    "content_item_areas",
    Base.metadata,
    Column("item_id", ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("interest_areas.id"), primary_key=True),
    # Selection starts from the areas a contact follows.
    Index("ix_content_item_areas_area_id_item_id", "area_id", "item_id"),
)


class MediaAsset(Base):
    """An uploaded image after re-encoding; the file lives in storage under its sha256."""

    __tablename__ = "media_assets"

    id: Mapped[int_pk]
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    format: Mapped[str] = mapped_column(String(10))  # of the stored master: "png" or "jpeg"
    bytes: Mapped[int]
    # For display only: files are stored and served by their hash, never by this name.
    original_filename: Mapped[str_255] = mapped_column(default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[utc_created]

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<MediaAsset {self.sha256[:12]} {self.width}x{self.height}>"


class ContentItem(Base):
    """A piece of partner news: what it is, who may see it, when, and its texts per language."""

    __tablename__ = "content_items"
    __table_args__ = (
        # Selection walks items in rank order (this index, backwards) and stops at its limit,
        # instead of sorting every visible item.
        Index("ix_content_items_rank", "priority", "publish_at", "id"),
    )

    id: Mapped[int_pk]
    kind: Mapped[ContentKind] = mapped_column(enum_column(ContentKind, 20), default=ContentKind.ARTICLE)
    status: Mapped[ContentStatus] = mapped_column(enum_column(ContentStatus, 20), default=ContentStatus.DRAFT)
    default_locale: Mapped[str] = mapped_column(String(5), default="en")
    publish_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    priority: Mapped[int] = mapped_column(default=50)
    # The button's link; its label (and optionally another link) belong to each language version.
    cta_url: Mapped[str] = mapped_column(String(2000), default="")
    hero_image_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id"))
    # When an event or training takes place (UTC); the portal shows it in the partner's time zone.
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    # Only partners holding this competency may see the item (None: every partner).
    required_competency_id: Mapped[int | None] = mapped_column(ForeignKey("competencies.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    interest_areas: Mapped[list[InterestArea]] = relationship(
        secondary=content_item_areas, order_by=lambda: (InterestArea.position, InterestArea.id)
    )
    tier_rows: Mapped[list[ContentItemTier]] = relationship(cascade="all, delete-orphan")
    variants: Mapped[list[ContentVariant]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by=lambda: ContentVariant.locale
    )
    transitions: Mapped[list[ContentTransition]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by=lambda: ContentTransition.id
    )
    hero_image: Mapped[MediaAsset | None] = relationship()
    required_competency: Mapped[Competency | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def allowed_tiers(self) -> list[str]:
        """Partner tiers that may see the item; empty means every tier."""
        return sorted(row.tier for row in self.tier_rows)

    @allowed_tiers.setter
    def allowed_tiers(self, tiers: list[str]) -> None:
        keep = set(tiers)
        self.tier_rows = [row for row in self.tier_rows if row.tier in keep]
        present = {row.tier for row in self.tier_rows}
        self.tier_rows.extend(ContentItemTier(tier=tier) for tier in sorted(keep - present))

    def variant(self, locale: str) -> ContentVariant | None:
        return next((variant for variant in self.variants if variant.locale == locale), None)

    def variant_for(self, order: Sequence[str]) -> tuple[ContentVariant | None, bool]:
        """The first written language of `order` (see `content.languages.reading_order`), else the
        item's default language; and whether that is a fallback (not the reader's own language)."""
        locale = first_available(reading_order(order[0], order[1:], self.default_locale), self.locales)
        variant = self.variant(locale) if locale else None
        return variant, locale != order[0]

    @property
    def title(self) -> str:
        variant = self.variant(self.default_locale) or (self.variants[0] if self.variants else None)
        return variant.title if variant else f"Item {self.id}"

    @property
    def locales(self) -> list[str]:
        return [variant.locale for variant in self.variants]

    def __repr__(self) -> str:
        return f"<ContentItem {self.id} {self.status.value}>"


class ContentItemTier(Base):
    """One partner tier an item is limited to (no rows: every tier)."""

    __tablename__ = "content_item_tiers"

    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(30), primary_key=True)


class ContentVariant(Base):
    """The item's texts in one language; the body is Markdown, rendered by `content.markdown`."""

    __tablename__ = "content_variants"
    __table_args__ = (UniqueConstraint("item_id", "locale"),)

    id: Mapped[int_pk]
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The button in this language: its label, and a link of its own when this language's page differs.
    cta_label: Mapped[str] = mapped_column(String(80), default="")
    cta_url: Mapped[str] = mapped_column(String(2000), default="")
    updated_at: Mapped[utc_updated]

    item: Mapped[ContentItem] = relationship(back_populates="variants")

    @property
    def button_url(self) -> str:
        """Where this language's button goes: its own link, else the item's."""
        return self.cta_url or self.item.cta_url

    def __repr__(self) -> str:
        return f"<ContentVariant {self.item_id} {self.locale}>"


class ContentTransition(Base):
    """One move through the workflow: who (None: the scheduler) moved the item, when, from where to where."""

    __tablename__ = "content_transitions"

    id: Mapped[int_pk]
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ContentStatus] = mapped_column(enum_column(ContentStatus, 20))
    to_status: Mapped[ContentStatus] = mapped_column(enum_column(ContentStatus, 20))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[utc_created]

    item: Mapped[ContentItem] = relationship(back_populates="transitions")
    by_user: Mapped[User | None] = relationship()

    @property
    def by_name(self) -> str:
        return self.by_user.name if self.by_user else "Scheduler"
