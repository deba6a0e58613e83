"""Two roll-up workers at once on PostgreSQL: the cursor is claimed by one, and no event is counted twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import EventKind
from campaigns.engagement.models import EngagementRollup
from campaigns.engagement.rollups import roll_up, roll_up_batch
from core import migrate
from core.db import make_engine
from tests import factories
from tests.campaigns.engagement.helpers import MONDAY, event, newsletter
from tests.conftest import fresh_database_url, make_settings
from tests.subscribers.factories import ContactFactory
from wsgi import create_app

LATER = MONDAY + dt.timedelta(hours=2)


@pytest.fixture
def pg_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url(backend, tmp_path, "rollup_race"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_app(pg_engine: Engine, tmp_path: Path) -> Flask:
    return create_app(make_settings(tmp_path, pg_engine.url.render_as_string(hide_password=False)))


def opened_newsletters(engine: Engine, count: int) -> None:
    with Session(engine) as session:
        factories.use_session(session)
        for n in range(count):
            mail = newsletter(session, ContactFactory.create(), "2026-03")
            event(session, EventKind.OPEN, mail, at=MONDAY + dt.timedelta(minutes=n))
        session.commit()


def counted(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        row = session.execute(select(func.sum(EngagementRollup.sent), func.sum(EngagementRollup.unique_opens))).one()
        return int(row[0] or 0), int(row[1] or 0)


@pytest.mark.pg
def test_a_second_worker_finds_the_cursor_taken_and_counts_nothing(pg_engine: Engine, pg_app: Flask) -> None:
    opened_newsletters(pg_engine, 3)
    first, second = Session(pg_engine), Session(pg_engine)
    try:
        with pg_app.app_context():
            assert roll_up_batch(first, LATER) == 6
            assert roll_up_batch(second, LATER) is None  # locked: skipped, not waited for
            first.commit()
            second.rollback()
            assert roll_up_batch(second, LATER) == 0
            second.commit()
    finally:
        first.close()
        second.close()
    assert counted(pg_engine) == (3, 3)


@pytest.mark.pg
def test_two_workers_running_at_once_count_every_event_exactly_once(pg_engine: Engine, pg_app: Flask) -> None:
    opened_newsletters(pg_engine, 40)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with pg_app.app_context(), Session(pg_engine) as session:
                for _ in range(30):
                    roll_up(session, LATER, batch_size=7)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors
    assert counted(pg_engine) == (40, 40)
