"""The one OpenAPI 3.1 document, generated from the code by flask-smorest, and the blueprint class
every package's API module uses.

    # content/api.py
    blp = ApiBlueprint("content", __name__, url_prefix="/content-items", description="The content library.")

    @blp.route("/<int:item_id>")
    @require_scope("content:read")
    @blp.response(200, ItemSchema)
    def get_item(item_id: int): ...

    # content/__init__.py, in init_app:
    register_api_blueprint(app, blp)
"""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
from flask import Flask
from flask_smorest.utils import prepare_response

from core.api.gate import check_api_request
from core.api.problems import PROBLEM_TYPE
from core.api.schemas import ProblemSchema
from core.extensions import csrf

API_BASE = "/api/v1"
# Row ids in URLs: `f"/<{ID}:campaign_id>"`. Out of range is a 404 (and documented as such), never a
# number the database cannot hold.
ID = "int(min=1, max=2147483647)"
_API = "channelcast.api"

DESCRIPTION = """\
Channelcast's public API, for CRM and PRM integrations.

**Authentication**: `Authorization: Bearer <token>` on every call (never in the URL). Administrators
make tokens on the API page of the admin, or with `flask --app wsgi api-tokens create`. Each
operation names the scope it needs.

**Errors** are RFC 9457 `application/problem+json`, with `errors[]` naming each field (and the row
of a bulk request).

**Lists** are keyset-paginated: pass a page's `next` as `?after=` for the following page.

**Writes**: `POST` takes an `Idempotency-Key` header (a replay within 24 hours returns the first
answer); changing an existing resource needs `If-Match` with the `ETag` of your last read (412 when
it is stale, 428 when it is missing).

**Rate limits** are per token; every answer carries `RateLimit` and `RateLimit-Policy` headers.
"""


class ChannelcastApi(flask_smorest.Api):
    """flask-smorest's Api with problem+json errors; the app's own error handlers answer them."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """core.web's handlers serve HTML pages and, on /api/ paths, problem documents (core.api.problems)."""

    def _register_pagination_header(self) -> None:
        """Our lists page by cursor in the body (core.api.cursors), not by flask-smorest's page header."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not 100 <= status < 200 and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict[str, Any] = {"description": "An error, as problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


class ApiBlueprint(flask_smorest.Blueprint):
    """A package's endpoints under /api/v1: every call passes core.api.gate first."""

    def __init__(self, name: str, import_name: str, *, url_prefix: str, description: str) -> None:
        super().__init__(name, import_name, url_prefix=API_BASE + url_prefix, description=description)
        self.before_request(check_api_request)


def spec_config(public_base_url: str) -> dict[str, Any]:
    return {
        "API_TITLE": "Channelcast API",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": API_BASE,
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {"description": DESCRIPTION},
            "servers": [{"url": public_base_url, "description": "This installation"}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token (cc_...)."}
                }
            },
        },
    }


def init_app(app: Flask) -> ChannelcastApi:
    app.config.update(spec_config(app.config["CHANNELCAST"].public_base_url))
    api = ChannelcastApi(app)
    app.extensions[_API] = api
    return api


def register_api_blueprint(app: Flask, blueprint: ApiBlueprint) -> None:
    """Serve a package's endpoints and put them in the one spec (call from the package's init_app)."""
    csrf.exempt(blueprint)  # a bearer token, not a cookie: no cross-site form can send one
    app.extensions[_API].register_blueprint(blueprint)
