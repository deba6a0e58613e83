"""The programme's tables: certifications, what each tier needs per competency, tier history."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.models import Competency
from core.auth.models import User
from core.db import Base, enum_column, int_pk, utc_created
from subscribers.models import Contact, Partner


class Certification(Base):
    """A person at a partner certified in a competency, from `earned_on` until `expires_on` (if ever)."""

    __tablename__ = "certifications"
    __table_args__ = (
        # Re-importing the same file changes nothing: one row per person, certificate and date earned.
        UniqueConstraint("contact_id", "competency_id", "name", "earned_on"),
        CheckConstraint("expires_on IS NULL OR expires_on >= earned_on", name="dates"),
        Index("ix_certifications_competency_expires", "competency_id", "expires_on"),
    )

    id: Mapped[int_pk]
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))  # the certificate's own name, e.g. "Storage Specialist"
    earned_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[utc_created]

    contact: Mapped[Contact] = relationship()
    competency: Mapped[Competency] = relationship()

    def valid_on(self, day: dt.date) -> bool:
        return self.earned_on <= day and (self.expires_on is None or self.expires_on >= day)

    def __repr__(self) -> str:
        return f"<Certification {self.contact_id} {self.name!r}>"


class CompetencyRequirement(Base):
    """How many certified people a partner of `tier` needs to hold `competency` (no row: one)."""

    __tablename__ = "competency_requirements"

    tier: Mapped[str] = mapped_column(String(30), primary_key=True)  # one of settings.partner_tiers
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)
    people: Mapped[int]

    competency: Mapped[Competency] = relationship()


class TierChangeStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # a downgrade waiting for its date
    APPLIED = "applied"
    CANCELLED = "cancelled"  # an upgrade (or keeping the tier) during the notice period


class TierChange(Base):
    """One change of a partner's tier: from, to, why, from when, and whether it is in force yet."""

    __tablename__ = "tier_changes"
    __table_args__ = (Index("ix_tier_changes_status_effective_on", "status", "effective_on"),)

    id: Mapped[int_pk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    from_tier: Mapped[str] = mapped_column(String(30))
    to_tier: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(500), default="")
    effective_on: Mapped[dt.date] = mapped_column(Date)  # a UTC day
    status: Mapped[TierChangeStatus] = mapped_column(enum_column(TierChangeStatus, 20))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[utc_created]
    applied_at: Mapped[dt.datetime | None]

    partner: Mapped[Partner] = relationship()
    requested_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<TierChange {self.partner_id} {self.from_tier}->{self.to_tier} {self.status.value}>"
