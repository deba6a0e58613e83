"""Which competencies partners hold: certified people counted against the tier's requirement.

A certification counts on a day from `earned_on` to `expires_on` (inclusive; none: for good).
A partner holds a competency while its certified people (counted once each, however many
certificates they have in it) reach what its tier needs: the requirements table, or one person
where the table has no row. The matrix, the "needs training" list, the partner page, the portal
panel and the reader rule (through `held_competencies`) all ask these functions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from content.competencies import all_competencies
from content.models import Competency
from subscribers.models import Contact, Partner
from subscribers.programme.models import Certification, CompetencyRequirement, TierChange
from subscribers.programme.tiers import pending_downgrade, tier_history

DEFAULT_PEOPLE = 1  # a tier the requirements table says nothing about needs one certified person
EXPIRY_WARNING_DAYS = 60  # the matrix and the "needs training" list warn this far ahead


def counts_on(day: dt.date) -> ColumnElement[bool]:
    """The certification is valid on `day` (earned, not expired)."""
    return and_(
        Certification.earned_on <= day, or_(Certification.expires_on.is_(None), Certification.expires_on >= day)
    )


def requirements(session: Session) -> dict[str, dict[int, int]]:
    """tier -> competency id -> certified people needed (only the table's rows)."""
    found: dict[str, dict[int, int]] = defaultdict(dict)
    for row in session.scalars(select(CompetencyRequirement)):
        found[row.tier][row.competency_id] = row.people
    return dict(found)


def needed(table: dict[str, dict[int, int]], tier: str, competency_id: int) -> int:
    return table.get(tier, {}).get(competency_id, DEFAULT_PEOPLE)


def certified_people(session: Session, partner_ids: Iterable[int] | None, day: dt.date) -> dict[tuple[int, int], int]:
    """(partner id, competency id) -> people certified on `day`; every partner when ids is None."""
    statement = (
        select(Contact.partner_id, Certification.competency_id, func.count(distinct(Certification.contact_id)))
        .join(Contact, Contact.id == Certification.contact_id)
        .where(counts_on(day))
        .group_by(Contact.partner_id, Certification.competency_id)
    )
    if partner_ids is not None:
        statement = statement.where(Contact.partner_id.in_(sorted(set(partner_ids))))
    return {(partner_id, competency_id): int(count) for partner_id, competency_id, count in session.execute(statement)}


def held_competencies(session: Session, partners: Sequence[tuple[int, str]], day: dt.date) -> dict[int, frozenset[int]]:
    """partner id -> the competencies it holds on `day`, for (partner id, tier) pairs."""
    if not partners:
        return {}
    table = requirements(session)
    counts = certified_people(session, [partner_id for partner_id, _tier in partners], day)
    tiers = dict(partners)
    held: dict[int, set[int]] = {partner_id: set() for partner_id, _tier in partners}
    for (partner_id, competency_id), people in counts.items():
        if people >= needed(table, tiers[partner_id], competency_id):
            held[partner_id].add(competency_id)
    return {partner_id: frozenset(ids) for partner_id, ids in held.items()}


def partner_competencies(session: Session, partner: Partner, day: dt.date) -> frozenset[int]:
    """The competencies one partner holds on `day` (what its readers' scope carries)."""
    return held_competencies(session, [(partner.id, partner.tier)], day)[partner.id]


@dataclass(frozen=True)
class Standing:
    """A partner against one competency on one day."""

    competency: Competency
    certified: int  # people certified today
    needed: int
    expiring: int  # of those, people whose every certificate in it ends within the warning window
    expires_first: dt.date | None  # the first such end date

    @property
    def held(self) -> bool:
        return self.certified >= self.needed

    @property
    def short_by(self) -> int:
        return max(self.needed - self.certified, 0)

    @property
    def at_risk(self) -> bool:
        """Held now, lost when the certificates ending within the window end."""
        return self.held and self.certified - self.expiring < self.needed


def _expiring(
    session: Session, partner_ids: Sequence[int], day: dt.date
) -> dict[tuple[int, int], tuple[int, dt.date | None]]:
    """(partner, competency) -> people whose last valid certificate ends within the window, and the first end."""
    last_end = func.max(func.coalesce(Certification.expires_on, dt.date.max))
    rows = session.execute(
        select(Contact.partner_id, Certification.competency_id, Certification.contact_id, last_end)
        .join(Contact, Contact.id == Certification.contact_id)
        .where(counts_on(day), Contact.partner_id.in_(list(partner_ids)))
        .group_by(Contact.partner_id, Certification.competency_id, Certification.contact_id)
    )
    horizon = day + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    found: dict[tuple[int, int], tuple[int, dt.date | None]] = {}
    for partner_id, competency_id, _contact_id, ends in rows:
        ends = ends if isinstance(ends, dt.date) else dt.date.fromisoformat(str(ends))
        if ends > horizon:
            continue
        people, first = found.get((partner_id, competency_id), (0, None))
        found[(partner_id, competency_id)] = (people + 1, ends if first is None or ends < first else first)
    return found


def standings(
    session: Session, partners: Sequence[Partner], competencies: Sequence[Competency], day: dt.date
) -> dict[int, list[Standing]]:
    """partner id -> its standing in each competency (in the catalogue's order): the matrix's cells."""
    ids = [partner.id for partner in partners]
    table = requirements(session)
    counts = certified_people(session, ids, day) if ids else {}
    expiring = _expiring(session, ids, day) if ids else {}
    result: dict[int, list[Standing]] = {}
    for partner in partners:
        row = []
        for competency in competencies:
            soon, first = expiring.get((partner.id, competency.id), (0, None))
            row.append(
                Standing(
                    competency=competency,
                    certified=counts.get((partner.id, competency.id), 0),
                    needed=needed(table, partner.tier, competency.id),
                    expiring=soon,
                    expires_first=first,
                )
            )
        result[partner.id] = row
    return result


@dataclass(frozen=True)
class NextTier:
    """What the tier above a partner's asks for, competency by competency (the table's rows)."""

    tier: str
    needs: list[Standing]

    @property
    def short(self) -> list[Standing]:
        return [standing for standing in self.needs if not standing.held]


def next_tier(
    session: Session, partner: Partner, tiers: Sequence[str], competencies: Sequence[Competency], day: dt.date
) -> NextTier | None:
    """None at the top tier (or for a tier no longer configured)."""
    if partner.tier not in tiers or partner.tier == tiers[-1]:
        return None
    above = tiers[tiers.index(partner.tier) + 1]
    table = requirements(session).get(above, {})
    counts = certified_people(session, [partner.id], day)
    needs = [
        Standing(competency, counts.get((partner.id, competency.id), 0), table[competency.id], 0, None)
        for competency in competencies
        if competency.id in table
    ]
    return NextTier(above, needs)


def certified_people_of(session: Session, partner: Partner) -> list[Certification]:
    """Every certification of the partner's people, valid or not, newest first within each person."""
    return list(
        session.scalars(
            select(Certification)
            .join(Contact, Contact.id == Certification.contact_id)
            .where(Contact.partner_id == partner.id)
            .order_by(Contact.name, Contact.email, Certification.earned_on.desc(), Certification.id)
        )
    )


def holds(competency_id: int, day: dt.date) -> ColumnElement[bool]:
    """A condition on Partner: it holds the competency on `day` (the same count as `held_competencies`)."""
    people = (
        select(func.count(distinct(Certification.contact_id)))
        .join(Contact, Contact.id == Certification.contact_id)
        .where(Contact.partner_id == Partner.id, Certification.competency_id == competency_id, counts_on(day))
        .correlate(Partner)
        .scalar_subquery()
    )
    wanted = (
        select(CompetencyRequirement.people)
        .where(CompetencyRequirement.tier == Partner.tier, CompetencyRequirement.competency_id == competency_id)
        .correlate(Partner)
        .scalar_subquery()
    )
    return people >= func.coalesce(wanted, DEFAULT_PEOPLE)


def holds_competency(session: Session, partner: Partner, competency_id: int | None, day: dt.date) -> bool:
    """Whether the partner may have what requires `competency_id` (None: nothing required)."""
    return competency_id is None or competency_id in partner_competencies(session, partner, day)


@dataclass(frozen=True)
class PartnerProgramme:
    """The partner page's programme section: its people's certificates, its competencies, its tiers."""

    certifications: list[Certification]
    standings: list[Standing]
    history: list[TierChange]
    pending: TierChange | None

    @property
    def held(self) -> list[Standing]:
        return [standing for standing in self.standings if standing.held]


def partner_programme(session: Session, partner: Partner, day: dt.date) -> PartnerProgramme:
    return PartnerProgramme(
        certifications=certified_people_of(session, partner),
        standings=standings(session, [partner], all_competencies(session), day)[partner.id],
        history=tier_history(session, partner),
        pending=pending_downgrade(session, partner),
    )


@dataclass(frozen=True)
class PortalStanding:
    """The portal home's programme panel: the tier in force, the competencies held, the next tier's needs."""

    tier: str
    held: list[Competency]
    next: NextTier | None


def portal_standing(session: Session, partner: Partner, tiers: Sequence[str], day: dt.date) -> PortalStanding:
    competencies = all_competencies(session)
    cells = standings(session, [partner], competencies, day)[partner.id]
    held = [standing.competency for standing in cells if standing.held]
    return PortalStanding(partner.tier, held, next_tier(session, partner, tiers, competencies, day))
