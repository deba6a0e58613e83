"""Partners: who looks after them, and the list vendor staff filter."""

from __future__ import annotations

from dataclasses import dataclass

from babel.core import get_global
from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session, selectinload

from core.auth.models import Role, User
from subscribers.engagement import SILENT_BELOW, Band, PartnerScore
from subscribers.models import Contact, Partner, PartnerType

PAGE_SIZE = 50


@dataclass(frozen=True)
class ContactPerson:
    """The named human a partner talks to: its account manager, or the distributor's channel team."""

    name: str
    email: str
    phone: str
    kind: str  # "account manager", "stand-in" (for a deactivated account manager) or "distributor team"

    @property
    def kind_label(self) -> str:
        """What the person is to the partner, in the reader's language."""
        labels = {
            "account manager": gettext("your account manager"),
            "stand-in": gettext("standing in for your account manager"),
            "distributor team": gettext("your distributor's channel team"),
        }
        return str(labels[self.kind])


def contact_person(partner: Partner) -> ContactPerson | None:
    """The account manager; while they are deactivated, their stand-in; else the distributor team."""
    for manager, kind in ((partner.account_manager, "account manager"), (partner.backup_manager, "stand-in")):
        if manager is not None and manager.is_active and partner.account_manager is not None:
            return ContactPerson(manager.name, manager.email, manager.phone, kind)
    team = partner.distributor_team
    if team is not None:
        return ContactPerson(team.name, team.email, team.phone, "distributor team")
    return None


def sees_every_partner(user: User) -> bool:
    return user.role is not Role.ACCOUNT_MANAGER


def may_see_partner(partner: Partner, user: User | None) -> bool:
    """Account managers see the partners they manage or stand in for; every other role sees all."""
    if user is None:
        return False
    return sees_every_partner(user) or user.id in (partner.account_manager_id, partner.backup_manager_id)


def may_change_partner(partner: Partner, user: User | None) -> bool:
    """Admins and marketers change every partner; account managers the ones they manage or stand in for."""
    if user is None or user.role is Role.VIEWER:
        return False
    return user.role is not Role.ACCOUNT_MANAGER or user.id in (partner.account_manager_id, partner.backup_manager_id)


def may_change_partners(user: User | None) -> bool:
    """Whether `user` may change any partner at all (the list's bulk actions, the edit buttons)."""
    return user is not None and user.role is not Role.VIEWER


def visible_partners(user: User) -> Select[tuple[Partner]]:
    statement = select(Partner)
    if not sees_every_partner(user):
        statement = statement.where(or_(Partner.account_manager_id == user.id, Partner.backup_manager_id == user.id))
    return statement


SHOW_ACTIVE, SHOW_ARCHIVED, SHOW_ALL = "active", "archived", "all"
SORT_NAME, SORT_ENGAGEMENT = "name", "engagement"


def _engagement_band(band: str, cooling_percent: int) -> ColumnElement[bool] | None:
    """The SQL for a band (see subscribers.engagement): scores as the last roll-up run carried them."""
    score, baseline = func.coalesce(PartnerScore.score, 0.0), func.coalesce(PartnerScore.baseline, 0.0)
    cooling = and_(baseline >= SILENT_BELOW, score < baseline * (1 - cooling_percent / 100))
    if band == Band.SILENT:
        return score < SILENT_BELOW
    if band == Band.COOLING:
        return and_(score >= SILENT_BELOW, cooling)
    if band == Band.ENGAGED:
        return and_(score >= SILENT_BELOW, not_(cooling))
    return None


@dataclass(frozen=True)
class PartnerFilter:
    tier: str = ""
    type: str = ""
    country: str = ""
    manager_id: int | None = None
    team_id: int | None = None
    show: str = SHOW_ACTIVE  # archived partners stay out of the list unless asked for
    page: int = 1
    engagement: str = ""  # a Band value: engaged, cooling or silent
    sort: str = SORT_NAME  # or SORT_ENGAGEMENT: most engaged first


def partner_page(
    session: Session, user: User, chosen: PartnerFilter, *, cooling_percent: int = 30
) -> tuple[list[tuple[Partner, int, PartnerScore | None]], int]:
    """One page of the partners `user` may see, with their contact counts and scores, and the total."""
    statement = visible_partners(user).outerjoin(PartnerScore, PartnerScore.partner_id == Partner.id)
    band = _engagement_band(chosen.engagement, cooling_percent)
    if band is not None:
        statement = statement.where(band)
    if chosen.tier:
        statement = statement.where(Partner.tier == chosen.tier)
    if chosen.type in {t.value for t in PartnerType}:
        statement = statement.where(Partner.type == PartnerType(chosen.type))
    if chosen.country:
        statement = statement.where(Partner.country == chosen.country.upper())
    if chosen.manager_id is not None:
        statement = statement.where(Partner.account_manager_id == chosen.manager_id)
    if chosen.team_id is not None:
        statement = statement.where(Partner.distributor_team_id == chosen.team_id)
    if chosen.show == SHOW_ARCHIVED:
        statement = statement.where(Partner.archived_at.is_not(None))
    elif chosen.show != SHOW_ALL:
        statement = statement.where(Partner.archived_at.is_(None))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    order = (Partner.name, Partner.id)
    if chosen.sort == SORT_ENGAGEMENT:
        order = (func.coalesce(PartnerScore.score, 0.0).desc(), Partner.name, Partner.id)  # type: ignore[assignment]
    page = session.scalars(
        statement.options(selectinload(Partner.account_manager))  # the contact person column, in one query
        .order_by(*order)
        .limit(PAGE_SIZE)
        .offset((max(chosen.page, 1) - 1) * PAGE_SIZE)
    ).all()
    # Contacts counted for this page's partners only (through the partner_id index), not for all of them.
    counted = session.execute(
        select(Contact.partner_id, func.count())
        .where(Contact.partner_id.in_([partner.id for partner in page]))
        .group_by(Contact.partner_id)
    )
    counts = {partner_id: int(count) for partner_id, count in counted}
    ids = [partner.id for partner in page]
    scores = {s.partner_id: s for s in session.scalars(select(PartnerScore).where(PartnerScore.partner_id.in_(ids)))}
    return [(partner, counts.get(partner.id, 0), scores.get(partner.id)) for partner in page], int(total)


def partner_countries(session: Session) -> list[str]:
    return list(session.scalars(select(Partner.country).distinct().order_by(Partner.country)))


def account_managers(session: Session, *, active_only: bool = False) -> list[User]:
    """The users who may look after partners (the form offers the active ones, the filter all)."""
    statement = select(User).where(User.role == Role.ACCOUNT_MANAGER).order_by(User.name)
    if active_only:
        statement = statement.where(User.is_active.is_(True))
    return list(session.scalars(statement))


def partner_timezone(partner: Partner) -> str:
    """The partner's time zone: their country's main one (CLDR, through Babel), else UTC."""
    zones = get_global("territory_zones")
    found: list[str] = zones.get(partner.country.upper()) or ["UTC"]
    return found[0]
