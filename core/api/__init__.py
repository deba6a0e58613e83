"""The public REST API's shared machinery; each package owns its own endpoints beside its routes.

What a package uses to add a resource (see the README's "For code" under The API):

- `ApiBlueprint(name, __name__, url_prefix="/things", description=...)` and, in its init_app,
  `register_api_blueprint(app, blp)`; the endpoints then appear in /api/v1/openapi.json;
- `register_scopes(app, {"things:read": "...", "things:write": "..."})` and `@require_scope(...)`
  on every view;
- `RequestSchema` (unknown fields refused) for bodies; `ApiProblem` / `FieldProblem` for errors;
- `PageArgs`, `page_schema` and `keyset_page` for lists;
- `@idempotent` on POST, `@writes` on other changes (views flush, these commit);
- `check_if_match`, `etag_headers`, `@requires_if_match`, `@documents_etag` for updates.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import Flask, Response
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.api import models as models
from core.api.cursors import KeysetPage, PageArgs, keyset_page, page_schema
from core.api.etags import check_if_match, documents_etag, etag_headers, etag_of, requires_if_match
from core.api.idempotency import idempotent, purge_expired_keys, writes
from core.api.problems import ApiProblem, FieldProblem, field_problems, problem_response
from core.api.schemas import RequestSchema, row_id
from core.api.scopes import known_scopes, register_scopes, require_scope
from core.api.spec import API_BASE, ID, ApiBlueprint, register_api_blueprint
from core.audit import record_access_denied
from core.db import db

__all__ = [
    "API_BASE",
    "ID",
    "ApiBlueprint",
    "ApiProblem",
    "ApiResult",
    "FieldProblem",
    "KeysetPage",
    "PageArgs",
    "RequestSchema",
    "check_if_match",
    "documents_etag",
    "etag_headers",
    "etag_of",
    "field_problems",
    "idempotent",
    "init_app",
    "keyset_page",
    "known_scopes",
    "page_schema",
    "register_api_blueprint",
    "register_scopes",
    "require_scope",
    "requires_if_match",
    "row_id",
    "writes",
]

log = logging.getLogger("channelcast.api")
# What an API view returns: the object(s) its `@blp.response` schema serializes, optionally with a
# status and headers, as flask-smorest takes them.
ApiResult = Any

API_ACTIONS = {
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
}


def _problem(error: ApiProblem) -> Response:
    """A refused scope is an attempt the audit trail keeps (with the token as actor)."""
    if error.status == 403:
        try:
            record_access_denied(db.session, 403)
        except Exception:  # the refusal stands even if the trail cannot be written
            db.session.rollback()
            log.exception("could not record a refused API call in the audit trail")
    return problem_response(error)


def init_app(app: Flask) -> None:
    from core.api import admin, cli, docs, gate, spec
    from core.audit import register_action_labels
    from core.auth import Role
    from core.scheduler import register_tick
    from core.web import register_nav

    spec.init_app(app)
    gate.init_app(app)
    app.register_error_handler(ApiProblem, _problem)
    app.register_blueprint(docs.bp)
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.api_tokens_cli)
    register_nav(app, _l("API"), "api_admin.tokens", roles=(Role.ADMIN,), order=92, sections=("webhooks_admin",))
    register_action_labels(app, API_ACTIONS)

    def purge_tick(session: Session, now: dt.datetime) -> str:
        removed = purge_expired_keys(session, now)
        return f"{removed} expired idempotency keys removed" if removed else "nothing to remove"

    register_tick(app, "api idempotency keys", purge_tick)
