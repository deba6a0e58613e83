"""The one catalogue of partner- and contact-facing words: `.po` sources in the repository.

Flask pages and emails read compiled `.mo` files: a fresh clone has none, so the app compiles any
that are missing or older than their source on start-up, next to the source when the checkout is
writable, else into the instance folder. Code that runs without Flask (kit builds in worker
processes) reads a locale through `translations`, once per locale per process.
`subscribers/babel.cfg` says which files the words are extracted from; `make translations`
extracts, merges and compiles.
"""

from __future__ import annotations

import io
import os
import tempfile
from functools import cache, lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

SOURCE = Path(__file__).resolve().parent / "translations"
TEMPLATE = SOURCE / "messages.pot"
SOURCE_LOCALE = "en"  # the msgids are the English text


def po_file(locale: str) -> Path:
    return SOURCE / locale / "LC_MESSAGES" / "messages.po"


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


@lru_cache(maxsize=1)
def message_template() -> Catalog:
    """Every message the code says (the committed `.pot`), with the files that say it."""
    with TEMPLATE.open("rb") as source:
        return read_po(source, locale=SOURCE_LOCALE)


@cache
def catalogue(locale: str) -> Catalog:
    """`locale`'s `.po` as committed: what a reader of that language is shown."""
    with po_file(locale).open("rb") as source:
        return read_po(source, locale=locale)


@cache
def translations(locale: str) -> NullTranslations:
    """`locale`'s words for code without a Flask app or request, loaded once per process.

    Compiled in memory from the `.po`, as `compiled_catalogues` compiles it (untranslated and
    fuzzy entries left out): a worker process has no app, so it does not know the instance folder
    where a read-only checkout keeps its `.mo` files, and a `.mo` can be older than its source.
    English needs no catalogue: the msgids are the English text.
    """
    if locale == SOURCE_LOCALE:
        return NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(locale))
    compiled.seek(0)
    return Translations(compiled)
