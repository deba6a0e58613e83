"""The bottom layer: config, database, auth, signed links, storage, mail, scheduler, web shell.

It imports no domain package and knows no domain word.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from core import api, audit, auth, cli, display, logs, storage, web, webhooks
from core import models as models
from core.config import LOCALES, Settings
from core.db import Database
from core.demo import demo_users, register_demo_step
from core.extensions import babel, limiter


def _select_locale() -> str | None:
    """A page may fix the locale (a contact's own language) in g.locale; else the signed-in vendor
    user's chosen language (their account page); else the browser's."""
    if not has_request_context():
        return g.get("locale") or "en"
    if g.get("locale"):
        return str(g.locale)
    if current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    return request.accept_languages.best_match(LOCALES) or "en"


def _select_timezone() -> str | None:
    """Flask-Babel's own date helpers agree with core/display.py: the signed-in user's zone."""
    return display.reader_zone()


def configure(app: Flask, settings: Settings) -> None:
    """Everything Flask itself needs from our settings."""
    app.config.update(
        CHANNELCAST=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.is_production,
        PREFERRED_URL_SCHEME="https" if settings.public_base_url.startswith("https") else "http",
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        # No X-RateLimit-* headers on every answer: each cost the limit store two more round trips per request
        # (the window's count and expiry) on the pages opened from every email. A refusal still says when to
        # come back (Retry-After, core.web).
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_KEY_PREFIX=settings.ratelimit_key_prefix,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead: forms left open for hours still work
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE="UTC",
    )
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def init_app(app: Flask, settings: Settings) -> None:
    configure(app, settings)
    logs.configure_logging(settings.log_format, settings.log_level)
    Database.init_app(app, settings.database_url)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    logs.init_app(app)
    storage.init_app(app, storage.storage_from_settings(settings))
    web.init_app(app)
    display.init_app(app)
    auth.init_app(app)
    audit.init_app(app)
    api.init_app(app)
    webhooks.init_app(app)
    cli.init_app(app)
    register_demo_step(app, "vendor users", demo_users, order=0)
