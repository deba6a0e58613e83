"""content: interest areas, content items and their language variants, media."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from content import models as models
from core.audit import register_action_labels
from core.auth import EDITORS
from core.demo import register_demo_step
from core.scheduler import register_tick
from core.web import register_nav


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, ticks and demo steps."""
    from content import area_routes, media_routes, routes
    from content.audit_labels import init_change_labels
    from content.demo import demo_content, demo_interest_areas
    from content.languages import language_name
    from content.overview import content_figures
    from content.workflow import publish_due_items
    from core.web import register_panel

    app.register_blueprint(routes.bp)
    app.register_blueprint(area_routes.bp)
    app.register_blueprint(media_routes.bp)
    app.add_template_filter(language_name, "language_name")
    register_nav(app, _l("Content"), "content.library", order=20)
    register_nav(app, _l("Interest areas"), "areas.index", roles=EDITORS, order=25)
    register_panel(app, _l("Content library"), content_figures, order=10)
    register_tick(app, "publish due content", publish_due_items)
    register_demo_step(app, "interest areas", demo_interest_areas, order=10)
    register_demo_step(app, "content library", demo_content, order=15)
    register_action_labels(app, AUDIT_ACTIONS)
    init_change_labels(app)
    _init_api(app)


def _init_api(app: Flask) -> None:
    from content.api import COMPETENCY_SCOPES, SCOPES, areas_api, competencies_api, items_api
    from core.api import register_api_blueprint, register_scopes

    register_scopes(app, SCOPES)
    register_scopes(app, COMPETENCY_SCOPES)
    register_api_blueprint(app, areas_api)
    register_api_blueprint(app, competencies_api)
    register_api_blueprint(app, items_api)


AUDIT_ACTIONS = {
    "content.create": _l("Content item created"),
    "content.update": _l("Content item edited"),
    "content.move": _l("Content item moved in the workflow"),
    "interest_area.create": _l("Interest area added"),
    "interest_area.update": _l("Interest area edited"),
    "interest_area.move": _l("Interest area reordered"),
    "interest_area.retire": _l("Interest area retired"),
    "interest_area.restore": _l("Interest area restored"),
}
