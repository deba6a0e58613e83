"""subscribers: partners, contacts, preferences, consent, suppression."""

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from subscribers import models as models


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, ticks and demo steps."""
    from core.demo import register_demo_step
    from core.web import register_nav, register_panel
    from subscribers import admin_contacts, admin_partners, admin_teams  # noqa: F401  (routes on admin_bp)
    from subscribers.admin import bp as admin_bp
    from subscribers.admin_partners import TYPE_LABELS
    from subscribers.audit import init_audit
    from subscribers.catalogues import compiled_catalogues
    from subscribers.cli import contacts_cli, portal_cli
    from subscribers.countries import country_name
    from subscribers.demo import demo_partners_and_contacts
    from subscribers.forms import CONTACT_STATUS_LABELS, FREQUENCY_LABELS
    from subscribers.overview import subscriber_figures
    from subscribers.public import bp as public_bp

    # Flask-Babel merges the catalogues of every directory listed; ours hold the partner pages.
    catalogues = compiled_catalogues(Path(app.instance_path) / "translations")
    app.extensions["babel"].translation_directories.append(str(catalogues))
    init_audit(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.add_template_filter(country_name, "country_name")
    app.jinja_env.globals.update(
        contact_statuses=CONTACT_STATUS_LABELS, frequencies=FREQUENCY_LABELS, partner_type_names=TYPE_LABELS
    )
    app.cli.add_command(contacts_cli)
    app.cli.add_command(portal_cli)
    # A partner's pages (portal users, brand, a contact's newsletter preview) sit under Partners;
    # importing contacts is a button on the partners page.
    sections = ("portal_users_admin", "partner_brand_admin", "digests")
    register_nav(app, _l("Partners"), "subscribers_admin.partners", order=20, sections=sections)
    register_panel(app, _l("Partners and contacts"), subscriber_figures, order=20)
    register_demo_step(app, "partners and contacts", demo_partners_and_contacts, order=20)
    _init_api_and_webhooks(app)


def _init_api_and_webhooks(app: Flask) -> None:
    """The public API's suppression endpoints, and the webhook events this package emits."""
    from core.api import register_api_blueprint, register_scopes
    from core.webhooks import register_event_types
    from subscribers.api import SCOPES, api
    from subscribers.webhooks import EVENT_TYPES

    register_scopes(app, SCOPES)
    register_api_blueprint(app, api)
    register_event_types(app, EVENT_TYPES)
