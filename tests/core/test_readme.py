"""The README's settings table says what core/config.py really reads, no more and no less."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import config

ROOT = Path(__file__).resolve().parents[2]
CONFIG_SOURCE = Path(config.__file__)


def _reader_calls() -> Iterator[tuple[str, ast.Call]]:
    """Calls like `reader.integer("NAME", ...)`, how core/config.py reads a setting, with the name."""
    for node in ast.walk(ast.parse(CONFIG_SOURCE.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "reader"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node


def settings_in_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every name the settings reader is asked for at start-up, plus any passed to it only on some paths."""
    asked: set[str] = set()
    text = config._Reader.text  # every typed read (integer, choice, url, ...) goes through it

    def noting_text(reader: config._Reader, name: str, default: str) -> str:
        asked.add(name)
        return text(reader, name, default)

    monkeypatch.setattr(config._Reader, "text", noting_text)
    config.load_settings({"INSTANCE_DIR": str(tmp_path)}, dotenv=None)
    return asked | {name for name, _call in _reader_calls()}


def readme_settings_table() -> dict[str, str]:
    """The README's configuration table: variable name -> its default cell."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) < 3:
            continue
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
            assert name not in rows, f"{name} has two rows in the README's settings table"
            rows[name] = cells[1]
    assert rows, "no settings table found under '## Configuration' in README.md"
    return rows


def test_every_setting_config_reads_has_a_row_in_the_readme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = settings_in_config(tmp_path, monkeypatch) - set(readme_settings_table())
    assert not missing, f"core/config.py reads {sorted(missing)}, which the README's settings table does not list"


def test_every_row_of_the_readme_settings_table_is_a_setting_config_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = set(readme_settings_table()) - settings_in_config(tmp_path, monkeypatch)
    assert not unknown, f"the README's settings table lists {sorted(unknown)}, which core/config.py never reads"


def _written_default(value: object) -> str | None:
    """A default as the README writes it, for the literal ones; None for computed defaults."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | str) and value != "":
        return str(value)
    if isinstance(value, tuple):
        return ",".join(value)
    return None


def test_the_readme_gives_the_defaults_config_uses() -> None:
    table = readme_settings_table()
    checked = 0
    for name, call in _reader_calls():
        if len(call.args) < 2 or name not in table:
            continue
        default = call.args[1]
        if isinstance(default, ast.Name) and hasattr(config, default.id):
            written = _written_default(getattr(config, default.id))
        elif isinstance(default, ast.Constant):
            written = _written_default(default.value)
        else:
            continue
        shown = re.fullmatch(r"`([^`]*)`", table[name])
        if written is None or shown is None:
            continue  # computed, empty, or described in words: nothing literal to compare
        assert shown.group(1) == written, f"README says {name} defaults to {shown.group(1)!r}; config uses {written!r}"
        checked += 1
    assert checked >= 20, f"only {checked} defaults could be compared: has the table's format changed?"
