"""Comparing a rendering with its committed reference image, with a small tolerance.

A pixel differs when any of its channels is more than PIXEL_THRESHOLD apart (JPEG noise and font
hinting stay under it); a rendering passes while at most MAX_DIFFERING of its pixels differ.
An intended change updates the references in the same commit:

    UPDATE_REFERENCES=1 .venv/bin/pytest tests/visual

writes every rendering as its new reference (tests/visual/references/), and the test passes; look
at them (git diff shows which changed) before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageChops

REFERENCES = Path(__file__).resolve().parent / "references"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "visual"
PIXEL_THRESHOLD = 24
MAX_DIFFERING = 0.005  # half a percent of the pixels


def share_differing(first: Image.Image, second: Image.Image, threshold: int = PIXEL_THRESHOLD) -> float:
    """The share of pixels whose largest channel difference is over `threshold` (same size required)."""
    assert first.size == second.size, f"sizes differ: {first.size} and {second.size}"
    difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    largest = ImageChops.lighter(ImageChops.lighter(*difference.split()[:2]), difference.split()[2])
    over = largest.point(lambda value: 255 if value > threshold else 0)
    histogram = over.histogram()
    return histogram[255] / (first.width * first.height)


def matches_reference(rendered: Image.Image, name: str) -> None:
    """Assert that `rendered` looks like the reference `name` (or record it when UPDATE_REFERENCES=1)."""
    reference_path = REFERENCES / f"{name}.png"
    rendered = rendered.convert("RGB")
    if os.environ.get("UPDATE_REFERENCES") == "1":
        REFERENCES.mkdir(parents=True, exist_ok=True)
        rendered.save(reference_path, optimize=True)
        return
    assert reference_path.exists(), f"no reference {reference_path.name}: run with UPDATE_REFERENCES=1 and commit it"
    reference = Image.open(reference_path).convert("RGB")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    rendered.save(ARTIFACTS / f"{name}.png")
    assert rendered.size == reference.size, f"{name}: {rendered.size} now, {reference.size} in the reference"
    share = share_differing(rendered, reference)
    assert share <= MAX_DIFFERING, (
        f"{name}: {share:.2%} of the pixels differ from the reference (at most {MAX_DIFFERING:.1%}); "
        f"see {ARTIFACTS / name}.png, and if the change is intended run UPDATE_REFERENCES=1"
    )
