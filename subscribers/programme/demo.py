"""Demo data for the programme: a competency per leading interest area, what each tier needs, and
certified people at most partners (some certificates ending soon, some expired)."""

from __future__ import annotations

import datetime as dt
import random

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Competency, InterestArea
from core.config import DEFAULT_TIERS
from core.db import utc_now
from subscribers.models import Contact, Partner
from subscribers.programme.models import Certification, CompetencyRequirement

COMPETENCIES = 5  # the first active interest areas become competencies
PEOPLE_BY_TIER_RANK = (1, 1, 2, 3)  # lowest tier first; higher tiers need more certified people


def _competencies(session: Session) -> list[Competency]:
    areas = session.scalars(
        select(InterestArea).where(InterestArea.is_active.is_(True)).order_by(InterestArea.position).limit(COMPETENCIES)
    )
    competencies = [
        Competency(slug=area.slug, names=dict(area.names), position=area.position, interest_areas=[area])
        for area in areas
    ]
    session.add_all(competencies)
    session.flush()
    return competencies


def _certify(session: Session, rng: random.Random, contacts: list[Contact], competency: Competency) -> int:
    today = utc_now().date()
    made = 0
    for contact in rng.sample(contacts, k=min(len(contacts), rng.choice((0, 1, 1, 2, 3)))):
        earned = today - dt.timedelta(days=rng.randrange(30, 700))
        expires = earned + dt.timedelta(days=rng.choice((365, 730, 730)))
        name = f"{competency.name()} {rng.choice(('Specialist', 'Expert', 'Professional'))}"
        session.add(Certification(contact=contact, competency=competency, name=name, earned_on=earned,
                                  expires_on=expires))  # fmt: skip
        made += 1
    return made


def demo_programme(session: Session, rng: random.Random) -> str:
    if session.scalar(select(func.count()).select_from(Competency)):
        return "competencies already there"
    competencies = _competencies(session)
    tiers = current_app.config["CHANNELCAST"].partner_tiers if has_app_context() else DEFAULT_TIERS
    for rank, tier in enumerate(tiers):
        people = PEOPLE_BY_TIER_RANK[min(rank, len(PEOPLE_BY_TIER_RANK) - 1)]
        session.add_all(CompetencyRequirement(tier=tier, competency_id=c.id, people=people) for c in competencies)
    certified = 0
    for partner in session.scalars(select(Partner).order_by(Partner.id)):
        contacts = list(partner.contacts)
        for competency in competencies:
            certified += _certify(session, rng, contacts, competency)
    session.flush()
    return f"{len(competencies)} competencies and {certified} certifications created"
