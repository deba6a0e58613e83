"""The open pixel and click-through endpoints under an opening wave: gunicorn on loopback, driven by wrk.

100,000 newsletters sent a day ago (one body with six links) on PostgreSQL (TEST_DATABASE_URL;
without it SQLite, and the table says so), served by gunicorn with deploy/gunicorn.conf.py and
production settings. wrk drives, for a bounded time each, 32 connections that send the next
request as soon as the last one answered:

- the pixel, GET `/t/o/<token>.gif`, over every newsletter's own pixel;
- a click, GET `/t/c/<body>/<token>`, over every newsletter's own links (302 to the page).

Then gunicorn is stopped the orderly way (SIGTERM) and the events table is counted: every answered
request must be exactly one event. The naive way in the same run: the same tokens under the same
gunicorn, answered by a Flask route that inserts and commits one event per request
(bench/tracking_naive.py). Targets on 2 cores: at least 2,000 events/s with p99 at most 20 ms,
no request over 1 s, and 100,000 events within a minute all recorded once.
`python -m bench.tracking --seconds 5 --messages 20000` for a quick run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bench.common import Report
from bench.web import (
    Measured,
    Scenario,
    database,
    environ_for,
    free_port,
    run_wrk,
    start_gunicorn,
    stop,
)
from campaigns.delivery.models import Delivery, DeliveryStatus, Event
from campaigns.delivery.outbox import NewDelivery, body_links, enqueue, store_body
from campaigns.delivery.worker import tracking_from_settings
from core import migrate
from core.config import load_settings
from core.db import make_engine, utc_now

TARGET_RATE = 2000.0
TARGET_P99_MS = 20.0
TARGET_MAX_MS = 1000.0
WAVE_EVENTS = 100_000
USERS = 16
SERVED = re.compile(r'"(GET|HEAD) /(t|naive)/[oc]/\S+ HTTP/1\.1" (200|302) ')
POSTAL = "Channelcast Bench BV, Keizersgracht 1, 1015 CJ Amsterdam, NL"
LINKS = [f"https://vendor.example/news/{n}?utm_source=newsletter" for n in range(1, 7)]


@dataclass(frozen=True)
class Run:
    measured: list[Measured]
    recorded: int  # events in the table after the orderly stop
    label: str
    served: int = 0  # requests gunicorn's access log shows answered 200 or 302 (warm-up included)


def seed(engine: Engine, messages: int) -> tuple[int, list[int]]:
    """One newsletter body with six links and `messages` deliveries of it, sent a day ago."""
    html = "".join(f'<p><a href="{url}">Story {n}</a></p>' for n, url in enumerate(LINKS, 1))
    html = f"<html><body>{html}<p>{POSTAL}</p></body></html>"
    text = "\n".join(LINKS) + f"\n{POSTAL}\n"
    with Session(engine) as session:
        body = store_body(session, "Bench news", html, text, postal_address=POSTAL)
        for start in range(0, messages, 10_000):
            enqueue(
                session,
                [
                    NewDelivery(
                        idempotency_key=f"bench-tracking:{n}", body=body, recipient_email=f"reader{n}@bench.example",
                        fields={"unsubscribe_url": "https://x.example/u", "preferences_url": "https://x.example/p"},
                        contact_id=n + 1, category="digest",
                    )
                    for n in range(start, min(messages, start + 10_000))
                ],
                now=utc_now(),
            )  # fmt: skip
            session.commit()
        sent = utc_now() - dt.timedelta(days=1)
        session.execute(update(Delivery).values(status=DeliveryStatus.SENT, sent_at=sent))
        ids = list(session.scalars(select(Delivery.id).order_by(Delivery.id)))
        session.commit()
        return body.id, ids


def paths(environ: dict[str, str], engine: Engine, body_id: int, ids: list[int]) -> tuple[list[str], list[str]]:
    """Every message's pixel and one of its links (cycling through the six), as the worker signs them."""
    tracking = tracking_from_settings(load_settings(environ))
    assert tracking is not None
    with Session(engine) as session:
        links = body_links(session, [body_id])[body_id]
    issued = int(utc_now().timestamp())
    pixels, clicks = [], []
    for n, ref in enumerate(ids):
        values = tracking.values(ref, body_id, links, issued_at=issued)
        pixels.append(values["track_open"].split("://", 1)[1].partition("/")[2])
        clicks.append(values[f"track_link_{n % len(links) + 1}"].split("://", 1)[1].partition("/")[2])
    return [f"/{p}" for p in pixels], [f"/{c}" for c in clicks]


def served(log: Path) -> int:
    """Tracking requests the server answered, by its own access log (wrk misses those in flight at its end)."""
    lines = log.read_text(errors="replace").splitlines()
    return sum(1 for line in lines if SERVED.search(line))


