"""The minute tick: packages register what must happen every minute; the database decides what is due.

APScheduler only drives the clock. Each tick function finds due work in the database and claims
it with a unique key, so running a tick twice, running two schedulers, or restarting after a
crash never does anything twice. After every tick the scheduler writes its heartbeat, which
/healthz reports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.db import Database, utc_now
from core.models import Heartbeat

Tick = Callable[[Session, dt.datetime], Any]
HEARTBEAT = "scheduler"
log = logging.getLogger("channelcast.scheduler")


def register_tick(app: Flask, name: str, tick: Tick) -> None:
    """Run `tick(session, now)` every minute; it owns no transaction (the runner commits)."""
    app.extensions.setdefault("channelcast.ticks", {})[name] = tick


def registered_ticks(app: Flask) -> dict[str, Tick]:
    ticks: dict[str, Tick] = app.extensions.get("channelcast.ticks", {})
    return ticks


def record_heartbeat(session: Session, name: str, at: dt.datetime, detail: str = "") -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Heartbeat).values(name=name, beat_at=at, detail=detail[:255])
    session.execute(
        statement.on_conflict_do_update(index_elements=[Heartbeat.name], set_={"beat_at": at, "detail": detail[:255]})
    )


def run_ticks(app: Flask, now: dt.datetime | None = None) -> dict[str, str]:
    """One tick of every registered job, each in its own transaction; a failure stops only itself."""
    now = now or utc_now()
    database: Database = app.extensions["channelcast.db"]
    outcomes: dict[str, str] = {}
    for name, tick in registered_ticks(app).items():
        try:
            with app.app_context(), database.unit_of_work() as session:
                result = tick(session, now)
            outcomes[name] = "ok" if result is None else str(result)
        except Exception:
            log.exception("tick %s failed", name, extra={"tick": name})
            outcomes[name] = "failed"
    # Failures first, so the heartbeat's short detail always names them.
    ordered = sorted(outcomes.items(), key=lambda pair: pair[1] != "failed")
    summary = "; ".join(f"{name}: {outcome[:60]}" for name, outcome in ordered) or "no jobs"
    with database.unit_of_work() as session:
        record_heartbeat(session, HEARTBEAT, utc_now(), summary)
    log.debug("tick done: %s", summary)
    return outcomes


def _add_tick_job(scheduler: BaseScheduler, app: Flask) -> None:
    scheduler.add_job(
        run_ticks,
        CronTrigger(second=0, timezone=dt.UTC),
        args=[app],
        id="minute-tick",
        max_instances=1,
        coalesce=True,  # after downtime: one catch-up tick, not one per missed minute
        misfire_grace_time=50,
        next_run_time=dt.datetime.now(dt.UTC),
    )


def run_blocking(app: Flask) -> None:
    """The production scheduler process (`flask --app wsgi scheduler`)."""
    scheduler = BlockingScheduler(timezone=dt.UTC)
    _add_tick_job(scheduler, app)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping on signal %s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started: ticks every minute (%d jobs)", len(registered_ticks(app)))
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.start()


def start_in_background(app: Flask) -> BackgroundScheduler:
    """The same ticks inside the development server (`make run`)."""
    scheduler = BackgroundScheduler(timezone=dt.UTC, daemon=True)
    _add_tick_job(scheduler, app)
    scheduler.start()
    return scheduler
