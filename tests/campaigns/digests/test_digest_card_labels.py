"""Each item card in a newsletter names its kind in the reader's language."""

import pytest
from flask import Flask

from campaigns.digests.render import DigestEdition, DigestItem, render_digest
from content.cards import build_card
from content.models import ContentKind


def edition(locale: str, kind: ContentKind) -> DigestEdition:
    card = build_card(kind=kind, title="HyperNode H4", summary="", body="", cta_label="", cta_url="")
    return DigestEdition(
        locale=locale, items=(DigestItem(1, card, ()),), vendor_name="Northwind", postal_address="x", intro="y"
    )


@pytest.mark.parametrize(
    ("locale", "kind", "shown"),
    [
        ("en", ContentKind.ANNOUNCEMENT, "ANNOUNCEMENT"),
        ("de", ContentKind.ANNOUNCEMENT, "ANKÜNDIGUNG"),
        ("fr", ContentKind.EVENT, "ÉVÉNEMENT"),
        ("pl", ContentKind.ARTICLE, "ARTYKUŁ"),
        ("sv", ContentKind.OFFER, "ERBJUDANDE"),
    ],
)
def test_the_card_names_the_kind_in_the_readers_language(
    app: Flask, locale: str, kind: ContentKind, shown: str
) -> None:
    html = render_digest(app, edition(locale, kind)).html
    assert shown in html
    if locale != "en":
        assert kind.label.upper() not in html
