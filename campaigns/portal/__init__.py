"""The partner portal: magic-link sign-in, the partner's campaigns and kits, the brand editor, contacts."""

from flask import Flask


def init_app(app: Flask) -> None:
    from campaigns.portal import library  # noqa: F401  (the library's routes, on the portal's blueprint)
    from campaigns.portal.admin import bp as admin_bp
    from campaigns.portal.admin_brand import bp as brand_admin_bp
    from campaigns.portal.kit_preview import bp as kit_preview_bp
    from campaigns.portal.mail import notify_tier_downgrade, queue_account_mail, send_now
    from campaigns.portal.routes import bp
    from core.auth.mail import register_account_mailer
    from subscribers.programme.tiers import register_downgrade_notifier

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(brand_admin_bp)
    app.register_blueprint(kit_preview_bp)
    register_account_mailer(app, queue_account_mail, send_now)
    register_downgrade_notifier(app, notify_tier_downgrade)
    _init_api(app)


def _init_api(app: Flask) -> None:
    from campaigns.portal.kits_api import SCOPES, api, downloads
    from core.api import register_api_blueprint, register_scopes

    register_scopes(app, SCOPES)
    register_api_blueprint(app, api)
    app.register_blueprint(downloads)
