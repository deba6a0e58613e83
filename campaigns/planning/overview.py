"""Campaigns' figures on the overview page."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.planning.models import Campaign, CampaignStatus
from core.web import Figure


def campaign_figures(session: Session, _now: dt.datetime) -> list[Figure]:
    counts = dict(
        session.execute(select(Campaign.status, func.count(Campaign.id)).group_by(Campaign.status)).tuples().all()
    )
    return [
        Figure(_("Live"), counts.get(CampaignStatus.LIVE, 0), "planning.campaign_list", "ok"),
        Figure(_("Scheduled"), counts.get(CampaignStatus.SCHEDULED, 0), "planning.campaign_calendar"),
        Figure(_("Drafts"), counts.get(CampaignStatus.DRAFT, 0), "planning.campaign_list"),
    ]
