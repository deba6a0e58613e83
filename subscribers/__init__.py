"""subscribers: partners, contacts, preferences, consent, suppression."""

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from subscribers import engagement as engagement
from subscribers import models as models
from subscribers.programme import models as programme_models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, ticks and demo steps."""
    from core.demo import register_demo_step
    from core.scheduler import register_tick
    from core.web import register_nav, register_panel
    from subscribers import admin_badges, admin_contacts, admin_partners, admin_teams  # noqa: F401  (routes on admin_bp)
    from subscribers.admin import bp as admin_bp
    from subscribers.admin_partners import TYPE_LABELS
    from subscribers.audit import init_audit
    from subscribers.catalogues import compiled_catalogues
    from subscribers.cli import contacts_cli, portal_cli
    from subscribers.countries import country_name
    from subscribers.demo import demo_partners_and_contacts
    from subscribers.forms import CONTACT_STATUS_LABELS, FREQUENCY_LABELS
    from subscribers.overview import subscriber_figures
    from subscribers.programme.demo import demo_programme
    from subscribers.programme.routes import bp as programme_bp
    from subscribers.programme.tiers import tier_changes_tick
    from subscribers.public import bp as public_bp

    # Flask-Babel merges the catalogues of every directory listed; ours hold the partner pages.
    catalogues = compiled_catalogues(Path(app.instance_path) / "translations")
    app.extensions["babel"].translation_directories.append(str(catalogues))
    init_audit(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(programme_bp)
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
    register_nav(app, _l("Programme"), "programme.matrix", order=22)
    register_demo_step(app, "partners and contacts", demo_partners_and_contacts, order=20)
    register_demo_step(app, "competencies and certifications", demo_programme, order=22)
    register_tick(app, "tier changes", tier_changes_tick)  # before the kits tick: kits show the tier in force
    _init_api_and_webhooks(app)


def _init_api_and_webhooks(app: Flask) -> None:
    """The public API's partner, contact, suppression and certification endpoints; this package's webhook events."""
    from core.api import register_api_blueprint, register_scopes
    from core.audit import register_action_labels
    from core.webhooks import register_event_types
    from subscribers import api as suppressions_api
    from subscribers import contacts_api, partners_api
    from subscribers.programme import api as certifications_api
    from subscribers.webhooks import EVENT_TYPES

    for module in (partners_api, contacts_api, suppressions_api, certifications_api):
        register_scopes(app, module.SCOPES)
        register_api_blueprint(app, module.api)
    register_action_labels(app, {"contacts.api_upsert": _l("Contacts upserted through the API")})
    register_event_types(app, EVENT_TYPES)
