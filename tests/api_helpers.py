"""Helpers for API tests: a token with chosen scopes, and calls that send it the way clients do."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from core.api.scopes import known_scopes
from core.api.tokens import create_token
from core.auth.models import User
from core.db import utc_now


def make_token(app: Flask, session: Session, *scopes: str, by: User | None = None, days: int | None = None) -> str:
    """A new token's secret; with no scopes named, every registered scope."""
    chosen = list(scopes) or list(known_scopes(app))
    made = create_token(
        session, name="Test integration", scopes=chosen, known_scopes=known_scopes(app), by=by, now=utc_now(),
        expires_in_days=days,
    )  # fmt: skip
    session.flush()
    return made.secret


def call(client: FlaskClient, method: str, path: str, token: str | None, **kwargs: Any) -> TestResponse:
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(path, method=method, headers=headers, **kwargs)
