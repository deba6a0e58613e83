"""A newsletter's own words are the reader's language: the kind on each card, the subject's counts."""

import pytest
from flask import Flask

from campaigns.digests.render import DigestEdition, DigestItem, render_digest
from content.cards import build_card
from content.models import ContentKind


def item(n: int, kind: ContentKind = ContentKind.ARTICLE, *, fallback: bool = False) -> DigestItem:
    card = build_card(kind=kind, title=f"HyperNode H{n}", summary="", body="", cta_label="", cta_url="")
    return DigestItem(n, card, (), is_fallback=fallback)


def edition(locale: str, *items: DigestItem) -> DigestEdition:
    return DigestEdition(locale=locale, items=items, vendor_name="Northwind", postal_address="x", intro="y")


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
    html = render_digest(app, edition(locale, item(1, kind))).html
    assert shown in html
    if locale != "en":
        assert kind.value.upper() not in html  # the English name


@pytest.mark.parametrize(
    ("count", "subject"),
    [(1, "1 nowość od Northwind"), (3, "3 nowości od Northwind"), (5, "5 nowości od Northwind")],
)
def test_a_polish_subject_counts_fallback_items_in_polish_plural_forms(app: Flask, count: int, subject: str) -> None:
    items = [item(n, fallback=True) for n in range(1, count + 1)]
    assert render_digest(app, edition("pl", *items)).subject == subject


def test_a_french_subject_agrees_with_how_many_more_there_are(app: Flask) -> None:
    one_more = edition("fr", item(1), item(2))
    two_more = edition("fr", item(1), item(2), item(3))
    assert render_digest(app, one_more).subject == "HyperNode H1, et 1 autre de Northwind"
    assert render_digest(app, two_more).subject == "HyperNode H1, et 2 autres de Northwind"
