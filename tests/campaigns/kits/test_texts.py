from campaigns.kits.texts import TEXTS
from core.config import LOCALES


def test_every_language_a_kit_is_built_in_has_every_text() -> None:
    assert set(TEXTS) == set(LOCALES)
    for locale in LOCALES:
        assert set(TEXTS[locale]) == set(TEXTS["en"]), locale
        assert all(TEXTS[locale].values()), locale
