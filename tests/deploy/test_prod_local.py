"""`make prod-local` really starts the production layout on PostgreSQL and Redis, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from core.db import make_engine
from tests.conftest import PG_SCHEMA, TEST_DATABASE_URL, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = [pytest.mark.pg, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (loopback)
        return int(answer.status)


def refuses_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_prod_local_serves_with_gunicorn_a_scheduler_and_two_workers_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path,
) -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at {REDIS_URL}: {error}")
    finally:
        client.close()
    assert TEST_DATABASE_URL
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": fresh_database_url("postgresql", tmp_path, "prod_local"),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
    }
    command = [sys.executable, "deploy/prod_local.py", "--port", str(port), "--no-demo", "--instance", str(tmp_path)]
    manager = subprocess.Popen(
        command, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert manager.stdout is not None
    lines: list[str] = []
    try:
        for line in manager.stdout:
            lines.append(line)
            if "Ctrl-C stops them" in line:
                break
        assert "one scheduler, 2 workers" in lines[-1], "".join(lines[-30:])
        assert get(f"http://127.0.0.1:{port}/healthz") == 200
        assert get(f"http://127.0.0.1:{port}/portal/sign-in") == 200
        started = time.monotonic()
        manager.send_signal(signal.SIGINT)
        rest, _ = manager.communicate(timeout=45)
    finally:
        if manager.poll() is None:
            manager.kill()
            manager.wait()
    output = "".join(lines) + rest
    assert manager.returncode == 0, output[-3000:]
    assert "prod-local: stopped cleanly" in output
    assert output.count("Worker exiting") >= 2  # gunicorn's web workers finished
    assert len(re.findall(r"worker \S+: \d+ sent", output)) == 2  # both delivery workers reported on their way out
    assert "scheduler stopping" in output
    assert time.monotonic() - started < 35
    assert refuses_connections(port)


@pytest.fixture(autouse=True)
def drop_schema() -> Iterator[None]:
    yield
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}_prod_local" CASCADE'))
    admin.dispose()
