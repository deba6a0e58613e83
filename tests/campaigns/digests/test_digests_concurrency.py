"""Newsletters under concurrency and crashes: each one is queued exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.digest_data import DUE_AT, generate
from campaigns.delivery.models import Delivery
from campaigns.digests.assembly import assemble_digests, assemble_in_processes
from campaigns.digests.shards import run_newsletter_shards
from core import migrate
from core.db import make_engine
from subscribers.models import Contact
from tests.conftest import fresh_database_url, make_settings
from wsgi import create_app

ROOT = Path(__file__).resolve().parents[3]


def queued(engine: Engine) -> tuple[int, int]:
    """(rows, distinct contacts) in the outbox."""
    with Session(engine) as session:
        rows = session.scalar(select(func.count(Delivery.id))) or 0
        contacts = session.scalar(select(func.count(func.distinct(Delivery.contact_id)))) or 0
    return rows, contacts


def unfinished(engine: Engine) -> int:
    """Contacts the run has not reached yet (every due contact gets its period marked)."""
    with Session(engine) as session:
        return session.scalar(select(func.count(Contact.id)).where(Contact.last_digest_period.is_(None))) or 0


def expected_newsletters(backend: str, tmp_path: Path, *, contacts: int, seed: int) -> int:
    """How many newsletters one uninterrupted run queues for the same generated audience."""
    url = fresh_database_url(backend, tmp_path, "digest_reference")
    app = create_app(make_settings(tmp_path / "reference", url))
    engine = app.extensions["channelcast.db"].engine
    try:
        migrate.upgrade(engine)
        generate(engine, contacts=contacts, partners=200, items=80, seed=seed)
        with Session(engine) as session:
            return assemble_digests(session, DUE_AT, app=app).enqueued
    finally:
        engine.dispose()


@pytest.mark.pg
@pytest.mark.slow
def test_two_schedulers_ticking_at_once_queue_each_newsletter_once(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "digest_race")
    app = create_app(make_settings(tmp_path, url))
    engine = app.extensions["channelcast.db"].engine
    migrate.upgrade(engine)
    generate(engine, contacts=3000, partners=100, items=60, seed=3)
    barrier, reports = threading.Barrier(2), []

    def scheduler() -> None:
        with Session(engine) as session:
            barrier.wait()
            reports.append(assemble_digests(session, DUE_AT, app=app, batch_size=250))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rows, contacts = queued(engine)
        with_news = 3000 - max(report.nothing_new for report in reports)
        assert rows == contacts == with_news > 2500  # one newsletter each, none twice
        assert sum(report.enqueued for report in reports) == rows
        assert unfinished(engine) == 0
    finally:
        engine.dispose()


@pytest.mark.pg
@pytest.mark.slow
def test_a_run_killed_mid_assembly_resumes_and_queues_each_newsletter_once(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "digest_crash")
    engine = make_engine(url)
    migrate.upgrade(engine)
    generate(engine, contacts=6000, partners=200, items=80, seed=5)
    env = {
        **os.environ,
        "APP_ENV": "test",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-signing",
        "LOG_LEVEL": "error",
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "digest",
        "run",
        "--now",
        DUE_AT.isoformat(),
        "--batch-size",
        "100",
    ]
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while queued(engine)[0] == 0:
        assert time.monotonic() < deadline, "the first run never queued anything"
        assert first.poll() is None, "the first run ended before it could be killed"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    partial, _ = queued(engine)
    assert 0 < partial < 6000, "the kill came too late to test a resume"

    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert second.returncode == 0, second.stderr
    rows, contacts = queued(engine)
    left = unfinished(engine)
    engine.dispose()
    assert rows == contacts == expected_newsletters(backend, tmp_path, contacts=6000, seed=5)
    assert left == 0


@pytest.mark.slow
def test_a_run_split_over_two_processes_queues_the_same_newsletters_as_one(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "digest_parallel")
    app = create_app(make_settings(tmp_path, url))
    engine = app.extensions["channelcast.db"].engine
    try:
        migrate.upgrade(engine)
        generate(engine, contacts=4000, partners=200, items=80, seed=5)
        engine.dispose()
        report = assemble_in_processes(app, DUE_AT, processes=2, batch_size=300)
        rows, contacts = queued(engine)
        assert rows == contacts == report.enqueued == expected_newsletters(backend, tmp_path, contacts=4000, seed=5)
        assert report.contacts_seen == 4000
        assert unfinished(engine) == 0
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_scheduler_with_two_processes_works_its_shards_and_queues_each_newsletter_once(
    backend: str, tmp_path: Path
) -> None:
    """DIGEST_PROCESSES=2: the run's shards are shared by two forked processes of one scheduler."""
    url = fresh_database_url(backend, tmp_path, "digest_shard_processes")
    app = create_app(make_settings(tmp_path, url, DIGEST_PROCESSES="2", DIGEST_SHARDS="4"))
    engine = app.extensions["channelcast.db"].engine
    try:
        migrate.upgrade(engine)
        generate(engine, contacts=3000, partners=200, items=80, seed=9)  # as expected_newsletters does
        with Session(engine) as session:
            report = run_newsletter_shards(session, app, DUE_AT, batch_size=300)
        rows, contacts = queued(engine)
        assert rows == contacts == report.enqueued == expected_newsletters(backend, tmp_path, contacts=3000, seed=9)
        assert unfinished(engine) == 0
    finally:
        engine.dispose()
