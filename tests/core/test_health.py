import datetime as dt
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.migrate import head_revision
from core.scheduler import run_ticks
from tests.conftest import make_settings
from wsgi import create_app


def test_healthz_reports_database_migrations_and_no_scheduler_yet(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True}
    assert body["migrations"] == {"ok": True, "current": head_revision(), "head": head_revision()}
    assert body["scheduler"] == {"ok": False, "heartbeat_age_s": None}


def test_healthz_shows_how_long_ago_the_scheduler_ticked(app: Flask, client: FlaskClient, session: Session) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        run_ticks(app)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 1, 30, tzinfo=dt.UTC), tick=False):
        body = client.get("/healthz").get_json()
    assert body["scheduler"] == {"ok": True, "heartbeat_age_s": 90.0}
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC), tick=False):
        body = client.get("/healthz").get_json()
    assert body["scheduler"]["ok"] is False
    assert body["ok"] is True  # a silent scheduler does not take the web out of rotation


def test_healthz_answers_503_when_the_database_is_down(tmp_path: Path) -> None:
    unreachable = "postgresql+psycopg://channelcast@127.0.0.1:9/nowhere?connect_timeout=2"
    app = create_app(make_settings(tmp_path, unreachable))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["ok"] is False
    assert body["database"]["ok"] is False


def test_healthz_answers_503_when_the_schema_is_not_migrated(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == {"ok": False, "current": None, "head": head_revision()}
