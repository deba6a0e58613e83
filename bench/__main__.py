"""`python -m bench`: every benchmark in turn at full size, each printing its table.

Scale one down with its own flags, e.g. `python -m bench.kits --partners 50`.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import api, content_selection, db_writes, delivery, digest, engagement, import_contacts, kits, tracking, web
from bench.common import Report

BENCHMARKS: list[Callable[[list[str]], Report]] = [
    db_writes.main,
    content_selection.main,
    import_contacts.main,
    digest.main,
    delivery.main,
    kits.main,
    engagement.main,
    web.main,
    tracking.main,
    api.main,
]


def run_all() -> None:
    for benchmark in BENCHMARKS:
        benchmark([]).print()


if __name__ == "__main__":
    run_all()
