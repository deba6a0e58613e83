"""Tier badges: the picture a tier's partners put in their own promotion, one per tier (and
optionally one per language), uploaded by admins through the media service.

A badge must be a still PNG (no SVG, no animation) within the media service's size limits; a
refused file saves nothing. Kits read the badge of the partner's tier in force (`Partner.tier`):
the badge for the kit's language when there is one, else the tier's badge for every language.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from content.media import MediaError, MediaLimits, Upload, store_upload
from core.audit import record
from core.auth.models import User
from core.config import LOCALES
from core.storage import Storage
from subscribers.models import TierBadge


@dataclass
class BadgeInvalid(ValueError):
    """A badge we refuse: the form field and what to do."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def tier_badges(session: Session) -> list[TierBadge]:
    return list(
        session.scalars(
            select(TierBadge).options(selectinload(TierBadge.asset)).order_by(TierBadge.tier, TierBadge.locale)
        )
    )


def badge_for(session: Session, tier: str, locale: str) -> TierBadge | None:
    """The badge of `tier` for a kit in `locale`: that language's own, else the one for every language."""
    found = {
        badge.locale: badge
        for badge in session.scalars(
            select(TierBadge).where(TierBadge.tier == tier, TierBadge.locale.in_([locale, ""]))
        )
    }
    return found.get(locale) or found.get("")


def save_tier_badge(
    session: Session,
    storage: Storage,
    file: Upload,
    *,
    tier: str,
    locale: str,
    tiers: tuple[str, ...],
    uploaded_by: User | None,
    limits: MediaLimits,
) -> TierBadge:
    """Store the badge of `tier` (for `locale`, or "" for every language), replacing the one before."""
    if tier not in tiers:
        raise BadgeInvalid("tier", _("Choose one of the tiers: %(tiers)s.", tiers=", ".join(tiers)))
    if locale and locale not in LOCALES:
        raise BadgeInvalid("locale", _("Choose a language from the list."))
    try:
        asset = store_upload(
            session, storage, file, uploaded_by=uploaded_by, limits=limits, formats=("PNG",), still_only=True
        )
    except MediaError as error:
        raise BadgeInvalid("file", str(error)) from None
    badge = session.scalar(select(TierBadge).where(TierBadge.tier == tier, TierBadge.locale == locale))
    if badge is None:
        badge = TierBadge(tier=tier, locale=locale)
        session.add(badge)
    badge.asset, badge.uploaded_by = asset, uploaded_by
    session.flush()
    _record(session, "tier_badge.uploaded", badge, detail=f"{asset.width}x{asset.height} PNG")
    return badge


def remove_tier_badge(session: Session, badge: TierBadge) -> None:
    _record(session, "tier_badge.removed", badge)
    session.delete(badge)
    session.flush()


def _record(session: Session, action: str, badge: TierBadge, *, detail: str = "") -> None:
    label = f"{badge.tier} badge" + (f" ({badge.locale})" if badge.locale else "")
    record(session, action, object_type="tier_badge", object_id=badge.id, object_label=label, detail=detail)
