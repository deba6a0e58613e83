import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Heartbeat
from core.scheduler import register_tick, run_ticks


def test_every_registered_tick_runs_with_the_time_and_a_session(app: Flask, session: Session) -> None:
    seen: list[dt.datetime] = []

    def probe(_session: Session, now: dt.datetime) -> str:
        seen.append(now)
        return "1 thing done"

    register_tick(app, "probe", probe)
    now = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    assert run_ticks(app, now)["probe"] == "1 thing done"
    assert seen == [now]


def test_a_failing_tick_is_logged_and_does_not_stop_the_others(
    app: Flask, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_session: Session, _now: dt.datetime) -> None:
        raise RuntimeError("boom")

    register_tick(app, "broken", broken)
    register_tick(app, "healthy", lambda _session, _now: None)
    outcomes = run_ticks(app)
    assert (outcomes["broken"], outcomes["healthy"]) == ("failed", "ok")
    assert "tick broken failed" in caplog.text
    beat = session.scalar(select(Heartbeat).where(Heartbeat.name == "scheduler"))
    assert beat is not None
    assert "broken: failed" in beat.detail


def test_the_heartbeat_is_one_row_however_often_the_scheduler_ticks(app: Flask, session: Session) -> None:
    for _ in range(3):
        run_ticks(app)
    assert len(session.scalars(select(Heartbeat)).all()) == 1
