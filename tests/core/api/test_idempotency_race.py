"""Two requests with one Idempotency-Key at the same moment, on PostgreSQL: one draft, one answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from content.models import ContentItem
from core import migrate
from core.api.scopes import known_scopes
from core.api.tokens import create_token
from core.db import utc_now
from tests.api_helpers import call
from tests.conftest import fresh_database_url, make_settings
from wsgi import create_app


@pytest.fixture
def racing_app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    url = fresh_database_url(backend, tmp_path, "idempotency_race")
    app = create_app(make_settings(tmp_path, url))
    database = app.extensions["channelcast.db"]
    migrate.upgrade(database.engine)
    yield app
    database.engine.dispose()


@pytest.mark.pg
def test_the_same_key_sent_twice_at_once_creates_one_draft_and_both_get_its_answer(racing_app: Flask) -> None:
    engine = racing_app.extensions["channelcast.db"].engine
    with Session(engine) as session, racing_app.app_context():
        secret = create_token(session, name="Race", scopes=["content:write"], known_scopes=known_scopes(racing_app),
                              by=None, now=utc_now()).secret  # fmt: skip
        session.commit()
    start = threading.Barrier(2)
    answers: list[TestResponse] = []

    def post() -> None:
        start.wait()
        body = {"texts": {"en": {"title": "Sent twice by a nervous CRM"}}}
        answers.append(call(racing_app.test_client(), "POST", "/api/v1/content-items", secret, json=body,
                            headers={"Idempotency-Key": "nervous-crm-1"}))  # fmt: skip

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].get_json() == answers[1].get_json()
    assert sorted(answer.headers.get("Idempotency-Replayed", "") for answer in answers) == ["", "true"]
    with Session(engine) as check:
        assert check.scalar(select(func.count(ContentItem.id))) == 1
