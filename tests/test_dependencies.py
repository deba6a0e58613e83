"""Imports point one way: wsgi -> campaigns -> subscribers -> content -> core, and bench/ -> the app.

Tests may use bench/ (its generated data, the fake SendGrid, the kit samples); bench/ never uses
tests/, so a benchmark runs from a checkout without the test suite on the path.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("core", "content", "subscribers", "campaigns")  # each may import only those before it


def imported_packages(package: str) -> Iterator[tuple[str, str]]:
    """(file, imported top-level package) for every absolute import in `package`, nested ones too."""
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                yield str(path.relative_to(ROOT)), name.split(".")[0]


@pytest.mark.parametrize("package", LAYERS)
def test_a_package_imports_only_the_packages_below_it(package: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    forbidden = {"wsgi", "tests", "bench", *LAYERS} - allowed
    wrong = sorted({(path, name) for path, name in imported_packages(package) if name in forbidden})
    assert not wrong, f"{package}/ imports upwards or from tests/bench: {wrong}"


def test_bench_does_not_import_from_tests() -> None:
    wrong = sorted({path for path, name in imported_packages("bench") if name == "tests"})
    assert not wrong, f"bench/ imports from tests/ in {wrong}: move what it needs into bench/"
