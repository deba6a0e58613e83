"""The API reference page (/api/v1/docs): Swagger UI, served from static/vendor, over the generated spec."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from core.api.spec import API_BASE
from core.extensions import limiter

bp = Blueprint("api_pages", __name__, url_prefix=API_BASE)

# Swagger UI styles parts of the page from script (inline style attributes); nothing else is loosened.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


@bp.get("/docs")
@limiter.exempt
def docs() -> ResponseReturnValue:
    response = render_template("api/docs.html")
    return response, 200, {"Content-Security-Policy": DOCS_CSP}
