"""Sending the outbox: 100,000 messages through the SendGrid transport to a fake SendGrid on loopback.

Two worker processes (`flask --app wsgi worker --concurrency 2 --drain`) on PostgreSQL
(TEST_DATABASE_URL); without it, one worker on SQLite, and the table says so. The fake runs in a
process of its own and checks every request against SendGrid's schema and limits; with
`--provider-latency-ms` it answers each request that late (real providers take 100 to 300 ms).
Bodies are shared the way assembly shares them (about 69 recipients per distinct body, skewed),
so the grouped requests are realistic. At each latency the workers send concurrently and record
outcomes in bulk; the way before (unit by unit, several updates per request) runs on a sample in
the same run, and at 0 ms the naive way, one request per message.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.common import Report, fresh_postgres_url
from campaigns.delivery.models import Delivery, DeliveryStatus
from campaigns.delivery.outbox import NewDelivery, enqueue, store_body
from core import migrate
from core.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
POSTAL = "Channelcast Bench BV, Keizersgracht 1, 1015 CJ Amsterdam, NL"
SCHEMA = "bench_delivery"
TARGET = 5_000
RECIPIENTS_PER_BODY = 69  # 100,000 contacts shared 1,454 distinct selections in the assembly prototype


def database(directory: Path) -> tuple[str, str]:
    """(url, label): a fresh PostgreSQL schema when TEST_DATABASE_URL is set, else a SQLite file."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        return f"sqlite:///{directory / 'delivery.db'}", "sqlite"
    return fresh_postgres_url(base, SCHEMA), "postgresql"


def body_html(n: int, rng: random.Random) -> str:
    items = "".join(
        f'<tr><td style="padding:12px"><h2>Item {n}-{i}</h2><p>{"Lorem ipsum dolor sit amet. " * 40}</p>'
        f'<a href="https://vendor.example/item/{rng.randrange(10**6)}">Read more</a></td></tr>'
        for i in range(35)
    )
    return (
        f"<html><body><p>Hello %%name.html%%,</p><table>{items}</table>"
        f'<p><a href="%%unsubscribe_url.html%%">Unsubscribe</a> <a href="%%preferences_url.html%%">Preferences</a></p>'
        f"<p>{POSTAL}</p></body></html>"
    )


def fill_outbox(engine: Engine, messages: int, *, category: str, seed: int) -> None:
    rng = random.Random(seed)
    bodies_count = max(1, messages // RECIPIENTS_PER_BODY)
    with Session(engine) as session:
        bodies = [
            store_body(
                session,
                f"Your partner news #{n} (%%name%%)",
                body_html(n, rng),
                f"Hello %%name%%,\nNews {n}.\nUnsubscribe: %%unsubscribe_url%%\n{POSTAL}\n",
                postal_address=POSTAL,
            )
            for n in range(bodies_count)
        ]
        weights = [1 / (rank + 1) ** 0.6 for rank in range(bodies_count)]  # a few popular selections
        chosen = rng.choices(bodies, weights, k=messages)
        enqueue(
            session,
            (
                NewDelivery(
                    idempotency_key=f"{category}:{n}",
                    body=body,
                    recipient_email=f"contact{n}@partner{n % 1000}.example",
                    recipient_name=f"Contact {n}",
                    contact_id=n,
                    fields={
                        "name": f"Contact {n}",
                        "unsubscribe_url": f"https://partners.example/u/{n:012d}",
                        "preferences_url": f"https://partners.example/p/{n:012d}",
                    },
                    category=category,
                )
                for n, body in enumerate(chosen)
            ),
        )
        session.commit()


def start_fake(latency_ms: int) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "bench.fake_sendgrid", str(latency_ms)]
    fake = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    port = fake.stdout.readline().strip()
    return fake, f"http://127.0.0.1:{port}"


def fake_stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=10) as response:  # noqa: S310 (loopback)
        stats: dict[str, Any] = json.load(response)
    return stats


@dataclass(frozen=True)
class Way:
    """How the workers send: requests in flight per worker and recipients per request."""

    label: str
    concurrency: int
    per_request: int = 1000


CONCURRENT = Way("concurrent requests, outcomes in one update", 16)
UNIT_BY_UNIT = Way("before: unit by unit, updates per request", 1)
NAIVE = Way("naive: one request per message", 1, per_request=1)


