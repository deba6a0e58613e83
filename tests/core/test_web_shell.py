import json
import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.auth.models import User
from core.logs import JsonFormatter, RequestIdFilter
from tests.conftest import make_settings, sign_in
from wsgi import create_app


def test_an_unknown_page_gets_the_styled_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We could not find that page" in page
    assert "/static/css/app.css" in page


def test_api_style_callers_get_errors_as_json(client: FlaskClient) -> None:
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "We could not find that page"


def test_an_upload_over_the_size_limit_gets_the_413_page(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 4096})
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_the_500_page_and_is_logged(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/probe/crash")
    def crash() -> str:
        raise RuntimeError("database exploded")

    response = app.test_client().get("/probe/crash")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "database exploded" not in response.get_data(as_text=True)
    assert "unhandled error on GET /probe/crash" in caplog.text


def test_pages_carry_security_headers_and_a_request_id(client: FlaskClient) -> None:
    response = client.get("/login", headers={"X-Request-ID": "req-12345678"})
    assert response.headers["X-Request-ID"] == "req-12345678"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/login", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"] != "<script>"


def test_json_logs_are_one_object_per_line_with_the_request_id(app: Flask) -> None:
    formatter, request_filter = JsonFormatter(), RequestIdFilter()
    with app.test_request_context("/login"):
        from flask import g

        g.request_id = "req-abcdefgh"
        record = logging.makeLogRecord(
            {
                "name": "channelcast.web",
                "levelno": 20,
                "levelname": "INFO",
                "msg": "GET %s",
                "args": ("/login",),
                "status": 200,
            }
        )
        request_filter.filter(record)
        line = formatter.format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["msg"] == "GET /login"
    assert entry["request_id"] == "req-abcdefgh"
    assert entry["status"] == 200


def test_production_cookies_are_secure_and_http_only(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", APP_ENV="production", SECRET_KEY="s" * 40)
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_overview_shows_system_status(client: FlaskClient, viewer: User) -> None:
    page = sign_in(client, viewer).get("/").get_data(as_text=True)
    assert "System status" in page
    assert "Reachable" in page
    assert "Never ran" in page


def test_the_overview_shows_each_areas_figures_to_whom_they_matter(
    client: FlaskClient, admin: User, viewer: User, session: Session
) -> None:
    from content.models import ContentStatus
    from tests.content.factories import ContentItemFactory

    ContentItemFactory.create(status=ContentStatus.IN_REVIEW, title="Needs a look")
    page = sign_in(client, admin).get("/").get_data(as_text=True)
    for title in ("Content library", "Partners and contacts", "Campaigns", "Mail"):
        assert f">{title}</h2>" in page
    waiting = page.split("Waiting for review</dt>")[1].split("</dd>")[0]
    assert ">1</a>" in waiting
    assert "stat--warn" in page.split("Waiting for review")[0].rsplit('<div class="stat', 1)[1]
    viewer_page = sign_in(client, viewer).get("/").get_data(as_text=True)
    assert ">Mail</h2>" not in viewer_page  # the outbox is for editors
