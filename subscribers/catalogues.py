"""The partner pages' translations: `.po` sources in the repository, `.mo` compiled on start-up.

A fresh clone has no compiled catalogues; the app compiles any that are missing or older than
their source, next to the source when the checkout is writable, else into the instance folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE = Path(__file__).resolve().parent / "translations"


def _compile(po_file: Path, mo_file: Path) -> None:
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=po_file.parent.parent.name)
    mo_file.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a second process starting at the same time never reads half a file.
    handle, temporary = tempfile.mkstemp(dir=mo_file.parent, suffix=".mo")
    with os.fdopen(handle, "wb") as target:
        write_mo(target, catalog)
    os.replace(temporary, mo_file)


def compiled_catalogues(fallback: Path) -> Path:
    """The directory holding up-to-date `.mo` files for every `.po` source."""
    target = SOURCE if os.access(SOURCE, os.W_OK) else fallback
    for po_file in SOURCE.glob("*/LC_MESSAGES/*.po"):
        mo_file = target / po_file.relative_to(SOURCE).with_suffix(".mo")
        if not mo_file.exists() or mo_file.stat().st_mtime < po_file.stat().st_mtime:
            _compile(po_file, mo_file)
    return target
