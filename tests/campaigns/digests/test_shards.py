"""A newsletter run split into shards that schedulers claim: every newsletter once, a dead one's shard taken over."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bench.digest_data import DUE_AT, generate
from campaigns.delivery.models import Delivery
from campaigns.digests.shards import (
    DigestShard,
    ShardStatus,
    claim_shard,
    plan_run,
    run_newsletter_shards,
    work_on_shards,
)
from content.models import InterestArea
from core import migrate
from core.db import make_engine
from tests.campaigns.digests.test_digests import TUESDAY_9_AMSTERDAM, news, weekly_contact
from tests.campaigns.digests.test_digests_concurrency import expected_newsletters, queued, unfinished
from tests.conftest import fresh_database_url
from tests.content.factories import InterestAreaFactory

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def storage(session: Session) -> InterestArea:
    return InterestAreaFactory.create(slug="storage", names={"en": "Storage"})


def shards_by_status(session: Session) -> Counter[ShardStatus]:
    return Counter(session.scalars(select(DigestShard.status)))


def test_a_tick_splits_the_run_into_shards_and_queues_each_newsletter_once(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    contacts = [weekly_contact(storage) for _ in range(7)]
    news(storage, title="Array trade-in")
    session.commit()

    report = run_newsletter_shards(session, app, TUESDAY_9_AMSTERDAM)

    assert report.enqueued == 7
    assert shards_by_status(session) == {ShardStatus.DONE: 4}
    keys = session.scalars(select(Delivery.idempotency_key)).all()
    assert sorted(keys) == sorted(f"digest:{c.id}:2026-W10" for c in contacts)
    again = run_newsletter_shards(session, app, TUESDAY_9_AMSTERDAM + dt.timedelta(minutes=1))
    assert again.enqueued == 0
    assert session.scalar(select(func.count(Delivery.id))) == 7


def test_no_new_run_is_planned_while_a_shard_of_the_last_one_is_held(app: Flask, session: Session) -> None:
    assert plan_run(session, TUESDAY_9_AMSTERDAM, shards=2)
    held = claim_shard(session, owner="scheduler-a", now=TUESDAY_9_AMSTERDAM, lease_seconds=300)
    assert held is not None

    assert not plan_run(session, TUESDAY_9_AMSTERDAM + dt.timedelta(minutes=1), shards=2)
    assert session.scalar(select(func.count(DigestShard.id))) == 2


def test_a_shard_whose_scheduler_died_is_claimed_again_once_its_lease_runs_out(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    contacts = [weekly_contact(storage) for _ in range(5)]
    news(storage)
    plan_run(session, TUESDAY_9_AMSTERDAM, shards=1)
    dead = claim_shard(session, owner="died", now=TUESDAY_9_AMSTERDAM, lease_seconds=60)
    assert dead is not None
    session.commit()
    clock = [TUESDAY_9_AMSTERDAM + dt.timedelta(seconds=30)]

    early = work_on_shards(session, app, owner="other", lease_seconds=60, clock=lambda: clock[0])
    assert early.enqueued == 0  # still held: nobody else touches it

    clock[0] = TUESDAY_9_AMSTERDAM + dt.timedelta(seconds=61)
    late = work_on_shards(session, app, owner="other", lease_seconds=60, clock=lambda: clock[0])
    assert late.enqueued == len(contacts)
    shard = session.scalars(select(DigestShard)).one()
    assert (shard.status, shard.owner, shard.attempts) == (ShardStatus.DONE, "other", 2)


def test_digest_run_takes_one_shard_by_hand(app: Flask, session: Session, storage: InterestArea) -> None:
    contacts = [weekly_contact(storage) for _ in range(6)]
    news(storage)
    session.commit()
    runner = app.test_cli_runner()

    wrong = runner.invoke(args=["digest", "run", "--now", TUESDAY_9_AMSTERDAM.isoformat(), "--shard", "3/2"])
    assert wrong.exit_code != 0
    assert "K/N with 1 <= K <= N" in wrong.output
    first = runner.invoke(args=["digest", "run", "--now", TUESDAY_9_AMSTERDAM.isoformat(), "--shard", "1/2"])
    assert first.exit_code == 0, first.output

    queued_ids = set(session.scalars(select(Delivery.contact_id)))
    assert queued_ids == {c.id for c in contacts if c.id % 2 == 0}


# ------------------------------------------------------------------------------------------ across processes


def tick_env(url: str, instance: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "test",
        "INSTANCE_DIR": str(instance),
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-signing",
        "LOG_LEVEL": "error",
        "DIGEST_SHARDS": "6",
        **extra,
    }


def tick_command(batch_size: int = 200) -> list[str]:
    return [
        sys.executable, "-m", "flask", "--app", "wsgi", "digest", "tick",
        "--now", DUE_AT.isoformat(), "--batch-size", str(batch_size),
    ]  # fmt: skip


def owners(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(owner for owner in session.scalars(select(DigestShard.owner)) if owner)


@pytest.mark.pg
@pytest.mark.slow
def test_two_schedulers_on_two_machines_share_one_run_and_queue_each_newsletter_once(
    backend: str, tmp_path: Path
) -> None:
    url = fresh_database_url(backend, tmp_path, "digest_shards")
    engine = make_engine(url)
    migrate.upgrade(engine)
    generate(engine, contacts=4000, partners=200, items=80, seed=5)
    try:
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
        machines = [
            subprocess.Popen(tick_command(), cwd=ROOT, env=tick_env(url, tmp_path / name), **pipes)  # type: ignore[call-overload]
            for name in ("machine-a", "machine-b")
        ]
        outputs = [machine.communicate(timeout=180) for machine in machines]
        assert [machine.returncode for machine in machines] == [0, 0], outputs
        rows, contacts = queued(engine)
        assert rows == contacts == expected_newsletters(backend, tmp_path, contacts=4000, seed=5)
        assert unfinished(engine) == 0
        with Session(engine) as session:
            assert shards_by_status(session) == {ShardStatus.DONE: 6}
        assert sum(owners(engine).values()) == 6
    finally:
        engine.dispose()


@pytest.mark.pg
@pytest.mark.slow
def test_a_scheduler_killed_mid_shard_leaves_it_to_another_after_the_lease(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path, "digest_shard_crash")
    engine = make_engine(url)
    migrate.upgrade(engine)
    generate(engine, contacts=6000, partners=200, items=80, seed=5)
    lease = {"DIGEST_SHARD_LEASE_SECONDS": "600", "DIGEST_SHARDS": "2"}
    try:
        first = subprocess.Popen(
            tick_command(batch_size=50), cwd=ROOT, env=tick_env(url, tmp_path / "machine-a", **lease),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while queued(engine)[0] == 0:
            assert time.monotonic() < deadline, "the first scheduler never queued anything"
            assert first.poll() is None, "the first scheduler ended before it could be killed"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        partial, _ = queued(engine)
        assert 0 < partial < 3000, "the kill came too late to test a take-over"

        second_env = tick_env(url, tmp_path / "machine-b", **lease)
        early = subprocess.run(tick_command(), cwd=ROOT, env=second_env, capture_output=True, text=True, timeout=180)
        assert early.returncode == 0, early.stderr
        with Session(engine) as session:
            held = session.scalars(select(DigestShard).where(DigestShard.status == ShardStatus.RUNNING)).all()
            assert len(held) == 1, "the dead scheduler's shard stays held until its lease runs out"
            # Let the lease run out now rather than wait for it.
            session.execute(update(DigestShard).values(lease_expires_at=DigestShard.started_at))
            session.commit()

        late = subprocess.run(tick_command(), cwd=ROOT, env=second_env, capture_output=True, text=True, timeout=180)
        assert late.returncode == 0, late.stderr
        rows, contacts = queued(engine)
        assert rows == contacts == expected_newsletters(backend, tmp_path, contacts=6000, seed=5)
        with Session(engine) as session:
            shards = session.scalars(select(DigestShard).order_by(DigestShard.shard)).all()
            assert [s.status for s in shards] == [ShardStatus.DONE, ShardStatus.DONE]
            assert sorted(s.attempts for s in shards) == [1, 2]
        assert unfinished(engine) == 0
    finally:
        engine.dispose()
