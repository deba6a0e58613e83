"""Campaign planning: the campaign model, its states, the calendar and targeting."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from campaigns.planning import models as models
from core.auth.models import Role
from core.demo import register_demo_step
from core.scheduler import register_tick
from core.web import register_nav, register_panel


def init_app(app: Flask) -> None:
    from campaigns.planning.audit_labels import init_change_labels
    from campaigns.planning.demo import demo_campaigns
    from campaigns.planning.overview import campaign_figures
    from campaigns.planning.routes import bp
    from campaigns.planning.services import advance_campaigns

    app.register_blueprint(bp)
    register_tick(app, "campaign states", advance_campaigns)
    register_nav(
        app,
        _l("Campaigns"),
        "planning.campaign_list",
        order=30,
        sections=("kits", "kit_preview"),
        roles=(Role.ADMIN, Role.MARKETER, Role.ACCOUNT_MANAGER, Role.VIEWER),
    )
    register_demo_step(app, "campaigns", demo_campaigns, order=30)
    register_panel(app, _l("Campaigns"), campaign_figures, order=30)
    init_change_labels(app)
    _init_api(app)


def _init_api(app: Flask) -> None:
    from campaigns.planning.api import SCOPES, api
    from core.api import register_api_blueprint, register_scopes

    register_scopes(app, SCOPES)
    register_api_blueprint(app, api)
