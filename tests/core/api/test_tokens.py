"""API tokens: made by admins (page and CLI), shown once, stored hashed, refused at once when revoked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import ContentItem
from core.api.models import ApiToken
from core.api.tokens import token_digest
from core.audit import AuditEntry
from core.auth.models import User
from tests.api_helpers import call, make_token
from tests.conftest import csrf_token_from, refreshed, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("empty_trail")
DRAFT = {"texts": {"en": {"title": "Storage refresh: what's new"}}}


def audit_actions(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(AuditEntry.action, AuditEntry.actor_kind).order_by(AuditEntry.id)).all()
    return [(action, kind) for action, kind in rows]


def test_the_cli_prints_a_new_token_once_and_keeps_only_its_hash(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["api-tokens", "create", "--name", "Salesforce sync", "--scopes", "content:read,suppressions:write",
              "--expires-days", "30"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert re.fullmatch(r"cc_[A-Za-z0-9_-]{43}", secret)
    token = session.scalars(select(ApiToken)).one()
    assert token.token_hash == token_digest(secret)
    assert secret not in (token.prefix, token.token_hash)
    assert secret.startswith(token.prefix)
    assert len(token.prefix) == 11
    assert token.scopes == ["content:read", "suppressions:write"]
    assert token.expires_at is not None
    assert "shown this once" in result.stderr
    assert audit_actions(session) == [("api_token.create", "system")]


def test_the_cli_refuses_an_unknown_scope_naming_it(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(args=["api-tokens", "create", "--name", "X", "--scopes", "contacts:rule"])
    assert result.exit_code != 0
    assert "contacts:rule" in result.output
    assert "--scopes" in result.output
    assert session.scalar(select(func.count(ApiToken.id))) == 0


def test_an_admin_makes_a_token_on_the_api_page_and_sees_it_only_in_that_answer(
    client: FlaskClient, session: Session, admin: User
) -> None:
    sign_in(client, admin)
    csrf = csrf_token_from(client, "/admin/api/")
    response = client.post(
        "/admin/api/tokens",
        data={"csrf_token": csrf, "name": "HubSpot", "scopes": ["content:read"], "expires_days": "90"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r"(cc_[A-Za-z0-9_-]{43})", page)
    assert secret, page
    token = session.scalars(select(ApiToken)).one()
    assert token.token_hash == token_digest(secret.group(1))
    assert token.created_by_id == admin.id
    again = client.get("/admin/api/").get_data(as_text=True)
    assert secret.group(1) not in again
    assert f"{token.prefix}…" in again
    assert ("api_token.create", "user") in audit_actions(session)


@pytest.mark.parametrize("role", ["viewer", "marketer", "account_manager"])
def test_only_admins_reach_the_api_page_and_nobody_else_makes_a_token(
    client: FlaskClient, session: Session, admin: User, role: str
) -> None:
    sign_in(client, admin)
    csrf = csrf_token_from(client, "/admin/api/")
    other = UserFactory.create(role=role)
    sign_in(client, other)
    assert client.get("/admin/api/").status_code == 403
    response = client.post("/admin/api/tokens", data={"csrf_token": csrf, "name": "Mine", "scopes": ["content:read"]})
    assert response.status_code == 403
    assert session.scalar(select(func.count(ApiToken.id))) == 0
    assert ("access.denied", "user") in audit_actions(session)


def test_a_revoked_token_is_refused_at_once(app: Flask, client: FlaskClient, session: Session, admin: User) -> None:
    secret = make_token(app, session, "content:read", by=admin)
    assert call(client, "GET", "/api/v1/content-items", secret).status_code == 200
    token = session.scalars(select(ApiToken)).one()
    sign_in(client, admin)
    csrf = csrf_token_from(client, "/admin/api/")
    assert client.post(f"/admin/api/tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    refused = call(client, "GET", "/api/v1/content-items", secret)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert ("api_token.revoke", "user") in audit_actions(session)


def test_an_expired_token_is_refused(app: Flask, client: FlaskClient, session: Session) -> None:
    secret = make_token(app, session, "content:read", days=30)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=29)):
        assert call(client, "GET", "/api/v1/content-items", secret).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=30, seconds=1)):
        assert call(client, "GET", "/api/v1/content-items", secret).status_code == 401


def test_a_token_whose_maker_was_deactivated_is_refused(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    maker = UserFactory.create(role="admin")
    secret = make_token(app, session, "content:read", by=maker)
    maker.is_active = False
    session.flush()
    assert call(client, "GET", "/api/v1/content-items", secret).status_code == 401


def test_a_token_in_the_query_string_is_refused_even_when_valid(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    secret = make_token(app, session, "content:read")
    for query in (f"access_token={secret}", f"token={secret}", f"q={secret}"):
        response = call(client, "GET", f"/api/v1/content-items?{query}", None)
        assert response.status_code == 401
        assert "never in the URL" in response.get_json()["detail"]
    # Even alongside a proper header: a token in a URL is a token leaked into logs.
    assert call(client, "GET", f"/api/v1/content-items?access_token={secret}", secret).status_code == 401


def test_no_token_or_a_made_up_one_gets_401_with_a_problem_document(client: FlaskClient) -> None:
    for token in (None, "cc_" + "x" * 43, "not-even-close"):
        response = call(client, "GET", "/api/v1/campaigns", token)
        assert response.status_code == 401
        body = response.get_json()
        assert body["status"] == 401
        assert body["instance"] == "/api/v1/campaigns"
        assert body["detail"]


def test_last_use_is_written_at_most_once_a_minute(app: Flask, client: FlaskClient, session: Session) -> None:
    secret = make_token(app, session, "content:read")
    start = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        call(client, "GET", "/api/v1/content-items", secret)
    token = refreshed(session, session.scalars(select(ApiToken)).one())
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        call(client, "GET", "/api/v1/content-items", secret)
    assert refreshed(session, token).last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        call(client, "GET", "/api/v1/content-items", secret)
    assert refreshed(session, token).last_used_at == start + dt.timedelta(seconds=61)


def test_a_read_only_token_cannot_write_and_the_attempt_is_in_the_trail(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    secret = make_token(app, session, "content:read")
    response = call(client, "POST", "/api/v1/content-items", secret, json=DRAFT)
    assert response.status_code == 403
    assert response.get_json()["required_scope"] == "content:write"
    assert session.scalar(select(func.count(ContentItem.id))) == 0
    assert audit_actions(session)[-1] == ("access.denied", "api_token")


def test_what_a_token_changes_is_in_the_trail_under_its_name(app: Flask, client: FlaskClient, session: Session) -> None:
    secret = make_token(app, session, "content:write")
    assert call(client, "POST", "/api/v1/content-items", secret, json=DRAFT).status_code == 201
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "content.create")).one()
    assert (entry.actor_kind, entry.actor_label) == ("api_token", "Test integration")
