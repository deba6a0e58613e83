"""The web shell: home page, navigation by role, error pages, security headers and /healthz."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, has_request_context, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from core.api.problems import is_api_request, problem_from_http_error, problem_response
from core.audit import record_access_denied
from core.auth.models import Role
from core.db import db, utc_now
from core.extensions import csrf, limiter
from core.health import health_report
from core.logs import redact_secrets

bp = Blueprint("web", __name__)
log = logging.getLogger("channelcast.web")

ERROR_TEXTS = {
    400: (_l("Something in that request was not right"), _l("Go back, check the form and try again.")),
    403: (_l("You do not have access to this page"), _l("Ask an administrator if you need it.")),
    404: (_l("We could not find that page"), _l("The link may be old or mistyped.")),
    405: (_l("That action is not available here"), _l("Go back and use the buttons on the page.")),
    413: (_l("That file is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many attempts"), _l("Wait a minute, then try again.")),
    500: (_l("Something went wrong on our side"), _l("We have logged it. Try again in a moment.")),
}
CSRF_TEXT = _l("The form had expired or was sent without its security token. Reload the page and try again.")


@dataclass(frozen=True)
class NavItem:
    label: str  # a lazy string: shown in the reader's language
    endpoint: str
    roles: tuple[Role, ...]
    order: int
    sections: tuple[str, ...]  # the blueprints whose pages belong under this item


def register_nav(
    app: Flask,
    label: str,
    endpoint: str,
    *,
    roles: tuple[Role, ...] = (),
    order: int = 50,
    sections: tuple[str, ...] = (),
) -> None:
    """Add a link to the vendor navigation; `roles` empty means every signed-in user.

    The item is marked as the current page on its own blueprint's pages and on those of
    `sections` (a partner's portal users sit under Partners, webhooks under API).
    """
    blueprint = endpoint.partition(".")[0]
    owned = tuple(dict.fromkeys(((blueprint,) if blueprint != "web" else ()) + sections))
    app.extensions.setdefault("channelcast.nav", []).append(NavItem(label, endpoint, roles, order, owned))


@dataclass(frozen=True)
class Figure:
    """One number on the overview: what it counts, how many, and where to look closer."""

    label: str
    value: int
    endpoint: str = ""
    tone: str = ""  # "ok", "warn" or "bad" colours the card; "" is neutral


OverviewPanel = Callable[[Session, dt.datetime], list[Figure]]


@dataclass(frozen=True)
class Panel:
    title: str
    figures: OverviewPanel
    roles: tuple[Role, ...]
    order: int


def register_panel(
    app: Flask, title: str, figures: OverviewPanel, *, roles: tuple[Role, ...] = (), order: int = 50
) -> None:
    """Add a row of figures to the overview; each package shows what its users watch."""
    app.extensions.setdefault("channelcast.panels", []).append(Panel(title, figures, roles, order))


OverviewSection = Callable[[Session, dt.datetime], Markup]


def register_overview_section(app: Flask, section: OverviewSection, *, roles: tuple[Role, ...] = ()) -> None:
    """Add a block of HTML (a short list, not just figures) to the overview, below the figures."""
    app.extensions.setdefault("channelcast.overview_sections", []).append((section, roles))


def _sections_for_current_user() -> list[Markup]:
    sections: list[tuple[OverviewSection, tuple[Role, ...]]] = current_app.extensions.get(
        "channelcast.overview_sections", []
    )
    now = utc_now()
    return [section(db.session, now) for section, roles in sections if not roles or current_user.has_role(*roles)]


def _panels_for_current_user() -> list[tuple[str, list[Figure]]]:
    panels: list[Panel] = current_app.extensions.get("channelcast.panels", [])
    now = utc_now()
    return [
        (panel.title, panel.figures(db.session, now))
        for panel in sorted(panels, key=lambda p: p.order)
        if not panel.roles or current_user.has_role(*panel.roles)
    ]


def _nav_for_current_user() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    items: list[NavItem] = current_app.extensions.get("channelcast.nav", [])
    visible = [item for item in items if not item.roles or current_user.has_role(*item.roles)]
    return sorted(visible, key=lambda item: item.order)  # ties keep the order of registration


def _current_nav_endpoint(items: list[NavItem]) -> str | None:
    """The one navigation item a page belongs to: its own link first, else the item owning its blueprint."""
    for item in items:
        if item.endpoint == request.endpoint:
            return item.endpoint
    return next((item.endpoint for item in items if request.blueprint in item.sections), None)


def _nav_context() -> dict[str, object]:
    if not has_request_context():  # an email rendered by a scheduled job: no page, no navigation
        return {"nav_items": [], "nav_current": None}
    items = _nav_for_current_user()
    return {"nav_items": items, "nav_current": _current_nav_endpoint(items) if items else None}


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    settings = current_app.config["CHANNELCAST"]
    return render_template(
        "web/home.html",
        health=health_report(db.session),
        settings=settings,
        panels=_panels_for_current_user(),
        sections=_sections_for_current_user(),
    )


@bp.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    report = health_report(db.session)
    return jsonify(report), 200 if report["ok"] else 503


# An email shown inside an admin page: its own inline styles allowed, nothing able to run.
EMAIL_PREVIEW_CSP = (
    "default-src 'none'; img-src 'self' data: https:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def email_preview_response(html: str, status: int = 200) -> Response:
    """A rendered email for an iframe of ours: inline styles work, scripts and forms do not."""
    response = current_app.make_response((html, status))
    response.headers["Content-Security-Policy"] = EMAIL_PREVIEW_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/webhooks/")) or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def render_error(code: int, detail: str | None = None) -> Response:
    """The error page (or JSON for API callers) in the site's own style."""
    title, advice = (str(text) for text in ERROR_TEXTS.get(code, ERROR_TEXTS[500]))
    if _wants_json():
        return current_app.make_response((jsonify({"error": title, "detail": detail or advice}), code))
    page = render_template("web/error.html", code=code, title=title, advice=detail or advice)
    return current_app.make_response((page, code))


def _record_refusal(code: int) -> None:
    """A signed-in person refused (403, or a 404 hiding an object they may not see) goes in the audit trail."""
    if code not in (403, 404):
        return
    try:
        record_access_denied(db.session, code)
    except Exception:  # the refusal stands even if the trail cannot be written; say so in the log
        db.session.rollback()
        log.exception("could not record a refused request in the audit trail")


def _retry_after(error: HTTPException) -> str | None:
    """Seconds until a refused request may come again: the rate limit's window, or what the error says."""
    if isinstance(error, RateLimitExceeded) and limiter.current_limit is not None:
        return str(max(1, limiter.current_limit.reset_at - int(time.time())))
    return error.get_response().headers.get("Retry-After")


def _handle_http_error(error: HTTPException) -> ResponseReturnValue:
    _record_refusal(error.code or 500)
    if is_api_request():  # the public API answers RFC 9457 problem documents (core/api/problems.py)
        return problem_response(problem_from_http_error(error))
    response = render_error(error.code or 500)
    retry_after = _retry_after(error)
    if retry_after:
        response.headers["Retry-After"] = retry_after
    return response


def _handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    log.info("csrf rejected: %s", error.description)
    return render_error(400, str(CSRF_TEXT))


def _handle_unexpected(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return _handle_http_error(error)
    log.exception("unhandled error on %s %s", request.method, redact_secrets(request.path))
    if is_api_request():
        return problem_response(problem_from_http_error(InternalServerError()))
    return render_error(500)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
    app.after_request(_security_headers)
    app.context_processor(_nav_context)
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    register_nav(app, _l("Overview"), "web.home", order=0)
