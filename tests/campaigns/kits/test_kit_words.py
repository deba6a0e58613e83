"""A kit's own words (README, email, flyer) come from the app's catalogue, in the kit's language,
and a changed translation changes the inputs hash of the kits in that language, and only theirs."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from pypdf import PdfReader

from bench import kit_samples as samples
from campaigns.kits import TEMPLATE_VERSION, BuiltKit, kit_inputs_hash, words
from campaigns.kits.words import KitWords, kit_messages, kit_words
from core.config import LOCALES
from subscribers import catalogues
from tests.campaigns.kits.conftest import build, open_zip

# What a reader of each language sees where the kit speaks for itself: README, email, flyer.
EXPECTED = {
    "en": ("Marketing kit: ", "Questions? Get in touch", "Scan to open the campaign page"),
    "nl": ("Marketingkit: ", "Vragen? Neem contact op", "Scan om de campagnepagina te openen"),
    "de": ("Marketing-Kit: ", "Fragen? Sprechen Sie uns an", "Scannen, um die Kampagnenseite zu öffnen"),
    "fr": ("Kit marketing : ", "Des questions ? Contactez-nous", "Scannez pour ouvrir la page de la campagne"),
    "sv": ("Marknadsföringskit: ", "Frågor? Kontakta oss", "Skanna för att öppna kampanjsidan"),
    "pl": ("Zestaw marketingowy: ", "Pytania? Skontaktuj się z nami", "Zeskanuj, aby otworzyć stronę kampanii"),
}
CACHED = (
    catalogues.message_template,
    catalogues.catalogue,
    catalogues.translations,
    words.kit_words,
    words.kit_messages,
    words.words_digest,
)


def kit_text(kit: BuiltKit) -> dict[str, str]:
    archive = open_zip(kit)
    flyer = PdfReader(io.BytesIO(archive.read("flyer.pdf"))).pages[0].extract_text()
    return {
        "readme": archive.read("README.txt").decode(),
        "email": archive.read("email/email.txt").decode(),
        "flyer": " ".join(flyer.split()),  # the caption wraps under the QR code
    }


def english_phrases() -> set[str]:
    """The longer stretches of English in the kit's messages, between placeholders and line breaks."""
    pieces = (re.split(r"%\(\w+\)s|\n", message) for message in kit_messages())
    return {piece.strip() for parts in pieces for piece in parts if len(piece.strip()) >= 12}


def test_the_expected_phrases_are_the_catalogues() -> None:
    assert set(EXPECTED) == set(LOCALES)
    for locale, (_title, heading, scan) in EXPECTED.items():
        _ = kit_words(locale)
        assert (_("Questions? Get in touch"), _("Scan to open the campaign page")) == (heading, scan)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_kit_speaks_its_own_language_throughout(locale: str) -> None:
    text = kit_text(build(locale))
    title, heading, scan = EXPECTED[locale]
    assert text["readme"].startswith(title)
    assert heading in text["email"]
    assert heading in text["flyer"]
    assert scan in text["flyer"]
    if locale != "en":
        leaked = [phrase for phrase in english_phrases() if any(phrase in part for part in text.values())]
        assert not leaked, f"English in the {locale} kit: {leaked}"


def test_the_kit_asks_only_for_messages_the_catalogue_extracted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message the kit asks for in a way extraction cannot see would stay English everywhere."""
    asked: set[str] = set()
    speak = KitWords.__call__

    def recording(self: KitWords, message: str, **values: object) -> str:
        asked.add(message)
        return speak(self, message, **values)

    monkeypatch.setattr(KitWords, "__call__", recording)
    build("nl")
    assert asked
    assert asked <= set(kit_messages())


@pytest.fixture
def edited_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the catalogue that the test may edit, read in place of the real one."""
    copy = tmp_path / "translations"
    shutil.copytree(catalogues.SOURCE, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogues, "SOURCE", copy)
    monkeypatch.setattr(catalogues, "TEMPLATE", copy / "messages.pot")
    for cached in CACHED:
        cached.cache_clear()
    yield copy
    monkeypatch.undo()
    for cached in CACHED:
        cached.cache_clear()


def retranslate(directory: Path, locale: str, message: str, translation: str) -> None:
    path = directory / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    catalog[message].string = translation
    with path.open("wb") as target:
        write_po(target, catalog)
    for cached in CACHED:
        cached.cache_clear()  # a new process would read the edited file


def inputs_hash(locale: str) -> str:
    return kit_inputs_hash(
        samples.kit_copy(locale), samples.brand(), samples.images(), samples.vendor(), template_version=TEMPLATE_VERSION
    )


def test_a_changed_translation_reaches_the_kit_and_rebuilds_that_language_only(edited_catalogue: Path) -> None:
    before = {locale: inputs_hash(locale) for locale in ("nl", "en", "de")}
    retranslate(edited_catalogue, "nl", "Prepared for %(partner)s.", "Speciaal voor %(partner)s.")
    assert inputs_hash("nl") != before["nl"]
    assert inputs_hash("en") == before["en"]
    assert inputs_hash("de") == before["de"]
    kit = build("nl")
    assert kit.inputs_hash == inputs_hash("nl")
    assert kit_text(kit)["readme"].splitlines()[1] == "Speciaal voor Acme IT Solutions."
