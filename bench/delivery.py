"""Sending the outbox: 100,000 messages through the SendGrid transport to a fake SendGrid on loopback.

Two worker processes (`flask --app wsgi worker --concurrency 2 --drain`) on PostgreSQL
(TEST_DATABASE_URL); without it, one worker on SQLite, and the table says so. The fake runs in a
process of its own and checks every request against SendGrid's schema and limits. Bodies are
shared the way assembly shares them (about 69 recipients per distinct body, skewed), so the
grouped requests are realistic. The naive way, one request per message, runs on a sample.
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


def start_fake() -> tuple[subprocess.Popen[str], str]:
    fake = subprocess.Popen([sys.executable, "-m", "bench.fake_sendgrid"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    port = fake.stdout.readline().strip()
    return fake, f"http://127.0.0.1:{port}"


def fake_stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=10) as response:  # noqa: S310 (loopback)
        stats: dict[str, Any] = json.load(response)
    return stats


def run_workers(url: str, fake_url: str, workers: int, directory: Path, per_request: int) -> tuple[float, list[float]]:
    """Seconds until every worker exited, and each worker's peak RSS in MB."""
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
        "SENDGRID_BATCH_SIZE": str(per_request),
        "POSTAL_ADDRESS": POSTAL,
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--concurrency", str(workers), "--drain"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"workers failed ({done.returncode}):\n{done.stderr}")
    return seconds, [float(mb) for mb in re.findall(r"peak RSS ([\d.]+) MB", done.stderr)]


def sent_count(engine: Engine, category: str) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(Delivery.category == category, Delivery.status == DeliveryStatus.SENT)
        return int(session.scalar(query) or 0)


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    sample = max(200, args.messages // 50)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url, label = database(directory)
        workers = args.workers if label == "postgresql" else 1
        engine = make_engine(url)
        migrate.upgrade(engine)
        fill_outbox(engine, args.messages, category="grouped", seed=1)
        fake, fake_url = start_fake()
        try:
            seconds, rss = run_workers(url, fake_url, workers, directory, per_request=1000)
            grouped = fake_stats(fake_url)
            fill_outbox(engine, sample, category="naive", seed=2)
            naive_seconds, _ = run_workers(url, fake_url, workers, directory, per_request=1)
            total = fake_stats(fake_url)
        finally:
            fake.terminate()
            fake.wait()
        sent, naive_sent = sent_count(engine, "grouped"), sent_count(engine, "naive")
        engine.dispose()
    rate, naive_rate = args.messages / seconds, sample / naive_seconds
    report = Report(f"delivery (sendgrid transport to a fake SendGrid, {workers} worker(s) on {label})")
    if label == "sqlite":
        report.line("note", "TEST_DATABASE_URL not set: one worker on SQLite", "2 workers on PostgreSQL")
    report.line("messages sent", f"{sent:,} of {args.messages:,}", "all, once each")
    report.line("accepted by the fake", f"{grouped['distinct']:,} ({grouped['duplicates']} twice)", "0 twice")
    report.line("requests", f"{grouped['requests']:,} ({grouped['rejected']} rejected)", "0 rejected")
    report.line("grouped: messages/s", f"{rate:,.0f} ({seconds:.1f} s incl. start-up)", f">= {TARGET:,}")
    report.line(f"naive, one request each ({sample:,}): messages/s", f"{naive_rate:,.0f}", "")
    report.line("grouped vs naive", f"{rate / naive_rate:.1f}x", "")
    report.line("peak RSS per worker", ", ".join(f"{mb} MB" for mb in rss), "")
    if rate < TARGET:
        report.line("shortfall", f"{TARGET - rate:,.0f} messages/s below target", "")
    report.result = {
        "messages": args.messages,
        "seconds": round(seconds, 2),
        "messages_per_s": round(rate),
        "requests": grouped["requests"],
        "peak_rss_mb": max(rss, default=0.0),
        "peak_rss_mb_per_worker": rss,
        "workers": workers,
        "database": label,
        "sent": sent,
        "accepted_twice": grouped["duplicates"],
        "rejected": grouped["rejected"],
        "naive": {
            "messages": sample,
            "sent": naive_sent,
            "messages_per_s": round(naive_rate),
            "requests": total["requests"] - grouped["requests"],
        },
        "ratio_vs_naive": round(rate / naive_rate, 1),
        "target_messages_per_s": TARGET,
    }
    report.write("delivery.json")
    return report


if __name__ == "__main__":
    main().print()
