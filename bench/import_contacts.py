"""Importing contacts from CSV: 100,000 rows must land in under a minute.

Generates a file of N contacts across 1,000 partners (seeded), imports it into a fresh, migrated
SQLite database with `subscribers.importer`, then times a naive import (one ORM object per
row, a flush each) on a sample for comparison, and re-imports the file to show it changes
nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.common import Report, peak_rss_mb, timed
from content.demo import DEMO_AREAS
from content.models import InterestArea
from core import migrate
from core.config import DEFAULT_TIERS
from core.db import make_engine
from subscribers.importer import import_contacts
from subscribers.models import Contact, Partner, PartnerType
from subscribers.schedule import Frequency

COUNTRIES = ("NL", "DE", "FR", "SE", "PL", "GB")
ZONES = {
    "NL": "Europe/Amsterdam",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "SE": "Europe/Stockholm",
    "PL": "Europe/Warsaw",
    "GB": "Europe/London",
}
HEADER = [
    "email",
    "partner",
    "tier",
    "type",
    "country",
    "name",
    "interests",
    "frequency",
    "weekday",
    "hour",
    "timezone",
]


def make_csv(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    slugs = [slug for slug, _names, _description in DEMO_AREAS]
    kinds = [kind.value for kind in PartnerType]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n in range(rows):
        p = n % 1_000
        country = COUNTRIES[p % len(COUNTRIES)]
        writer.writerow(
            [
                f"contact{n}@partner{p}.example",
                f"Partner {p}",
                DEFAULT_TIERS[p % 4],
                kinds[p % 4],
                country,
                f"Contact {n}",
                "|".join(rng.sample(slugs, rng.randint(1, 4))),
                rng.choice([f.value for f in Frequency]),
                rng.randint(0, 6),
                rng.choice([8, 9, 10]),
                ZONES[country],
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode()


def fresh_session(directory: Path, name: str) -> Session:
    engine = make_engine(f"sqlite:///{directory / name}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_autocheckpoint=10000"))
    session = Session(engine)
    session.add_all(InterestArea(slug=slug, names=names, position=i) for i, (slug, names, _d) in enumerate(DEMO_AREAS))
    session.commit()
    return session


def naive_import(session: Session, data: bytes) -> None:
    """What one would write first: a Partner/Contact object per row, flushed one by one."""
    areas = {area.slug: area for area in session.scalars(select(InterestArea))}
    partners: dict[str, Partner] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
        partner = partners.get(row["partner"])
        if partner is None:
            partner = Partner(
                name=row["partner"], tier=row["tier"], type=PartnerType(row["type"]), country=row["country"]
            )
            partners[row["partner"]] = partner
        contact = Contact(
            partner=partner,
            email=row["email"],
            name=row["name"],
            timezone=row["timezone"],
            frequency=Frequency(row["frequency"]),
            preferred_weekday=int(row["weekday"]),
            preferred_hour=int(row["hour"]),
            interests=[areas[slug] for slug in row["interests"].split("|")],
        )
        session.add(contact)
        session.flush()
    session.commit()


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    sample = max(500, min(5_000, args.rows // 20))
    data = make_csv(args.rows)
    report = Report(f"contact import ({args.rows:,} CSV rows, SQLite)")
    with tempfile.TemporaryDirectory() as directory:
        session = fresh_session(Path(directory), "import.db")
        with timed() as ours:
            result = import_contacts(session, data, file_name="bench.csv", tiers=DEFAULT_TIERS)
            session.commit()
        assert result.ok, result.issues[:5]
        assert session.scalar(select(func.count(Contact.id))) == args.rows
        with timed() as again:
            repeat = import_contacts(session, data, file_name="bench.csv", tiers=DEFAULT_TIERS)
            session.commit()
        assert repeat.contacts_unchanged == args.rows
        session.close()
        naive_session = fresh_session(Path(directory), "naive.db")
        with timed() as naive:
            naive_import(naive_session, make_csv(sample))
        naive_session.close()
    rate, naive_rate = args.rows / ours.seconds, sample / naive.seconds
    report.line("import (check all, then batched writes)", f"{ours.seconds:.1f} s", "< 60 s for 100,000")
    report.line("rows per second", f"{rate:,.0f}", ">= 1,667")
    report.line("re-import of the same file (no changes)", f"{again.seconds:.1f} s", "")
    report.line(f"naive ORM import, {sample:,} rows", f"{naive_rate:,.0f} rows/s", "")
    report.line("ours vs naive", f"{rate / naive_rate:.1f}x", "")
    report.line("peak RSS", f"{peak_rss_mb()} MB", "")
    report.result = {
        "rows": args.rows,
        "seconds": round(ours.seconds, 2),
        "rows_per_s": round(rate),
        "reimport_seconds": round(again.seconds, 2),
        "naive_rows": sample,
        "naive_rows_per_s": round(naive_rate),
        "ratio_vs_naive": round(rate / naive_rate, 1),
        "peak_rss_mb": peak_rss_mb(),
    }
    report.write("import.json")
    return report


if __name__ == "__main__":
    main().print()
