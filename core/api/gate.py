"""What every API call passes before its view runs, in this order:

1. no token in the query string (URLs end up in logs, proxies and browser history): 401;
2. the rate limit of its token (or client address): 429 with Retry-After;
3. `Authorization: Bearer <token>`: a token that is unknown, revoked, expired or whose maker was
   deactivated gets 401 at once (looked up on every call: nothing is cached);
4. the body of a POST, PUT or PATCH: at most API_MAX_BODY_MB (413), JSON (415 for another
   Content-Type, 400 for JSON that does not parse, naming line and column).

Then the token is the audit trail's actor for whatever the call changes.
"""

from __future__ import annotations

import json

from flask import Flask, Response, current_app, g, request

from core.api.problems import ApiProblem, FieldProblem
from core.api.ratelimit import ApiRateLimiter
from core.api.tokens import token_digest, token_for_secret, touch_last_used
from core.audit import Actor, use_actor
from core.db import db, utc_now

QUERY_TOKEN_NAMES = frozenset({"access_token", "token", "api_key", "apikey", "api_token", "bearer"})
BODY_METHODS = ("POST", "PUT", "PATCH")
WWW_AUTHENTICATE = 'Bearer realm="Channelcast API"'


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, detail=detail, headers={"WWW-Authenticate": WWW_AUTHENTICATE})


def _refuse_token_in_query() -> None:
    names = {name.lower() for name in request.args}
    if names & QUERY_TOKEN_NAMES or any(value.startswith("cc_") for value in request.args.values()):
        raise _unauthorized(
            "API tokens are accepted only in the Authorization header (Authorization: Bearer <token>), never in "
            "the URL. A token that was put in a URL may have been logged: revoke it and make a new one."
        )


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _apply_rate_limit(secret: str | None) -> None:
    limiter: ApiRateLimiter = current_app.extensions["channelcast.api.ratelimit"]
    identity = f"token:{token_digest(secret)}" if secret else f"address:{request.remote_addr}"
    state = limiter.hit(identity)
    if state is None:
        return
    g.api_rate_limit_headers = state.headers()
    if not state.allowed:
        raise ApiProblem(
            429,
            detail=f"This token made more than {state.quota} calls in {state.window_seconds} seconds; "
            f"wait {max(1, state.reset_seconds)} seconds.",
            headers=state.headers(),
        )


def _authenticate(secret: str | None) -> None:
    if secret is None:
        raise _unauthorized("Send your API token in the header Authorization: Bearer <token>.")
    now = utc_now()
    token = token_for_secret(db.session, secret, now)
    if token is None:
        raise _unauthorized("This token is not valid: unknown, revoked, expired, or its maker was deactivated.")
    g.api_token = token
    use_actor(Actor("api_token", token.id, token.name))
    if touch_last_used(db.session, token, now):
        db.session.commit()


def _check_body() -> None:
    if request.method not in BODY_METHODS:
        return
    request.max_content_length = current_app.config["CHANNELCAST"].api_max_body_mb * 1024 * 1024
    length = request.content_length
    if length is not None and length > request.max_content_length:
        raise ApiProblem(413, detail=f"The body is larger than {current_app.config['CHANNELCAST'].api_max_body_mb} MB.")
    if not length and request.mimetype == "":
        return  # no body at all: the view's schema says whether one was needed
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        raise ApiProblem(415, detail="Send the body as JSON with Content-Type: application/json.")
    try:
        json.loads(request.get_data(cache=True) or b"null")
    except UnicodeDecodeError:
        raise ApiProblem(400, detail="The body is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise ApiProblem(
            400,
            detail=f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
            errors=[FieldProblem("", f"{error.msg} at line {error.lineno}, column {error.colno}")],
        ) from None


def check_api_request() -> None:
    """The blueprints' before_request: see the module's docstring."""
    _refuse_token_in_query()
    secret = _bearer_secret()
    _apply_rate_limit(secret)
    _authenticate(secret)
    _check_body()


def finish_api_response(response: Response) -> Response:
    """Every API answer (errors too) says where the caller stands and is never cached by a proxy."""
    if request.path.startswith("/api/"):
        for name, value in g.get("api_rate_limit_headers", {}).items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    settings = app.config["CHANNELCAST"]
    app.extensions["channelcast.api.ratelimit"] = ApiRateLimiter(
        settings.ratelimit_storage_uri, settings.api_rate_limit, settings.ratelimit_key_prefix
    )
    app.after_request(finish_api_response)
