"""Marketing kits: one campaign with 3 images in 2 languages, built for N partners (1,000 by default).

Ours: the partner-independent parts (image renditions, copy, social posts) are prepared once per
campaign and language in each worker, and only the co-branded pieces (email, banners, flyer)
are made per partner, in a pool of 2 processes. Naive: every kit re-encodes every image
rendition and re-renders the copy. The unchanged check is what the scheduler does before a
rebuild: hash the inputs (from fresh objects, so the images and logo are hashed too) and
compare with the stored hash. `python -m bench.kits --partners 50` for a quick run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from bench import kit_samples
from bench.common import Report, peak_rss_mb, timed
from campaigns.kits import (
    TEMPLATE_VERSION,
    BrandKit,
    KitImage,
    KitJob,
    KitResult,
    PartsCache,
    build_kit,
    build_kits,
    kit_inputs_hash,
)

BUILT_AT = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)
LOCALES = ("en", "pl")
TARGET_MEDIAN_MS = 300.0
TARGET_CHECK_MS = 5.0
TARGET_SECONDS_1000 = 180.0


def campaign_images() -> tuple[KitImage, ...]:
    """Three originals as a content library holds them: large photos, one of them a PNG."""
    return (
        KitImage("Hero", kit_samples.photo(2400, 1600, seed=11), "A rack of storage arrays"),
        KitImage("Team", kit_samples.photo(1600, 2400, seed=12), "Engineers at a whiteboard"),
        KitImage("Chart", kit_samples.photo(1400, 1400, seed=13, fmt="PNG"), "Capacity grows with demand"),
    )


def partner_brand(n: int) -> BrandKit:
    colour = f"#{(n * 2654435761) % 0xFFFFFF:06x}"
    return kit_samples.brand(
        partner_name=f"Partner {n:04d} IT",
        primary_colour=colour,
        logo=kit_samples.logo(transparent=n % 2 == 0, colour=colour),
        brand_hash=f"brand-{n}",
    )


def make_jobs(partners: int, directory: Path) -> list[KitJob]:
    images = campaign_images()
    copies = [kit_samples.kit_copy(locale) for locale in LOCALES]
    vendor = kit_samples.vendor()
    return [
        KitJob(copy, partner_brand(n), images, vendor, TEMPLATE_VERSION, BUILT_AT, directory / f"{n}-{copy.locale}.zip")
        for n in range(partners)
        for copy in copies
    ]


def naive_ms(jobs: list[KitJob], count: int) -> list[float]:
    """Per-kit milliseconds when every kit does the partner-independent work again."""
    timings = []
    for job in jobs[:count]:
        with timed() as timer:
            build_kit(
                job.copy, job.brand, job.images, job.vendor,
                template_version=job.template_version, built_at=job.built_at,
            )  # fmt: skip
        timings.append(timer.seconds * 1000)
    return timings


def unchanged_check_ms(jobs: list[KitJob], results: list[KitResult]) -> list[float]:
    """Per kit: inputs hashed from fresh objects (as loaded for a rebuild) and compared with the stored hash."""
    timings = []
    for job, result in zip(jobs, results, strict=True):
        started = time.perf_counter()
        images = tuple(KitImage(image.name, image.data, image.alt) for image in job.images)
        brand = BrandKit(**{name: getattr(job.brand, name) for name in job.brand.__dataclass_fields__})
        unchanged = kit_inputs_hash(job.copy, brand, images, job.vendor, template_version=job.template_version)
        timings.append((time.perf_counter() - started) * 1000)
        assert unchanged == result.inputs_hash, "an unchanged kit must hash the same"
    return timings


def one_core_ms(jobs: list[KitJob], count: int) -> list[float]:
    """Per-kit milliseconds in this process with the campaign parts cached (parts prepared first)."""
    cache = PartsCache()
    for copy in {job.copy.locale: job.copy for job in jobs}.values():
        cache.parts(copy, jobs[0].images, template_version=TEMPLATE_VERSION)
    timings = []
    for job in jobs[:count]:
        parts = cache.parts(job.copy, job.images, template_version=job.template_version)
        with timed() as timer:
            build_kit(
                job.copy, job.brand, job.images, job.vendor,
                template_version=job.template_version, built_at=job.built_at, parts=parts,
            )  # fmt: skip
        timings.append(timer.seconds * 1000)
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--processes", type=int, default=2)
    args, _ = parser.parse_known_args(argv)
    report = Report(f"marketing kits ({args.partners:,} partners x {len(LOCALES)} languages, 3 images)")
    with tempfile.TemporaryDirectory() as directory:
        jobs = make_jobs(args.partners, Path(directory))
        single = one_core_ms(jobs, min(len(jobs), 40))
        naive = naive_ms(jobs, min(len(jobs), 10))
        with timed() as run:
            results = build_kits(jobs, processes=args.processes)
        failed = [result for result in results if not result.ok]
        assert not failed, failed[0].error
        checks = unchanged_check_ms(jobs, results)
        zip_mb = sum(result.size for result in results) / len(results) / 1e6
    per_kit = [result.seconds * 1000 for result in results]
    median, naive_median = statistics.median(per_kit), statistics.median(naive)
    check = statistics.median(checks)
    scaled = run.seconds * 1_000 / args.partners
    report.line("kits built", f"{len(results):,} in {run.seconds:.1f} s ({len(results) / run.seconds:.1f} kits/s)", "")
    report.line(
        f"1,000 partners on {args.processes} processes",
        f"{scaled:.0f} s" + ("" if args.partners == 1_000 else " (scaled)"),
        f"<= {TARGET_SECONDS_1000:.0f} s",
    )
    report.line("median per kit (in the pool)", f"{median:.0f} ms", f"<= {TARGET_MEDIAN_MS:.0f} ms")
    report.line("p95 per kit (in the pool)", f"{p95(per_kit):.0f} ms", "")
    report.line(
        "median per kit, one core alone", f"{statistics.median(single):.0f} ms", f"<= {TARGET_MEDIAN_MS:.0f} ms"
    )
    report.line("naive: renditions per kit", f"{naive_median:.0f} ms per kit", "")
    report.line("cached parts vs naive", f"{naive_median / statistics.median(single):.1f}x faster", "")
    report.line(
        "unchanged check (hash + compare)",
        f"{check:.2f} ms median, {max(checks):.2f} ms max",
        f"<= {TARGET_CHECK_MS:.0f} ms",
    )
    report.line("kit size", f"{zip_mb:.2f} MB", "")
    report.line("peak RSS (parent)", f"{peak_rss_mb()} MB", "")
    met = median <= TARGET_MEDIAN_MS and check <= TARGET_CHECK_MS and scaled <= TARGET_SECONDS_1000
    report.line("targets", "met" if met else "NOT met: see the rows above", "")
    report.result = {
        "partners": args.partners,
        "locales": list(LOCALES),
        "processes": args.processes,
        "kits": len(results),
        "seconds": round(run.seconds, 2),
        "kits_per_s": round(len(results) / run.seconds, 2),
        "seconds_for_1000_partners": round(scaled, 1),
        "median_ms": round(median, 1),
        "p95_ms": round(p95(per_kit), 1),
        "one_core_median_ms": round(statistics.median(single), 1),
        "naive_median_ms": round(naive_median, 1),
        "naive_ratio": round(naive_median / statistics.median(single), 1),
        "unchanged_check_ms": round(check, 3),
        "unchanged_check_max_ms": round(max(checks), 3),
        "zip_mb": round(zip_mb, 2),
        "targets_met": met,
    }
    report.write("kits.json")
    return report


if __name__ == "__main__":
    main().print()
