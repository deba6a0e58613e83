"""Workers as real processes: killed mid-batch on PostgreSQL, restarted, nothing lost or doubled."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.fake_sendgrid import FakeSendGrid
from campaigns.delivery.models import Delivery, DeliveryStatus
from campaigns.delivery.outbox import retry_delivery
from core import migrate
from core.db import make_engine, utc_now
from tests.campaigns.delivery.conftest import POSTAL, SENDER, WebhookKeys, a_body, post_events, queue
from tests.conftest import TEST_DATABASE_URL, fresh_database_url, make_settings
from wsgi import create_app

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 300


def worker_env(url: str, fake: FakeSendGrid, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "test",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-signing",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": url,
        "LOG_LEVEL": "error",
        "MAIL_TRANSPORT": "sendgrid",
        "MAIL_FROM": SENDER,
        "POSTAL_ADDRESS": POSTAL,
        "SENDGRID_API_KEY": fake.api_key,
        "SENDGRID_API_HOST": fake.url,
        "SENDGRID_BATCH_SIZE": "25",
        "DELIVERY_BATCH_SIZE": "100",
        "DELIVERY_LEASE_SECONDS": "2",
        "DELIVERY_POLL_SECONDS": "1",
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--drain"]
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=output)


def wait_for(condition: Callable[[], object], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def settle_from_events(app: Flask, keys: WebhookKeys, fake: FakeSendGrid) -> None:
    """What SendGrid's event webhook would tell us: a `processed` event per accepted message."""
    events = [
        {"event": "processed", "sg_event_id": f"p-{a.delivery_id}", "delivery_id": a.delivery_id, "email": a.email}
        for a in fake.accepted
    ]
    response = post_events(app.test_client(), keys, events, at=utc_now())
    assert response.status_code == 200


@pytest.mark.pg
@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, webhook_keys: WebhookKeys
) -> None:
    url = fresh_database_url("postgresql", tmp_path, "killed_worker")
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        queue(session, a_body(session), MESSAGES)
        session.commit()
    app = create_app(make_settings(tmp_path, url, SENDGRID_WEBHOOK_PUBLIC_KEY=webhook_keys.public_key))
    try:
        with FakeSendGrid(delay_seconds=0.3) as fake:
            env = worker_env(url, fake, tmp_path)
            log = tmp_path / "workers.log"
            first = start_worker(env, log)
            wait_for(lambda: len(fake.answered) >= 3)  # the third request is accepted and not yet answered
            os.kill(first.pid, signal.SIGKILL)
            first.wait()

            second = start_worker(env, log)
            assert second.wait(timeout=60) == 0, log.read_text()
            with Session(engine) as session:
                uncertain = session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.UNCERTAIN)).all()
            assert uncertain, "the request in flight at the kill must be reported, not resent"

            settle_from_events(app, webhook_keys, fake)
            with Session(engine) as session:  # what no event settled never reached SendGrid: send it again
                for delivery in session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.UNCERTAIN)):
                    retry_delivery(session, delivery)
                session.commit()
            third = start_worker(env, log)
            assert third.wait(timeout=60) == 0, log.read_text()

        with Session(engine) as session:
            final = Counter(d.status for d in session.scalars(select(Delivery)))
        assert final == {DeliveryStatus.SENT: MESSAGES}
        assert len(fake.accepted_ids) == MESSAGES
        assert set(fake.accepted_ids.values()) == {1}
    finally:
        app.extensions["channelcast.db"].engine.dispose()
        schema = url.rpartition("%3D")[2]
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def test_more_than_one_worker_needs_postgresql(app: Flask) -> None:
    if TEST_DATABASE_URL and app.config["CHANNELCAST"].database_url.startswith("postgresql"):
        pytest.skip("this checks the SQLite refusal")
    result = app.test_cli_runner().invoke(args=["worker", "--concurrency", "2", "--drain"])
    assert result.exit_code != 0
    assert "SQLite allows one worker" in result.output


@pytest.mark.pg
@pytest.mark.slow
def test_two_workers_sending_concurrently_deliver_every_message_exactly_once(tmp_path: Path) -> None:
    url = fresh_database_url("postgresql", tmp_path, "concurrent_workers")
    engine = make_engine(url)
    migrate.upgrade(engine)
    messages = 2000
    with Session(engine) as session:
        for topic_number, topic in enumerate(("storage", "cloud", "security", "network")):
            queue(session, a_body(session, topic), messages // 4, start=topic_number * messages)
        session.commit()
    try:
        with FakeSendGrid(delay_seconds=0.05, keep_payloads=False) as fake:
            env = {
                **worker_env(url, fake, tmp_path),
                "SENDGRID_BATCH_SIZE": "20",
                "DELIVERY_BATCH_SIZE": "120",
                "DELIVERY_LEASE_SECONDS": "60",
                "DELIVERY_SEND_CONCURRENCY": "8",
            }
            command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--concurrency", "2", "--drain"]
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
            assert done.returncode == 0, done.stderr
        assert len(fake.accepted_ids) == messages
        assert set(fake.accepted_ids.values()) == {1}
        assert max(fake.stats()["statuses"].values()) == fake.stats()["requests"]  # every answer a 202
        with Session(engine) as session:
            final = Counter(d.status for d in session.scalars(select(Delivery)))
            sent_events = session.scalar(text("SELECT count(DISTINCT delivery_id) FROM events WHERE kind = 'sent'"))
        assert final == {DeliveryStatus.SENT: messages}
        assert sent_events == messages
        two_workers = [line for line in done.stderr.splitlines() if line.startswith("worker ")]
        assert len(two_workers) == 2, done.stderr
        assert all(" 0 sent" not in line for line in two_workers), "both workers shared the outbox"
    finally:
        schema = url.rpartition("%3D")[2]
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
