import json
from pathlib import Path

import pytest

from bench import common, import_contacts

pytestmark = pytest.mark.slow


def test_the_import_benchmark_reports_rows_per_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    import_contacts.main(["--rows", "2000"])
    result = json.loads((tmp_path / "import.json").read_text())
    assert result["rows"] == 2000
    assert result["rows_per_s"] > 0
    assert result["peak_rss_mb"] > 0
    assert result["ratio_vs_naive"] > 1, "the batched import should beat one ORM object per row"
