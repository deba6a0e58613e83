"""Demo campaigns around today: some ended, some live, some scheduled, a draft and a cancelled one.

Dates are anchored at the Monday of the current week so the calendar looks alive whenever the
demo is loaded; two demos loaded in the same week hold the same data.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.planning.models import Campaign, CampaignStatus
from content.models import InterestArea
from core.audit import record
from core.db import utc_now

DEMO_CAMPAIGNS = [
    # name, goal, areas, start offset (days from Monday), length (days), status, tiers
    (
        "Ransomware readiness month",
        "Get partners to run a recovery workshop with two customers each.",
        ["security", "data-protection"],
        -35,
        28,
        CampaignStatus.ENDED,
        [],
    ),
    (
        "Storage refresh trade-in",
        "Turn ageing arrays at partner customers into trade-in quotes.",
        ["storage"],
        -10,
        30,
        CampaignStatus.LIVE,
        ["silver", "gold", "platinum"],
    ),
    (
        "Hybrid cloud for the midmarket",
        "Position the hybrid cloud bundle for 50-500 seat customers.",
        ["cloud", "hci"],
        -3,
        21,
        CampaignStatus.LIVE,
        [],
    ),
    (
        "Back to the office: workplace refresh",
        "Sell client-device refreshes with three-year service packs.",
        ["client-devices", "services"],
        9,
        28,
        CampaignStatus.SCHEDULED,
        [],
    ),
    (
        "Campus Wi-Fi 7 launch",
        "Introduce the Wi-Fi 7 access points to networking partners.",
        ["networking"],
        16,
        21,
        CampaignStatus.SCHEDULED,
        ["gold", "platinum"],
    ),
    (
        "Edge servers for retail",
        "Draft: retail edge story for solution partners.",
        ["server"],
        30,
        30,
        CampaignStatus.DRAFT,
        [],
    ),
    (
        "Year-end services promotion",
        "Cancelled: replaced by the workplace refresh.",
        ["services"],
        20,
        14,
        CampaignStatus.CANCELLED,
        [],
    ),
]


def _record_demo_history(session: Session, campaign: Campaign) -> None:
    """The history page reads the audit trail: say that the demo made the campaign, and in which state."""
    record(session, "campaign.create", object_type="campaign", object_id=campaign.id, object_label=campaign.name,
           detail="demo data")  # fmt: skip
    if campaign.status is not CampaignStatus.DRAFT:
        record(session, "campaign.move", object_type="campaign", object_id=campaign.id, object_label=campaign.name,
               changes={"status": (CampaignStatus.DRAFT, campaign.status)}, detail="demo data")  # fmt: skip


def demo_campaigns(session: Session, _rng: random.Random) -> str:
    existing = set(session.scalars(select(Campaign.name)))
    areas = {area.slug: area for area in session.scalars(select(InterestArea))}
    today = utc_now().date()
    monday = today - dt.timedelta(days=today.weekday())
    created = 0
    for name, goal, slugs, offset, days, status, tiers in DEMO_CAMPAIGNS:
        if name in existing:
            continue
        launch = dt.datetime.combine(monday + dt.timedelta(days=offset), dt.time(8, 0), dt.UTC)
        campaign = Campaign(
            name=name,
            goal=goal,
            timezone="Europe/Amsterdam",
            launch_at=launch,
            ends_at=launch + dt.timedelta(days=days),
            status=status,
            target_tiers=tiers,
            interest_areas=[areas[slug] for slug in slugs if slug in areas],
        )
        session.add(campaign)
        session.flush()
        _record_demo_history(session, campaign)
        created += 1
    session.flush()
    return f"{created} campaigns created" if created else "campaigns already there"
