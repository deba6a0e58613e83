"""What the vendor's programme pages show: the competency matrix and the "needs training" list.

Both start from the partners the user may see (an account manager: the ones they manage or
stand in for), never archived ones, and ask `standing` for the numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from content.competencies import all_competencies
from content.models import Competency
from core.auth.models import User
from subscribers.models import Partner
from subscribers.partners import visible_partners
from subscribers.programme.standing import Standing, standings

MATRIX_PAGE = 50


@dataclass(frozen=True)
class MatrixFilter:
    tier: str = ""
    manager_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class Matrix:
    competencies: list[Competency]
    rows: list[tuple[Partner, list[Standing]]]
    total: int  # partners matching the filter, on every page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // MATRIX_PAGE))


def _partners(user: User, chosen: MatrixFilter) -> Select[tuple[Partner]]:
    statement = visible_partners(user).where(Partner.archived_at.is_(None))
    if chosen.tier:
        statement = statement.where(Partner.tier == chosen.tier)
    if chosen.manager_id is not None:
        statement = statement.where(Partner.account_manager_id == chosen.manager_id)
    return statement


def competency_matrix(session: Session, user: User, chosen: MatrixFilter, day: dt.date) -> Matrix:
    """One page of partners x competencies: held, short by N, certificates ending within 60 days."""
    statement = _partners(user, chosen)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    partners = list(
        session.scalars(
            statement.order_by(Partner.name, Partner.id)
            .limit(MATRIX_PAGE)
            .offset((max(chosen.page, 1) - 1) * MATRIX_PAGE)
        )
    )
    competencies = all_competencies(session)
    cells = standings(session, partners, competencies, day)
    return Matrix(competencies, [(partner, cells[partner.id]) for partner in partners], int(total))


@dataclass(frozen=True)
class TrainingNeed:
    partner: Partner
    standing: Standing


@dataclass(frozen=True)
class ManagerNeeds:
    """One account manager's partners that are short of a competency, or will be when certificates end."""

    manager: User | None  # None: partners nobody manages (distributor teams)
    needs: list[TrainingNeed]


def needs_training(session: Session, user: User, day: dt.date, *, manager_id: int | None = None) -> list[ManagerNeeds]:
    """Per account manager, the partners short now or at risk within 60 days, worst first."""
    partners = list(session.scalars(_partners(user, MatrixFilter(manager_id=manager_id)).order_by(Partner.name)))
    competencies = all_competencies(session)
    cells = standings(session, partners, competencies, day)
    grouped: dict[int | None, list[TrainingNeed]] = {}
    for partner in partners:
        for standing in cells[partner.id]:
            if not standing.held or standing.at_risk:
                grouped.setdefault(partner.account_manager_id, []).append(TrainingNeed(partner, standing))
    managers = {person.id: person for person in session.scalars(select(User).where(User.id.in_(list(grouped))))}
    result = [
        ManagerNeeds(
            managers.get(manager_id) if manager_id is not None else None,
            sorted(
                needs, key=lambda need: (-need.standing.short_by, need.partner.name, need.standing.competency.position)
            ),
        )
        for manager_id, needs in grouped.items()
    ]
    return sorted(result, key=lambda group: (group.manager is None, group.manager.name if group.manager else ""))
