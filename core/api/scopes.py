"""Scopes: what a token may do, per resource and verb (`content:read`, `suppressions:write`).

One registry: each package declares the scopes of its own endpoints at start-up with
`register_scopes(app, {"partners:read": "Read partners", ...})`; the token page and the CLI offer
exactly these, and `require_scope` refuses a call whose token lacks the one its endpoint needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g

from core.api.problems import ApiProblem

F = TypeVar("F", bound=Callable[..., Any])
SCOPE_PATTERN = re.compile(r"[a-z][a-z_-]{0,39}:(read|write)")
_REGISTRY = "channelcast.api.scopes"


def register_scopes(app: Flask, scopes: Mapping[str, str]) -> None:
    """Declare scopes (name -> what it allows, in English: it also goes into the OpenAPI description)."""
    for name in scopes:
        if not SCOPE_PATTERN.fullmatch(name):
            raise ValueError(f"scope {name!r} is not '<resource>:read' or '<resource>:write'")
    app.extensions.setdefault(_REGISTRY, {}).update(scopes)


def known_scopes(app: Flask | None = None) -> dict[str, str]:
    """Every declared scope, sorted by resource then verb."""
    registry: dict[str, str] = (app or current_app).extensions.get(_REGISTRY, {})
    return dict(sorted(registry.items()))


def unknown_scopes(scopes: list[str], app: Flask | None = None) -> list[str]:
    known = known_scopes(app)
    return [scope for scope in scopes if scope not in known]


def require_scope(scope: str) -> Callable[[F], F]:
    """Refuse (403, problem+json, audited) a token without `scope`; document the need in the spec.

    Put it under `@blp.route(...)` and above `@blp.arguments` / `@blp.response`.
    """
    if not SCOPE_PATTERN.fullmatch(scope):
        raise ValueError(f"scope {scope!r} is not '<resource>:read' or '<resource>:write'")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = g.get("api_token")
            if token is None or scope not in token.scopes:
                raise ApiProblem(
                    403,
                    detail=f"This token does not have the scope {scope!r}. Ask an administrator for a token with it.",
                    extra={"required_scope": scope},
                )
            return view(*args, **kwargs)

        add_operation_doc(wrapper, {"security": [{"bearerAuth": [scope]}]})
        wrapper._required_scope = scope  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def add_operation_doc(view: Callable[..., Any], doc: Mapping[str, Any]) -> None:
    """Merge `doc` into the OpenAPI operation of `view` (flask-smorest's manual doc)."""
    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    manual = apidoc.setdefault("manual_doc", {})
    _merge(manual, deepcopy(dict(doc)))
    view._apidoc = apidoc  # type: ignore[attr-defined]


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = [*into[key], *value]
        else:
            into[key] = value
