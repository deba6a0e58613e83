"""Build many kits in a process pool, reporting progress as each one finishes.

Jobs carry pure inputs. Jobs of one campaign share their copy and image objects, and the pool
sends them in chunks, so pickle sends each campaign's images once per chunk, not once per kit;
each worker keeps the campaign parts it prepared (`PartsCache`) for the kits that follow.
An input a person must fix fails that kit only (its result carries the message); anything
else is a bug and stops the run.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from campaigns.kits.build import PartsCache, build_kit
from campaigns.kits.inputs import BrandKit, KitCopy, KitImage, NamedPerson, TierStatus, VendorInfo
from content.brand import InvalidField

ProgressCallback = Callable[[int, int], None]  # (kits done, kits in all)


@dataclass(frozen=True)
class KitJob:
    copy: KitCopy
    brand: BrandKit
    images: tuple[KitImage, ...]
    vendor: VendorInfo
    template_version: str
    built_at: dt.datetime
    path: Path | None = None  # where to write the ZIP; without it the result carries the bytes
    status: TierStatus | None = None  # the partner's tier badge and its line, when the tier has a badge
    person: NamedPerson | None = None  # the vendor's person for the partner, named in the README


@dataclass(frozen=True)
class KitResult:
    index: int  # the job's position in the list given to build_kits
    inputs_hash: str | None
    filename: str | None
    size: int
    sha256: str | None
    path: Path | None
    data: bytes | None
    seconds: float
    error_field: str | None = None
    error: str | None = None  # InvalidField.as_record(): said in the reader's language where it is shown

    @property
    def ok(self) -> bool:
        return self.error is None


_worker_cache: PartsCache | None = None  # one per worker process, made on its first job


def _build_one(indexed: tuple[int, KitJob]) -> KitResult:
    global _worker_cache
    if _worker_cache is None:
        _worker_cache = PartsCache()
    return build_one(indexed[0], indexed[1], _worker_cache)


def build_one(index: int, job: KitJob, cache: PartsCache) -> KitResult:
    """One job, with campaign parts from `cache`; a refused input becomes a failed result."""
    started = time.perf_counter()
    try:
        parts = cache.parts(job.copy, job.images, template_version=job.template_version)
        built = build_kit(
            job.copy, job.brand, job.images, job.vendor,
            template_version=job.template_version, built_at=job.built_at, parts=parts, path=job.path,
            status=job.status, person=job.person,
        )  # fmt: skip
    except InvalidField as error:
        seconds = time.perf_counter() - started
        return KitResult(index, None, None, 0, None, None, None, seconds, error.field, error.as_record())
    seconds = time.perf_counter() - started
    return KitResult(
        index, built.inputs_hash, built.filename, built.size, built.sha256, built.path, built.data, seconds
    )


def build_kits(
    jobs: Sequence[KitJob], *, processes: int, on_progress: ProgressCallback | None = None
) -> list[KitResult]:
    """Build every job; results in the order of `jobs`. `processes=1` builds in this process."""
    total = len(jobs)
    results: list[KitResult | None] = [None] * total
    done = 0

    def record(result: KitResult) -> None:
        nonlocal done
        results[result.index] = result
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    if processes <= 1 or total <= 1:
        cache = PartsCache()
        for index, job in enumerate(jobs):
            record(build_one(index, job, cache))
    else:
        chunksize = max(1, min(16, total // (processes * 4)))
        # forkserver: safe next to the scheduler's threads, and workers start from a clean import.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["campaigns.kits.build"])
        with context.Pool(processes) as pool:
            for result in pool.imap_unordered(_build_one, enumerate(jobs), chunksize=chunksize):
                record(result)
    return [result for result in results if result is not None]
