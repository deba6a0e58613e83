"""The subscribers slice's tables."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, SmallInteger, String, Table, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.models import InterestArea, MediaAsset
from core.api.models import ApiToken as ApiToken  # the consent log's API actor (its table must be known)
from core.auth.models import User
from core.db import Base, enum_column, int_pk, str_255, utc_created, utc_updated
from subscribers.schedule import Frequency


class SuppressionReason(enum.StrEnum):
    """Why an address must never be mailed; later reasons in this list are stronger."""

    MANUAL = "manual"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    ERASED = "erased"

    @property
    def strength(self) -> int:
        return list(SuppressionReason).index(self)


class Suppression(Base):
    """An address that must never be mailed. Keyed by a hash so it outlives erasure of the address."""

    __tablename__ = "suppressions"

    id: Mapped[int_pk]
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str_255 | None]  # None once the person's data is erased
    reason: Mapped[SuppressionReason] = mapped_column(enum_column(SuppressionReason, 20))
    source: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str_255] = mapped_column(default="")
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]


class SoftBounce(Base):
    """A temporary delivery failure to an address (mailbox full, server down for days).

    One is nothing; several within 30 days mean the address is dead in practice, and it is
    then stopped like a hard bounce (`record_soft_bounce`). Keyed by the address's hash, like the
    suppression list.
    """

    __tablename__ = "soft_bounces"

    id: Mapped[int_pk]
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[utc_created]
    source: Mapped[str] = mapped_column(String(50))


class PartnerType(enum.StrEnum):
    SOLUTION = "solution"
    SALES = "sales"
    SERVICE = "service"
    INFLUENCER = "influencer"


class ContactStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"

    @property
    def receives_mail(self) -> bool:
        return self in (ContactStatus.ACTIVE, ContactStatus.PAUSED)


class ConsentSource(enum.StrEnum):
    FORM = "form"
    IMPORT = "import"
    API = "api"
    ADMIN = "admin"
    PROVIDER = "provider"  # the mail provider reported a bounce or complaint


# The fields the kit issue renders; changing any of them changes Partner.brand_version.
BRAND_FIELDS = (
    "logo_path",
    "brand_primary_color",
    "brand_accent_color",
    "brand_website",
    "brand_phone",
    "brand_email",
    "brand_postal_address",
    "brand_tagline",
    "brand_contact_name",
)


def brand_version_of(values: Mapping[str, object]) -> str:
    """The hash of a partner's brand fields: equal brands, equal hashes; any change, a new one."""
    canonical = json.dumps({name: values.get(name) or "" for name in BRAND_FIELDS}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class DistributorTeam(Base):
    """A distributor's channel team: the named contact of the small partners it looks after."""

    __tablename__ = "distributor_teams"

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str_255] = mapped_column(default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO 3166-1 alpha-2 codes it serves
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    def __repr__(self) -> str:
        return f"<DistributorTeam {self.name}>"


class Partner(Base):
    """A company that resells the vendor's products, with its brand and its named contact person."""

    __tablename__ = "partners"
    # The same company name may exist in two countries (two subsidiaries), never twice in one.
    __table_args__ = (UniqueConstraint("name", "country"),)

    id: Mapped[int_pk]
    name: Mapped[str] = mapped_column(String(200))
    # The partner's id in the vendor's CRM or PRM: what an integration upserts by (None: not synced).
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    tier: Mapped[str] = mapped_column(String(30))  # one of settings.partner_tiers
    type: Mapped[PartnerType] = mapped_column(enum_column(PartnerType, 20))
    subcategory: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    default_locale: Mapped[str] = mapped_column(String(5), default="en")
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Stands in for the account manager (holidays): sees the partner too.
    backup_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Small partners are looked after by a distributor's channel team instead of an account manager.
    distributor_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("distributor_teams.id", ondelete="SET NULL"), index=True
    )
    # Archived partners get no newsletters and no kits, and their portal users cannot sign in.
    archived_at: Mapped[dt.datetime | None]
    logo_path: Mapped[str_255] = mapped_column(default="")
    brand_primary_color: Mapped[str] = mapped_column(String(7), default="")
    brand_accent_color: Mapped[str] = mapped_column(String(7), default="")
    brand_website: Mapped[str_255] = mapped_column(default="")
    brand_phone: Mapped[str] = mapped_column(String(50), default="")
    brand_email: Mapped[str_255] = mapped_column(default="")
    brand_postal_address: Mapped[str] = mapped_column(String(500), default="")
    brand_tagline: Mapped[str] = mapped_column(String(200), default="")
    # The person the partner's own customers ask for: named in the kit's flyer and email.
    brand_contact_name: Mapped[str] = mapped_column(String(200), default="")
    brand_version: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    account_manager: Mapped[User | None] = relationship(foreign_keys=[account_manager_id])
    backup_manager: Mapped[User | None] = relationship(foreign_keys=[backup_manager_id])
    distributor_team: Mapped[DistributorTeam | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="partner", order_by="Contact.email")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def refresh_brand_version(self) -> None:
        self.brand_version = brand_version_of({name: getattr(self, name) for name in BRAND_FIELDS})

    def __repr__(self) -> str:
        return f"<Partner {self.name}>"


