"""Writing many rows: one ORM object per row against batched executemany, per database.

Assembly and import write tens of thousands of rows per run; this measures the write path they
build on. Naive: `session.add()` per row and a flush each. Ours: executemany of plain tuples in
batches of 1,000, one commit per batch.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from sqlalchemy import Engine, Integer, String, insert, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bench.common import Report, peak_rss_mb, timed
from core.db import make_engine

BATCH = 1_000


class BenchBase(DeclarativeBase):
    pass


class QueuedMessage(BenchBase):
    __tablename__ = "bench_queued_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(255))


def rows(count: int, prefix: str) -> list[dict[str, str]]:
    return [
        {
            "idempotency_key": f"{prefix}-{n}",
            "body_hash": f"{n % 1454:064x}",
            "recipient": f"contact{n}@partner.example",
        }
        for n in range(count)
    ]


def naive(engine: Engine, count: int) -> float:
    with timed() as timer, Session(engine) as session:
        for row in rows(count, "naive"):
            session.add(QueuedMessage(**row))
            session.flush()
        session.commit()
    return timer.seconds


def batched(engine: Engine, count: int) -> float:
    data = rows(count, "batched")
    statement = insert(QueuedMessage)
    with timed() as timer, engine.connect() as connection:
        for start in range(0, count, BATCH):
            connection.execute(statement, data[start : start + BATCH])
            connection.commit()
    return timer.seconds


def run_on(engine: Engine, count: int, naive_count: int) -> dict[str, float]:
    BenchBase.metadata.drop_all(engine)
    BenchBase.metadata.create_all(engine)
    try:
        naive_s = naive(engine, naive_count)
        batched_s = batched(engine, count)
    finally:
        BenchBase.metadata.drop_all(engine)
    naive_rate, batched_rate = naive_count / naive_s, count / batched_s
    return {
        "naive_rows_per_s": round(naive_rate),
        "rows_per_s": round(batched_rate),
        "ratio": round(batched_rate / naive_rate, 1),
    }


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    naive_count = max(1_000, args.rows // 20)
    report = Report("database writes (rows into an outbox-shaped table)")
    targets: dict[str, Engine] = {}
    with tempfile.TemporaryDirectory() as directory:
        targets["sqlite"] = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        if os.environ.get("TEST_DATABASE_URL"):
            targets["postgresql"] = make_engine(os.environ["TEST_DATABASE_URL"])
        results = {}
        for name, engine in targets.items():
            if name == "sqlite":
                with engine.connect() as connection:
                    connection.execute(text("PRAGMA wal_autocheckpoint=10000"))
            results[name] = run_on(engine, args.rows, naive_count)
            engine.dispose()
            r = results[name]
            report.line(f"{name}: batched executemany", f"{r['rows_per_s']:,} rows/s", "")
            report.line(f"{name}: ORM add + flush per row", f"{r['naive_rows_per_s']:,} rows/s", "")
            report.line(f"{name}: batched vs naive", f"{r['ratio']}x", ">= 10x")
    report.line("peak RSS", f"{peak_rss_mb()} MB", "")
    report.result = {"rows": args.rows, "naive_rows": naive_count, "databases": results, "peak_rss_mb": peak_rss_mb()}
    report.write("db_writes.json")
    return report


if __name__ == "__main__":
    main().print()
