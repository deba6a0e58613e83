"""Engagement: roll-ups of the event stream, contact and partner scores, reports and charts, cooling partners.

Tracking (the pixel, click-through links, machine detection) writes `Event` rows; this package
only reads them, incrementally, into counts.
"""

from __future__ import annotations

from flask import Flask

from campaigns.engagement import models as models


def init_app(app: Flask) -> None:
    from campaigns.engagement.rollups import engagement_tick
    from core.scheduler import register_tick

    register_tick(app, "engagement", engagement_tick)