@event.listens_for(Partner, "before_insert")
@event.listens_for(Partner, "before_update")
def _partner_brand_version(_mapper: object, _connection: object, partner: Partner) -> None:
    partner.refresh_brand_version()


contact_interests = Table(
    "contact_interests",
    Base.metadata,
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("interest_area_id", ForeignKey("interest_areas.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Contact(Base):
    """A person at a partner who receives the newsletter, on their own terms."""

    __tablename__ = "contacts"

    id: Mapped[int_pk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    email: Mapped[str_255] = mapped_column(unique=True)  # normalised
    # The person's id in the vendor's CRM: an integration upserts by it or by the address.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    job_role: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    status: Mapped[ContactStatus] = mapped_column(enum_column(ContactStatus, 20), default=ContactStatus.ACTIVE)
    paused_until: Mapped[dt.date | None] = mapped_column(Date)  # newsletters resume on this day
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, 20), default=Frequency.MONTHLY)
    preferred_weekday: Mapped[int] = mapped_column(SmallInteger, default=1)  # 0 = Monday
    preferred_hour: Mapped[int] = mapped_column(SmallInteger, default=9)
    # Bumped to revoke every preference and unsubscribe link sent so far.
    link_version: Mapped[int] = mapped_column(default=1)
    last_digest_period: Mapped[str | None] = mapped_column(String(10))
    # The last newsletter they were sent: when, and what put each of its items there.
    last_newsletter_at: Mapped[dt.datetime | None]
    last_newsletter_reasons_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsletter_reasons.id", ondelete="SET NULL")
    )
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    partner: Mapped[Partner] = relationship(back_populates="contacts")
    last_newsletter_reasons: Mapped[NewsletterReasons | None] = relationship()
    interests: Mapped[list[InterestArea]] = relationship(secondary=contact_interests, order_by=InterestArea.position)
    consent_records: Mapped[list[ConsentRecord]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True, order_by="ConsentRecord.id"
    )

    def __repr__(self) -> str:
        return f"<Contact {self.email}>"


class ConsentRecord(Base):
    """One entry of a contact's consent log: what changed, when, how, and from where."""

    __tablename__ = "consent_records"

    id: Mapped[int_pk]
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(50))  # subscribed, preferences, paused, unsubscribed, ...
    source: Mapped[ConsentSource] = mapped_column(enum_column(ConsentSource, 20))
    detail: Mapped[str] = mapped_column(String(1000), default="")
    ip: Mapped[str | None] = mapped_column(String(45))  # for changes made on the web
    # The vendor user who made the change (source `admin`); None for the contact, an import or a provider.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The API token that made the change (source `api`).
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="SET NULL"))
    created_at: Mapped[utc_created]

    contact: Mapped[Contact] = relationship(back_populates="consent_records")
    actor_user: Mapped[User | None] = relationship()
    api_token: Mapped[ApiToken | None] = relationship()


class PartnerUser(Base):
    """A partner marketer: signs in to the partner portal with a magic link, never a password.

    Not a vendor `User`: the two live in separate tables and separate session keys, so neither
    can become the other. `link_version` is bumped when a sign-in link is used (single use).
    """

    __tablename__ = "partner_users"

    id: Mapped[int_pk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    email: Mapped[str_255] = mapped_column(unique=True)  # normalised
    name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(5), default="en")
    link_version: Mapped[int] = mapped_column(default=1)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[dt.datetime | None]
    created_at: Mapped[utc_created]

    partner: Mapped[Partner] = relationship()

    def __repr__(self) -> str:
        return f"<PartnerUser {self.email}>"


class NewsletterReasons(Base):
    """Why a newsletter held what it did: per item, the reader's topics and the campaign that put it there.

    Written by the newsletter run (which knows campaigns) through `subscribers.reasons`, read by the
    preference page (which must not). Stored once per distinct answer: every reader with the same
    topics, tier, language and campaigns shares one row; a contact points at the row of their last one.
    """

    __tablename__ = "newsletter_reasons"

    id: Mapped[int_pk]
    key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of `items`
    # [{"item_id": 3, "title": "...", "area_ids": [1, 2], "campaign": "Spring storage push"}, ...] in order
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[utc_created]


class TierBadge(Base):
    """The badge a tier's partners show in their own promotion (a still PNG from the media service).

    `locale` "" is the badge for every language; a badge for one language replaces it in kits of that language.
    """

    __tablename__ = "tier_badges"
    __table_args__ = (UniqueConstraint("tier", "locale"),)

    id: Mapped[int_pk]
    tier: Mapped[str] = mapped_column(String(30))
    locale: Mapped[str] = mapped_column(String(5), default="")
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[utc_created]
    updated_at: Mapped[utc_updated]

    asset: Mapped[MediaAsset] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<TierBadge {self.tier} {self.locale or '*'}>"
