"""Newsletter assembly at scale: 100,000 contacts into the outbox, against the naive way.

Generates 100,000 contacts over 1,000 partners (9 interest areas, 6 languages, 4 tiers, mixed
rhythms, all due at once) and 200 published items, then times one assembly run end to end:
selection, grouped MJML renders, one outbox row per contact, commits per batch. The naive way
(an MJML render and fill per contact) is timed on a sample in the same run and scaled up.
Runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.common import Report, fresh_postgres_url, peak_rss_mb
from bench.digest_data import DUE_AT, generate
from campaigns.delivery.models import Delivery
from campaigns.digests.assembly import assemble_in_processes, window_start, zone
from campaigns.digests.render import DigestEdition, DigestItem, render_digest
from content.cards import card_for
from content.languages import reading_order
from content.selection import ReaderScope, published_content_for
from core import migrate
from core.config import load_settings
from core.mail.placeholders import FillTemplate
from subscribers.models import Contact, Partner, contact_interests
from wsgi import create_app

TARGET_SECONDS = 6.0
TARGET_RATIO = 15.0
TARGET_RSS_MB = 300.0


def _app(directory: Path, url: str) -> Any:
    settings = load_settings(
        {
            "APP_ENV": "test",
            "INSTANCE_DIR": str(directory),
            "DATABASE_URL": url,
            "LOG_LEVEL": "warning",
            "SECRET_KEY": "benchmark-secret-key-long-enough-for-signing",
        }
    )
    return create_app(settings)


def naive_seconds_per_contact(session: Session, app: Any, sample: int) -> float:
    """The naive path for `sample` contacts: a selection query, an MJML render and a fill each."""
    settings = app.config["CHANNELCAST"]
    rows = session.execute(select(Contact, Partner.tier).join(Partner).order_by(Contact.id).limit(sample)).all()
    interests: dict[int, set[int]] = {}
    for contact_id, area_id in session.execute(
        select(contact_interests.c.contact_id, contact_interests.c.interest_area_id).where(
            contact_interests.c.contact_id.in_([c.id for c, _ in rows])
        )
    ):
        interests.setdefault(contact_id, set()).add(area_id)
    fields = {
        "first_name": "Jan",
        "contact_name": "A",
        "contact_details": "B",
        "reason": "C",
        "preferences_url": "https://x/p",
        "unsubscribe_url": "https://x/u",
    }
    started = time.perf_counter()
    for contact, tier in rows:
        today = DUE_AT.astimezone(zone(contact.timezone)).date()
        since = window_start(
            contact.frequency, contact.preferred_weekday, contact.preferred_hour, contact.timezone, today
        )
        scope = ReaderScope(interest_ids=frozenset(interests.get(contact.id, set())), tier=tier, since=since)
        order = reading_order(contact.locale, settings.fallback_locales)
        chosen = published_content_for(session, scope, order, DUE_AT, settings.digest_max_items)
        items = tuple(DigestItem(c.item.id, card_for(c.item, c.variant), (), c.locale, c.is_fallback) for c in chosen)
        edition = DigestEdition(contact.locale, items, settings.vendor_name, settings.postal_address, "New for you.")
        rendered = render_digest(app, edition)
        FillTemplate.parse(rendered.html).fill(fields)
        FillTemplate.parse(rendered.text).fill(fields)
    return (time.perf_counter() - started) / max(1, len(rows))


def run_on(label: str, url: str, directory: Path, contacts: int, sample: int, processes: int) -> dict[str, Any]:
    app = _app(directory, url)
    engine = app.extensions["channelcast.db"].engine
    migrate.upgrade(engine)
    generate(engine, contacts=contacts, partners=min(1000, contacts), items=200, seed=7)
    engine.dispose()  # the assembly processes open their own connections
    started, cpu_before = time.perf_counter(), _children_cpu_seconds()
    report = assemble_in_processes(app, DUE_AT, processes=processes)
    seconds = time.perf_counter() - started
    cpu = _children_cpu_seconds() - cpu_before
    with Session(engine) as session:
        queued = session.scalar(select(func.count(Delivery.id))) or 0
        naive = naive_seconds_per_contact(session, app, sample) * contacts
    engine.dispose()
    return {
        "database": label,
        "contacts": contacts,
        "queued": queued,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "contacts_per_s": round(contacts / seconds),
        "distinct_renders": report.distinct_renders,
        "naive_seconds": round(naive, 1),
        "naive_ratio": round(naive / seconds, 1),
        "processes": processes,
        "peak_rss_mb": max(peak_rss_mb(), _children_peak_rss_mb()),
    }


def _children_cpu_seconds() -> float:
    """CPU time (user and system) of the finished child processes: the assembly processes' work,
    which on a shared machine says more than the wall clock (the database server's is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children_peak_rss_mb() -> float:
    """The largest peak of the assembly processes (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2, help="assembly processes (the machine has 2 cores)")
    args = parser.parse_args(argv)
    random.seed(7)
    report = Report(f"newsletter assembly ({args.contacts:,} contacts into the outbox, {args.processes} processes)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(
            run_on(
                "sqlite",
                f"sqlite:///{Path(tmp) / 'digest.db'}",
                Path(tmp),
                args.contacts,
                args.naive_sample,
                args.processes,
            )
        )
        if os.environ.get("TEST_DATABASE_URL"):
            url = fresh_postgres_url(os.environ["TEST_DATABASE_URL"], "bench_digest")
            results.append(
                run_on("postgresql", url, Path(tmp) / "pg", args.contacts, args.naive_sample, args.processes)
            )
    for r in results:
        scale = r["contacts"] / 100_000
        met = (
            "met"
            if r["seconds"] <= TARGET_SECONDS * scale
            else f"MISSED by {r['seconds'] - TARGET_SECONDS * scale:.1f} s"
        )
        report.line(
            f"{r['database']}: assembled and queued",
            f"{r['queued']:,} in {r['seconds']} s",
            f"<= {TARGET_SECONDS * scale:.1f} s: {met}",
        )
        report.line(f"{r['database']}: contacts/s", f"{r['contacts_per_s']:,}", "")
        report.line(
            f"{r['database']}: CPU of the assembly processes",
            f"{r['cpu_seconds']} s",
            f"{r['cpu_seconds'] / r['processes']:.1f} s each",
        )
        report.line(f"{r['database']}: distinct renders", f"{r['distinct_renders']:,}", "one MJML render each")
        ratio_met = "met" if r["naive_ratio"] >= TARGET_RATIO else "MISSED"
        report.line(f"{r['database']}: naive (render per contact)", f"{r['naive_seconds']} s", "")
        report.line(
            f"{r['database']}: grouped vs naive", f"{r['naive_ratio']}x", f">= {TARGET_RATIO:.0f}x: {ratio_met}"
        )
    rss = max(r["peak_rss_mb"] for r in results)
    report.line(
        "peak RSS (largest process)",
        f"{rss} MB",
        f"<= {TARGET_RSS_MB:.0f} MB: {'met' if rss <= TARGET_RSS_MB else 'MISSED'}",
    )
    first = results[0]
    report.result = {**first, "databases": results}
    report.write("digest.json")
    return report


if __name__ == "__main__":
    main().print()
