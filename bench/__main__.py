"""`python -m bench`: every benchmark in turn, each printing its table."""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import db_writes, delivery
from bench.common import Report

BENCHMARKS: list[Callable[[list[str]], Report]] = [db_writes.main, delivery.main]


def run_all(argv: list[str]) -> None:
    for benchmark in BENCHMARKS:
        benchmark(argv).print()


if __name__ == "__main__":
    run_all(sys.argv[1:])
