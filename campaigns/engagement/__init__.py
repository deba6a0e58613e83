"""Engagement: roll-ups of the event stream, contact and partner scores, reports and charts, cooling partners.

Tracking (the pixel, click-through links, machine detection) writes `Event` rows; this package
only reads them, incrementally, into counts.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from campaigns.engagement import models as models


def engagement_and_cooling_tick(session: Session, now: dt.datetime) -> str:
    from campaigns.engagement.cooling import weekly_cooling_mail
    from campaigns.engagement.rollups import engagement_tick

    counted = engagement_tick(session, now)
    return f"{counted}; {weekly_cooling_mail(session, now)}"


def init_app(app: Flask) -> None:
    from campaigns.engagement import api
    from campaigns.engagement.cli import engagement_cli
    from campaigns.engagement.cooling import cooling_section
    from campaigns.engagement.routes import bp
    from core.api import register_api_blueprint, register_scopes
    from core.audit import register_action_labels
    from core.auth import Role
    from core.scheduler import register_tick
    from core.web import register_nav, register_overview_section

    app.register_blueprint(bp)
    app.cli.add_command(engagement_cli)
    register_tick(app, "engagement", engagement_and_cooling_tick)
    register_nav(app, "Reports", "engagement.index", order=60)
    register_overview_section(app, cooling_section, roles=(Role.ACCOUNT_MANAGER,))
    register_scopes(app, api.SCOPES)
    register_api_blueprint(app, api.api)
    register_action_labels(app, {"partner.outreach_logged": _l("Outreach to a partner noted")})
