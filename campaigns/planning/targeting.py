"""Who a campaign is for, and how many partner contacts that is."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from campaigns.planning.models import Campaign
from core.db import utc_now
from subscribers.models import Contact, ContactStatus, Partner, PartnerType, contact_interests
from subscribers.programme.standing import holds

PARTNER_TYPES = tuple(kind.value for kind in PartnerType)


@dataclass(frozen=True)
class Reach:
    """Contacts a campaign reaches (those who receive mail), by partner tier and contact language."""

    by_tier_and_locale: dict[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.by_tier_and_locale.values())

    def tiers(self) -> list[tuple[str, int]]:
        totals: Counter[str] = Counter()
        for (tier, _locale), count in self.by_tier_and_locale.items():
            totals[tier] += count
        return sorted(totals.items())

    def locales(self) -> list[tuple[str, int]]:
        totals: Counter[str] = Counter()
        for (_tier, locale), count in self.by_tier_and_locale.items():
            totals[locale] += count
        return sorted(totals.items())


def partner_conditions(campaign: Campaign, day: dt.date | None = None) -> list[ColumnElement[bool]]:
    """The campaign's tier, type and country targeting as conditions on Partner (empty lists: everyone),
    and the competency it requires, held on `day` (default: today, UTC)."""
    conditions: list[ColumnElement[bool]] = []
    if campaign.required_competency_id is not None:
        conditions.append(holds(campaign.required_competency_id, day or utc_now().date()))
    if campaign.target_tiers:
        conditions.append(Partner.tier.in_(campaign.target_tiers))
    if campaign.target_partner_types:
        conditions.append(Partner.type.in_(campaign.target_partner_types))
    if campaign.target_countries:
        conditions.append(Partner.country.in_(campaign.target_countries))
    return conditions


def campaign_reach(session: Session, campaign: Campaign) -> Reach:
    """One grouped count query; an empty targeting list means everyone on that dimension.

    Archived partners' contacts get no mail, so they are not counted."""
    query = (
        select(Partner.tier, Contact.locale, func.count(Contact.id))
        .join(Partner, Contact.partner_id == Partner.id)
        .where(Contact.status.in_([ContactStatus.ACTIVE, ContactStatus.PAUSED]), Partner.archived_at.is_(None))
        .group_by(Partner.tier, Contact.locale)
    )
    query = query.where(*partner_conditions(campaign))
    if campaign.target_locales:
        query = query.where(Contact.locale.in_(campaign.target_locales))
    if campaign.interest_areas:
        area_ids = [area.id for area in campaign.interest_areas]
        query = query.where(
            exists().where(
                contact_interests.c.contact_id == Contact.id, contact_interests.c.interest_area_id.in_(area_ids)
            )
        )
    return Reach({(tier, locale): count for tier, locale, count in session.execute(query)})
