"""Selecting a newsletter's items from 10,000: the indexed query against loading everything.

A preview or the portal asks `published_content_for` for one reader. Naive: load every visible
item with its areas, tiers and variants and apply the rule in Python (`content.selection.Library`).
Ours: one ranked, indexed query with a limit, then the chosen items' variants. Both must pick the
same items.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from bench.common import Report, best_of, peak_rss_mb
from content.languages import reading_order
from content.models import (
    ContentItem,
    ContentItemTier,
    ContentKind,
    ContentStatus,
    ContentVariant,
    InterestArea,
    content_item_areas,
)
from content.selection import Library, ReaderScope, published_content_for
from core import migrate
from core.config import DEFAULT_TIERS, LOCALES
from core.db import make_engine

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
AREAS = ("storage", "server", "cloud", "security", "networking", "client-devices", "data-protection", "hci", "services")
STATUS_WEIGHTS = {
    ContentStatus.PUBLISHED: 70,
    ContentStatus.APPROVED: 5,
    ContentStatus.DRAFT: 10,
    ContentStatus.IN_REVIEW: 5,
    ContentStatus.ARCHIVED: 10,
}


def seed_library(session: Session, count: int, rng: random.Random, now: dt.datetime = NOW) -> list[int]:
    """`count` items over nine areas, a year of publish dates, some tier-limited; returns the area ids."""
    area_ids = list(
        session.scalars(
            insert(InterestArea).returning(InterestArea.id, sort_by_parameter_order=True),
            [
                {"slug": f"bench-{slug}", "names": {"en": slug}, "descriptions": {}, "position": n}
                for n, slug in enumerate(AREAS)
            ],
        )
    )
    item_ids = list(
        session.scalars(
            insert(ContentItem).returning(ContentItem.id, sort_by_parameter_order=True),
            [_item_row(rng, now) for _ in range(count)],
        )
    )
    session.execute(
        insert(content_item_areas),
        [
            {"item_id": item, "area_id": area}
            for item in item_ids
            for area in rng.sample(area_ids, rng.choice((1, 1, 2)))
        ],
    )
    limited = [item for item in item_ids if rng.random() < 0.25]
    session.execute(
        insert(ContentItemTier), [{"item_id": item, "tier": tier} for item in limited for tier in DEFAULT_TIERS[-2:]]
    )
    session.execute(insert(ContentVariant), [row for item in item_ids for row in _variant_rows(rng, item, now)])
    session.flush()
    return area_ids


def _item_row(rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    publish_at = now - dt.timedelta(hours=rng.randint(-24 * 14, 24 * 365))
    expires = publish_at + dt.timedelta(days=rng.randint(7, 120)) if rng.random() < 0.3 else None
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    return {
        "kind": rng.choice(list(ContentKind)),
        "status": status,
        "default_locale": "en",
        "publish_at": publish_at,
        "expires_at": expires,
        "priority": rng.choice((30, 50, 50, 70, 90)),
        "cta_url": "",
        "created_at": now,
        "updated_at": now,
    }


def _variant_rows(rng: random.Random, item_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    locales = ["en", *rng.sample(LOCALES[1:], 2)]
    return [
        {
            "item_id": item_id,
            "locale": locale,
            "title": f"Item {item_id} ({locale})",
            "summary": "",
            "body": "",
            "cta_label": "",
            "cta_url": "",
            "updated_at": now,
        }
        for locale in locales
    ]


def naive_selection(
    session: Session, interest_ids: list[int], tier: str, locale: str, now: dt.datetime, limit: int
) -> list[int]:
    """Load every visible item and apply the rule in Python (`content.selection.Library`, as a
    newsletter run does once for all its readers): what the indexed query replaces for one reader."""
    scope = ReaderScope(interest_ids=frozenset(interest_ids), tier=tier)
    return [candidate.id for candidate, _boost in Library(session, now).select(scope, limit)]


def indexed_selection(
    session: Session, interest_ids: list[int], tier: str, locale: str, now: dt.datetime, limit: int
) -> list[int]:
    scope = ReaderScope(interest_ids=frozenset(interest_ids), tier=tier)
    order = reading_order(locale, ("en",))
    return [entry.item.id for entry in published_content_for(session, scope, order, now, limit)]


def measure(engine: Engine, count: int) -> dict[str, Any]:
    with Session(engine) as session:
        area_ids = seed_library(session, count, random.Random(20261126))
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
        interests, tier, locale = area_ids[:3], DEFAULT_TIERS[1], "de"
        assert naive_selection(session, interests, tier, locale, NOW, 10) == indexed_selection(
            session, interests, tier, locale, NOW, 10
        ), "the two ways disagree"

        def fresh(run: Any) -> Any:
            session.expunge_all()  # no help from objects already loaded
            return run(session, interests, tier, locale, NOW, 10)

        naive_s = best_of(3, lambda: fresh(naive_selection))
        indexed_s = best_of(20, lambda: fresh(indexed_selection))
    return {
        "naive_ms": round(naive_s * 1000, 2),
        "indexed_ms": round(indexed_s * 1000, 2),
        "ratio": round(naive_s / indexed_s, 1),
    }


def _postgres_engine(url: str, schema: str) -> Engine:
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return make_engine(f"{url}{separator}options=-csearch_path%3D{schema}")


def _drop_schema(url: str, schema: str) -> None:
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args(argv)
    report = Report(f"content selection ({args.items:,} items: the newsletter's query against loading all)")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        migrate.upgrade(engine)
        results["sqlite"] = measure(engine, args.items)
        engine.dispose()
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if pg_url:
        schema = f"bench_content_{os.getpid()}"
        engine = _postgres_engine(pg_url, schema)
        try:
            migrate.upgrade(engine)
            results["postgresql"] = measure(engine, args.items)
        finally:
            engine.dispose()
            _drop_schema(pg_url, schema)
    for name, result in results.items():
        report.line(f"{name}: indexed query", f"{result['indexed_ms']} ms", "< 20 ms")
        report.line(f"{name}: load all, filter in Python", f"{result['naive_ms']} ms", "")
        report.line(f"{name}: query vs naive", f"{result['ratio']}x", ">= 10x")
    report.line("peak RSS", f"{peak_rss_mb()} MB", "")
    report.result = {"items": args.items, "databases": results, "peak_rss_mb": peak_rss_mb()}
    report.write("content_selection.json")
    return report


if __name__ == "__main__":
    main().print()
