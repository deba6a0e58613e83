"""What every benchmark shares: timing, peak memory, the printed table and the JSON result."""

from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass
class Timer:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timer]:
    timer = Timer()
    started = time.perf_counter()
    try:
        yield timer
    finally:
        timer.seconds = time.perf_counter() - started


def best_of(runs: int, action: Callable[[], Any]) -> float:
    """The fastest of `runs` timings: the least disturbed by the rest of the machine."""
    timings = []
    for _ in range(runs):
        with timed() as timer:
            action()
        timings.append(timer.seconds)
    return min(timings)


@dataclass
class Report:
    name: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)

    def line(self, measure: str, value: str, target: str = "") -> None:
        self.rows.append((measure, value, target))

    def print(self) -> None:
        widths = [max(len(row[i]) for row in [("measure", "value", "target"), *self.rows]) for i in range(3)]
        print(f"\n== {self.name}")
        for row in [("measure", "value", "target"), *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def write(self, filename: str) -> Path:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / filename
        payload = {**self.result, "machine": platform.machine(), "python": platform.python_version()}
        path.write_text(json.dumps(payload, indent=2) + "\n")
        return path


def fresh_postgres_url(base_url: str, schema: str) -> str:
    """An empty schema of its own in the PostgreSQL at `base_url`, as a URL that uses it."""
    from sqlalchemy import text

    from core.db import make_engine

    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"