def count_events(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def clear_events(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(Event.__table__.delete())  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Setup:
    """What both runs share: the database, the app's environment, the port and the run length."""

    engine: Engine
    environ: dict[str, str]
    port: int
    directory: Path
    seconds: int
    label: str
    extra: tuple[str, ...]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def measure(directory: Path, messages: int, seconds: int, extra: tuple[str, ...] = ()) -> tuple[Run, Run]:
    url, label = database(directory)
    engine = make_engine(url)
    migrate.upgrade(engine)
    body_id, ids = seed(engine, messages)
    port = free_port()
    environ = environ_for(url, directory, port, "memory://")
    environ["LOG_LEVEL"] = "warning"  # gunicorn's access line per request is log enough
    setup = Setup(engine, environ, port, directory, seconds, label, extra)
    pixels, clicks = paths(environ, engine, body_id, ids)
    ours = _run(setup, "wsgi:app", pixels, clicks, name="pixel GET")
    clear_events(engine)
    naive_pixels = [path.replace("/t/o/", "/naive/o/", 1) for path in pixels]
    naive = _run(setup, "bench.tracking_naive:app", naive_pixels, [], name="naive: pixel GET, one insert per request")
    engine.dispose()
    return ours, naive


def _run(setup: Setup, app: str, pixels: list[str], clicks: list[str], *, name: str) -> Run:
    log = setup.directory / f"{app.partition(':')[0]}.log"
    server = start_gunicorn(setup.environ, setup.port, log, naive=False, app=app, extra=setup.extra)
    directory, base, seconds = setup.directory, setup.base, setup.seconds
    try:
        run_wrk(base, Scenario(name, "GET", pixels[:2000], 4), 2, directory, server.pid)  # warm-up
        measured = [run_wrk(base, Scenario(name, "GET", pixels, USERS), seconds, directory, server.pid)]
        if clicks:
            measured.append(run_wrk(base, Scenario("click GET", "GET", clicks, USERS), seconds, directory, server.pid))
    finally:
        stop(server)  # SIGTERM: each worker writes what it still holds before it goes
    return Run(measured, count_events(setup.engine), setup.label, served=served(log))


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=30, help="per endpoint")
    parser.add_argument("--gunicorn", default="", help='extra gunicorn flags, e.g. "--workers 3 --threads 2"')
    args = parser.parse_args(argv)
    report = Report("tracking endpoints under an opening wave (gunicorn on loopback, wrk)")
    if shutil.which("wrk") is None:
        report.line("skipped", "wrk is not installed", "make wrk (Debian's wrk, as root)")
        return report
    with tempfile.TemporaryDirectory() as tmp:
        ours, naive = measure(Path(tmp), args.messages, args.seconds, tuple(args.gunicorn.split()))
    fill(report, ours, naive, args.messages)
    report.write("tracking.json")
    return report


def fill(report: Report, ours: Run, naive: Run, messages: int) -> None:
    if ours.label == "sqlite":
        report.line("note", "TEST_DATABASE_URL not set: SQLite", "PostgreSQL")
    report.line("newsletters / database / load average", f"{messages:,} / {ours.label} / {os.getloadavg()[0]:.1f}")
    for row in [*ours.measured, *naive.measured]:
        report.line(
            f"{row.name} ({row.users} users)",
            f"{row.per_second:,.0f} events/s, p50 {row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms, "
            f"max {row.max_ms:.0f} ms, {row.cpu_ms_per_request:.2f} ms CPU each"
            + (f", {row.bad} bad" if row.bad else ""),
            "" if row.name.startswith("naive") else f">= {TARGET_RATE:,.0f}/s, p99 <= {TARGET_P99_MS:.0f} ms",
        )
    timed = sum(row.requests - row.bad for row in ours.measured)
    seconds = sum(row.seconds for row in ours.measured)
    report.line("served / recorded after an orderly stop (ours)", f"{ours.served:,} / {ours.recorded:,}", "equal")
    report.line("events in the timed runs", f"{timed:,} in {seconds:.0f} s", f"{WAVE_EVENTS:,} within 60 s")
    report.line("served / recorded (naive)", f"{naive.served:,} / {naive.recorded:,}", "")
    if naive.measured and ours.measured:
        ratio = ours.measured[0].per_second / max(naive.measured[0].per_second, 1)
        report.line("ours vs naive (pixel)", f"{ratio:.1f}x events/s", "")
    for line in shortfalls(ours, timed, seconds):
        report.line("shortfall", line)
    report.result = {
        "messages": messages,
        "database": ours.label,
        "endpoints": {row.name: _as_dict(row) for row in [*ours.measured, *naive.measured]},
        "served": ours.served,
        "recorded": ours.recorded,
        "naive_served": naive.served,
        "naive_recorded": naive.recorded,
        "targets": {"events_per_s": TARGET_RATE, "p99_ms": TARGET_P99_MS, "max_ms": TARGET_MAX_MS},
        "cpus": os.cpu_count(),
    }


def _as_dict(row: Measured) -> dict[str, float]:
    return {
        "users": row.users, "requests": row.requests, "seconds": round(row.seconds, 1),
        "per_second": round(row.per_second), "p50_ms": round(row.p50_ms, 2), "p99_ms": round(row.p99_ms, 2),
        "max_ms": round(row.max_ms, 1), "bad": row.bad, "cpu_ms_per_request": round(row.cpu_ms_per_request, 3),
    }  # fmt: skip


def shortfalls(ours: Run, timed: int, seconds: float) -> list[str]:
    lines = []
    for row in ours.measured:
        if row.per_second < TARGET_RATE:
            lines.append(f"{row.name}: {row.per_second:,.0f} events/s, {TARGET_RATE - row.per_second:,.0f} short")
        if row.p99_ms > TARGET_P99_MS:
            lines.append(f"{row.name}: p99 {row.p99_ms:.1f} ms, {row.p99_ms - TARGET_P99_MS:.1f} ms over")
        if row.max_ms > TARGET_MAX_MS:
            lines.append(f"{row.name}: slowest request {row.max_ms:.0f} ms, over 1 s")
        if row.bad:
            lines.append(f"{row.name}: {row.bad} answers were errors or timeouts")
    if ours.served != ours.recorded:
        lines.append(f"{ours.served:,} served but {ours.recorded:,} recorded")
    if seconds and timed * 60 / seconds < WAVE_EVENTS:
        lines.append(f"{timed * 60 / seconds:,.0f} events a minute, short of {WAVE_EVENTS:,}")
    return lines


if __name__ == "__main__":
    main().print()
