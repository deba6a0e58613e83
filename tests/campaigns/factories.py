from __future__ import annotations

import datetime as dt

import factory

from campaigns.planning.models import Campaign, CampaignStatus
from tests.factories import BaseFactory


class CampaignFactory(BaseFactory[Campaign]):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    goal = "Win refresh deals"
    timezone = "Europe/Amsterdam"
    launch_at = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    ends_at = factory.LazyAttribute(lambda c: c.launch_at + dt.timedelta(days=14))
    status = CampaignStatus.DRAFT
