"""`make prod-local`: the production layout on this machine, to rehearse it or load-test it.

Starts what the README's production section describes, against PostgreSQL and Redis here:
gunicorn (deploy/gunicorn.conf.py), one scheduler and two delivery workers, with APP_ENV=production.
Ctrl-C (or SIGTERM) stops them all gracefully: each gets SIGTERM, finishes what it is doing
(gunicorn its requests, a worker its batch) and exits; anything still running after 30 s is killed.
If one of them dies, the others are stopped too and the exit code says so.

    python deploy/prod_local.py [--port 8000] [--workers 2] [--no-demo]

Settings come from the environment or `.env`, as for every Channelcast process; this script only
fills in local defaults (DATABASE_URL to a `channelcast_local` database, created if missing; Redis
for rate limits; files in `instance-prod/storage`; a secret kept in `instance-prod/secret-key`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from dotenv import dotenv_values
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_SECONDS = 30


def local_environ(instance: Path, port: int) -> dict[str, str]:
    """Production settings for this machine; anything already set in the environment wins."""
    secret_file = instance / "secret-key"
    if not secret_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(48) + "\n")
        secret_file.chmod(0o600)
    defaults = {
        "APP_ENV": "production",
        "INSTANCE_DIR": str(instance),
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/channelcast_local",
        "SECRET_KEY": secret_file.read_text().strip(),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "STORAGE_URL": f"file://{instance / 'storage'}",
        "LOG_FORMAT": "text",
    }
    dotenv = {key: value for key, value in dotenv_values(ROOT / ".env").items() if value is not None}
    return {**defaults, **dotenv, **os.environ}


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it is missing (a fresh machine has only `postgres`)."""
    target = make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            found = connection.scalar(query, {"name": target.database})
            if not found:
                connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
                print(f"prod-local: created database {target.database}", flush=True)
    finally:
        admin.dispose()


def flask(*arguments: str) -> list[str]:
    return [PYTHON, "-m", "flask", "--app", "wsgi", *arguments]


def prepare(environ: dict[str, str], *, demo: bool) -> None:
    ensure_database(environ["DATABASE_URL"])
    subprocess.run(flask("db", "upgrade"), cwd=ROOT, env=environ, check=True)
    if demo:
        subprocess.run(flask("demo", "--force"), cwd=ROOT, env=environ, check=True)


def start(environ: dict[str, str], port: int, workers: int) -> dict[str, subprocess.Popen[bytes]]:
    """Each in a session of its own, so Ctrl-C reaches only this script, which then stops them in order."""
    commands = {
        "web": [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        "scheduler": flask("scheduler"),
        "workers": flask("worker", "--concurrency", str(workers)),
    }
    return {
        name: subprocess.Popen(command, cwd=ROOT, env=environ, start_new_session=True)
        for name, command in commands.items()
    }


def wait_until_serving(
    port: int, processes: dict[str, subprocess.Popen[bytes]], stopping: list[int], seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stopping:
        if any(process.poll() is not None for process in processes.values()):
            return  # one died: the main loop reports it
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    print(f"prod-local: nothing answers on port {port} after {seconds:.0f} s", flush=True)


def stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"prod-local: {name} did not stop in {STOP_SECONDS} s; killing it", flush=True)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def catch_stop_signals() -> list[int]:
    """Ctrl-C and SIGTERM only note that we should stop; the loop below does it in order."""
    stopping: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stopping


def supervise(processes: dict[str, subprocess.Popen[bytes]], stopping: list[int]) -> int:
    """Until Ctrl-C, SIGTERM or a process dying; returns the exit code."""
    while not stopping:
        dead = [name for name, process in processes.items() if process.poll() is not None]
        if dead:
            print(f"prod-local: {', '.join(dead)} exited; stopping the rest", flush=True)
            stop(processes)
            return 1
        time.sleep(0.5)
    print("prod-local: stopping (web finishes its requests, workers their batch)...", flush=True)
    stop(processes)
    print("prod-local: stopped cleanly", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="delivery worker processes")
    parser.add_argument("--instance", type=Path, default=ROOT / "instance-prod")
    parser.add_argument("--no-demo", dest="demo", action="store_false", help="do not load the demo data")
    args = parser.parse_args(argv)
    environ = local_environ(args.instance.resolve(), args.port)
    prepare(environ, demo=args.demo)
    stopping = catch_stop_signals()
    processes = start(environ, args.port, args.workers)
    wait_until_serving(args.port, processes, stopping)
    print(
        f"prod-local: gunicorn on http://127.0.0.1:{args.port}, one scheduler, {args.workers} workers "
        f"(database {make_url(environ['DATABASE_URL']).render_as_string()}, "
        f"rate limits {environ['RATELIMIT_STORAGE_URI']}, files {environ['STORAGE_URL']}). Ctrl-C stops them.",
        flush=True,
    )
    return supervise(processes, stopping)


if __name__ == "__main__":
    sys.exit(main())
