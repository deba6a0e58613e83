"""The one catalogue keeps up with the code: every partner- and contact-facing string is extracted
into `messages.pot`, and every language translates all of it, with the same placeholders.

When one of these fails: `make translations`, then translate what it reports in each `.po`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from core.config import LOCALES
from subscribers.catalogues import SOURCE_LOCALE, TEMPLATE, catalogue, message_template

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "subscribers" / "babel.cfg"
TRANSLATED = [locale for locale in LOCALES if locale != SOURCE_LOCALE]
# A named placeholder with its conversion (`%(count)d`); `%%` is a literal percent sign.
PLACEHOLDER = re.compile(r"%%|%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `make translations` extracts from the code today: Babel's own command, in this process."""
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    command = ["pybabel", "--quiet", "extract", "-F", str(CONFIG), "-o", str(pot), str(ROOT)]
    CommandLineInterface().run(command)  # type: ignore[no-untyped-call]  # Babel's CLI class is untyped
    with pot.open("rb") as source:
        return read_po(source)


def _key(message: Message) -> tuple[object, object]:
    return message.id, message.context


def _keys(catalog: Iterable[Message]) -> set[tuple[object, object]]:
    return {_key(message) for message in catalog if message.id}


def _files(message: Message, root: Path | None = None) -> set[str]:
    """The files that say `message`, relative to the repository (line numbers move with every edit)."""
    return {(Path(path).relative_to(root).as_posix() if root else path) for path, _ in message.locations}


def _named(text: str) -> list[tuple[str, str]]:
    return sorted((name, kind) for name, kind in PLACEHOLDER.findall(text) if name)


def _forms(value: object) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [str(value)]


def test_every_string_in_the_code_is_in_the_committed_template(extracted: Catalog) -> None:
    missing = sorted(str(key[0]) for key in _keys(extracted) - _keys(message_template()))
    assert not missing, f"not in {TEMPLATE.name} (run `make translations`): {missing}"


def test_the_committed_template_has_no_string_the_code_no_longer_says(extracted: Catalog) -> None:
    stale = sorted(str(key[0]) for key in _keys(message_template()) - _keys(extracted))
    assert not stale, f"in {TEMPLATE.name} but gone from the code (run `make translations`): {stale}"


def test_the_template_says_which_files_use_each_string(extracted: Catalog) -> None:
    """Kits hash the translations of the messages the template places in kit files
    (campaigns/kits/words.py), so those places must be current."""
    committed = {_key(message): _files(message) for message in message_template() if message.id}
    moved = [
        str(message.id) for message in extracted if message.id and committed.get(_key(message)) != _files(message, ROOT)
    ]
    assert not moved, f"used in other files than {TEMPLATE.name} says (run `make translations`): {moved}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_language_translates_every_string(locale: str) -> None:
    messages = [message for message in catalogue(locale) if message.id]
    assert _keys(messages) == _keys(message_template()), f"{locale}: run `make translations`"
    untranslated = [str(m.id) for m in messages if not all(_forms(m.string)) or not m.string]
    fuzzy = [str(m.id) for m in messages if m.fuzzy]
    assert not untranslated, f"{locale}: untranslated {untranslated}"
    assert not fuzzy, f"{locale}: fuzzy (check the guess, then remove the fuzzy flag) {fuzzy}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_use_the_placeholders_of_their_message(locale: str) -> None:
    wrong = []
    for message in catalogue(locale):
        if not message.id:
            continue
        expected = _named(_forms(message.id)[0])
        for form in _forms(message.string):
            if _named(form) != expected:
                wrong.append(f"{message.id!r} -> {form!r}")
    assert not wrong, f"{locale}: placeholders differ from the message's: {wrong}"


def test_the_placeholder_check_sees_a_renamed_or_dropped_placeholder() -> None:
    assert _named("Hello %(name)s, 100%% sure") == [("name", "s")]
    assert _named("%(title)s, and %(count)d more") != _named("%(title)s, et %(count)s autres")
    assert _named("Bonjour %(nom)s") != _named("Hello %(name)s")
    assert _named("Bonjour") != _named("Hello %(name)s")
