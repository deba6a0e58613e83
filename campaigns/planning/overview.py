"""Campaigns' figures on the overview page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.planning.models import Campaign, CampaignStatus
from core.web import Figure


def campaign_figures(session: Session, _now: dt.datetime) -> list[Figure]:
    counts = dict(
        session.execute(select(Campaign.status, func.count(Campaign.id)).group_by(Campaign.status)).tuples().all()
    )
    return [
        Figure("Live", counts.get(CampaignStatus.LIVE, 0), "planning.campaign_list", "ok"),
        Figure("Scheduled", counts.get(CampaignStatus.SCHEDULED, 0), "planning.campaign_calendar"),
        Figure("Drafts", counts.get(CampaignStatus.DRAFT, 0), "planning.campaign_list"),
    ]
