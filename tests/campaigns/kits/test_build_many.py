"""Many kits at once, in a process pool, with progress."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest

from bench import kit_samples
from campaigns.kits import TEMPLATE_VERSION, KitJob, build_kits, kit_inputs_hash
from tests.campaigns.kits.conftest import BUILT_AT


def jobs(tmp_path: Path, partners: int) -> list[KitJob]:
    images = kit_samples.images()[:1]
    copies = [kit_samples.kit_copy("en"), kit_samples.kit_copy("pl")]
    return [
        KitJob(
            copy,
            kit_samples.brand(partner_name=f"Partner {n}", logo=None),
            images,
            kit_samples.vendor(),
            TEMPLATE_VERSION,
            BUILT_AT,
            tmp_path / f"{n}-{copy.locale}.zip",
        )
        for n in range(partners)
        for copy in copies
    ]


def test_one_process_builds_every_kit_reporting_progress_after_each(tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    work = jobs(tmp_path, 2)
    results = build_kits(work, processes=1, on_progress=lambda done, total: progress.append((done, total)))
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for job, result in zip(work, results, strict=True):
        assert result.ok
        assert result.inputs_hash == kit_inputs_hash(
            job.copy, job.brand, job.images, job.vendor, template_version=TEMPLATE_VERSION
        )
        assert zipfile.ZipFile(result.path or "").testzip() is None


def test_a_partner_with_a_bad_logo_fails_alone(tmp_path: Path) -> None:
    work = jobs(tmp_path, 2)
    work[1] = dataclasses.replace(work[1], brand=kit_samples.brand(logo=b"<svg/>"))
    results = build_kits(work, processes=1)
    assert [result.ok for result in results] == [True, False, True, True]
    assert results[1].error_field == "logo"
    assert "SVG" in (results[1].error or "")


@pytest.mark.slow
def test_two_processes_build_the_same_kits_as_one(tmp_path: Path) -> None:
    progress: list[int] = []
    pooled = build_kits(jobs(tmp_path / "pool", 3), processes=2, on_progress=lambda done, total: progress.append(done))
    inline = build_kits(jobs(tmp_path / "inline", 3), processes=1)
    assert sorted(progress) == [1, 2, 3, 4, 5, 6]
    assert [r.sha256 for r in pooled] == [r.sha256 for r in inline]
    assert [r.index for r in pooled] == list(range(6))
