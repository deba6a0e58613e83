"""Cooling partners: whose score fell by more than ENGAGEMENT_COOLING_PERCENT over 30 days, shown to
their account manager on the overview and mailed to them weekly (one email per manager and ISO week)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from campaigns.delivery.models import Delivery
from campaigns.engagement.models import PartnerOutreach
from campaigns.engagement.reports import last_outreach
from campaigns.portal.mail import Mail, _enqueue_one
from core.auth import Role, User
from core.config import Settings
from subscribers.engagement import SILENT_BELOW, Band, PartnerScore, band_of, decayed
from subscribers.models import Partner
from subscribers.partners import ContactPerson, contact_person, visible_partners

WEEKLY_CATEGORY = "cooling-partners"
WEEKLY_FOLDER = "cooling_partners"  # templates/email/cooling_partners/{subject.txt, body.html, body.txt}


@dataclass(frozen=True)
class ScoredPartner:
    partner: Partner
    score: float
    baseline: float
    band: Band
    person: ContactPerson | None
    last_outreach: PartnerOutreach | None

    @property
    def fall(self) -> float | None:
        """How much of its score 30 days ago the partner lost (0.4 = 40 %)."""
        return 1 - self.score / self.baseline if self.baseline else None


def _attention_order(cooling_percent: int) -> list[Any]:
    """Cooling first (steepest fall first), then silent, then engaged; as the last roll-up left the scores."""
    score, baseline = func.coalesce(PartnerScore.score, 0.0), func.coalesce(PartnerScore.baseline, 0.0)
    cooling = and_(score >= SILENT_BELOW, baseline >= SILENT_BELOW, score < baseline * (1 - cooling_percent / 100))
    rank = case((cooling, 0), (score < SILENT_BELOW, 1), else_=2)
    fall = case((baseline > 0, 1 - score / baseline), else_=0.0)
    return [rank, fall.desc(), Partner.name, Partner.id]


def scored_partners(
    session: Session, user: User, now: dt.datetime, settings: Settings, *, limit: int | None = None
) -> list[ScoredPartner]:
    """The partners `user` may see, with score and band, those most in need of attention first."""
    chosen = (
        visible_partners(user).outerjoin(PartnerScore, PartnerScore.partner_id == Partner.id)
        .where(Partner.archived_at.is_(None))
        .order_by(*_attention_order(settings.engagement_cooling_percent)).limit(limit)
        .options(
            selectinload(Partner.account_manager),
            selectinload(Partner.backup_manager),
            selectinload(Partner.distributor_team),
        )
    )  # fmt: skip
    partners = session.scalars(chosen).all()
    ids = [p.id for p in partners]
    scores = {s.partner_id: s for s in session.scalars(select(PartnerScore).where(PartnerScore.partner_id.in_(ids)))}
    outreach = last_outreach(session, ids)
    rows = []
    for partner in partners:
        stored = scores.get(partner.id)
        score = decayed(stored.score, stored.as_of, now, settings.engagement_half_life_days) if stored else 0.0
        baseline = stored.baseline if stored else 0.0
        band = band_of(score, baseline, settings.engagement_cooling_percent)
        rows.append(ScoredPartner(partner, score, baseline, band, contact_person(partner), outreach.get(partner.id)))
    return rows


def visible_count(session: Session, user: User) -> int:
    statement = visible_partners(user).where(Partner.archived_at.is_(None))
    return int(session.scalar(select(func.count()).select_from(statement.subquery())) or 0)


def cooling_for(session: Session, manager: User, now: dt.datetime, settings: Settings) -> list[ScoredPartner]:
    """The cooling partners `manager` looks after (as account manager or stand-in)."""
    return [row for row in scored_partners(session, manager, now, settings) if row.band is Band.COOLING]


def cooling_section(session: Session, now: dt.datetime) -> Markup:
    """The overview's list for an account manager: their cooling partners, their person, the last outreach."""
    from flask_login import current_user

    from campaigns.engagement.routes import cell

    if current_user.role is not Role.ACCOUNT_MANAGER:
        return Markup("")
    rows = cooling_for(session, current_user, now, current_app.config["CHANNELCAST"])
    html = render_template("campaigns/engagement/_cooling.html", rows=rows, cell=cell)
    return Markup(html)  # noqa: S704 (our own template, autoescaped)


def weekly_cooling_mail(session: Session, now: dt.datetime) -> str:
    """Monday's email to each account manager with cooling partners; once per manager and ISO week."""
    if now.weekday() != 0:
        return "not Monday"
    from campaigns.engagement.routes import cell

    settings: Settings = current_app.config["CHANNELCAST"]
    year, week, _day = now.isocalendar()
    managers = session.scalars(select(User).where(User.role == Role.ACCOUNT_MANAGER, User.is_active.is_(True)))
    queued = 0
    for manager in managers:
        key = f"cooling:{manager.id}:{year}-W{week:02d}"
        if session.scalar(select(Delivery.id).where(Delivery.idempotency_key == key)) is not None:
            continue  # this week's email is already in the outbox
        rows = cooling_for(session, manager, now, settings)
        if not rows:
            continue
        reports = settings.public_base_url + "/admin/reports/partners"
        mail = Mail(
            folder=WEEKLY_FOLDER, locale=manager.locale or "en",
            idempotency_key=key, to_email=manager.email,
            to_name=manager.name, fields={"name": manager.name, "unsubscribe_url": reports, "preferences_url": reports},
            category=WEEKLY_CATEGORY,
        )  # fmt: skip
        # `cell` says the fall and the day as the overview does, in the manager's language (force_locale).
        _enqueue_one(session, mail, rows=rows, reports_url=reports, base_url=settings.public_base_url, cell=cell)
        queued += 1
    return f"{queued} cooling-partner emails"