def run_workers(url: str, fake_url: str, workers: int, directory: Path, way: Way) -> tuple[float, float, list[float]]:
    """Seconds the workers spent sending (the slowest one's loop), seconds in all with process
    start-up, and each worker's peak RSS in MB."""
    env = {
        **os.environ,
        "APP_ENV": "test",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-sign",
        "INSTANCE_DIR": str(directory / "instance"),
        "DATABASE_URL": url,
        "LOG_LEVEL": "warning",
        "MAIL_TRANSPORT": "sendgrid",
        "SENDGRID_API_KEY": "SG.fake-key",
        "SENDGRID_API_HOST": fake_url,
        "SENDGRID_BATCH_SIZE": str(way.per_request),
        "DELIVERY_SEND_CONCURRENCY": str(way.concurrency),
        "POSTAL_ADDRESS": POSTAL,
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--concurrency", str(workers), "--drain"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"workers failed ({done.returncode}):\n{done.stderr}")
    sending = max(float(s) for s in re.findall(r"; ([\d.]+) s; peak RSS", done.stderr))
    return sending, seconds, [float(mb) for mb in re.findall(r"peak RSS ([\d.]+) MB", done.stderr)]


@dataclass
class Measured:
    way: Way
    latency_ms: int
    messages: int
    seconds: float
    with_start_up: float
    sent: int
    rss: list[float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def sent_count(engine: Engine, category: str) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(Delivery.category == category, Delivery.status == DeliveryStatus.SENT)
        return int(session.scalar(query) or 0)


def measure(engine: Engine, url: str, fake_url: str, setup: tuple[int, Path], way: Way, messages: int,
            latency_ms: int) -> Measured:  # fmt: skip
    workers, directory = setup
    category = f"{way.concurrency}x{way.per_request}@{latency_ms}"
    fill_outbox(engine, messages, category=category, seed=messages + latency_ms + way.concurrency)
    seconds, with_start_up, rss = run_workers(url, fake_url, workers, directory, way)
    return Measured(way, latency_ms, messages, seconds, with_start_up, sent_count(engine, category), rss)


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--provider-latency-ms", type=int, nargs="+", default=[0, 150], help="how late the fake answers each request"
    )
    args = parser.parse_args(argv)
    sample = max(500, args.messages // 10)
    runs: list[Measured] = []
    fakes: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url, label = database(directory)
        workers = args.workers if label == "postgresql" else 1
        engine = make_engine(url)
        migrate.upgrade(engine)
        for latency in args.provider_latency_ms:
            fake, fake_url = start_fake(latency)
            try:
                ways = [(CONCURRENT, args.messages), (UNIT_BY_UNIT, sample)]
                if latency == 0:
                    ways.append((NAIVE, max(200, args.messages // 50)))
                for way, count in ways:
                    runs.append(measure(engine, url, fake_url, (workers, directory), way, count, latency))
                fakes.append(fake_stats(fake_url))
            finally:
                fake.terminate()
                fake.wait()
        engine.dispose()
    return _report(runs, fakes, workers=workers, label=label)


def _report(runs: list[Measured], fakes: list[dict[str, Any]], *, workers: int, label: str) -> Report:
    report = Report(f"delivery (sendgrid transport to a fake SendGrid, {workers} worker(s) on {label})")
    if label == "sqlite":
        report.line("note", "TEST_DATABASE_URL not set: one worker on SQLite", "2 workers on PostgreSQL")
    twice, rejected = sum(f["duplicates"] for f in fakes), sum(f["rejected"] for f in fakes)
    report.line("accepted twice by the fake", f"{twice}", "0")
    report.line("requests rejected by the fake", f"{rejected}", "0")
    shortfalls, start_up = [], 0.0
    for run in runs:
        where = f"{run.latency_ms} ms a request, {run.way.label}"
        target = f">= {TARGET:,}" if run.way is CONCURRENT else ""
        value = f"{run.rate:,.0f}/s ({run.sent:,} of {run.messages:,} sent in {run.seconds:.1f} s)"
        start_up = max(start_up, run.with_start_up - run.seconds)
        report.line(where, value, target)
        if run.way is CONCURRENT:
            before = next((r for r in runs if r.latency_ms == run.latency_ms and r.way is UNIT_BY_UNIT), None)
            if before:
                report.line(f"{run.latency_ms} ms: concurrent vs before", f"{run.rate / before.rate:.1f}x")
            if run.rate < TARGET:
                shortfalls.append(f"{TARGET - run.rate:,.0f}/s below target at {run.latency_ms} ms")
    rss = [mb for run in runs if run.way is CONCURRENT for mb in run.rss]
    report.line("peak RSS per worker", f"{max(rss, default=0.0)} MB")
    report.line("process start-up (not in the rates)", f"up to {start_up:.1f} s")
    for shortfall in shortfalls:
        report.line("shortfall", shortfall)
    report.result = {
        "workers": workers,
        "database": label,
        "accepted_twice": twice,
        "rejected": rejected,
        "peak_rss_mb": max(rss, default=0.0),
        "target_messages_per_s": TARGET,
        "runs": [
            {
                "latency_ms": run.latency_ms,
                "way": run.way.label,
                "concurrency": run.way.concurrency,
                "per_request": run.way.per_request,
                "messages": run.messages,
                "sent": run.sent,
                "seconds": round(run.seconds, 2),
                "seconds_with_start_up": round(run.with_start_up, 2),
                "messages_per_s": round(run.rate),
            }
            for run in runs
        ],
    }
    report.write("delivery.json")
    return report


if __name__ == "__main__":
    main().print()
