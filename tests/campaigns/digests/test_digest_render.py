import re

from flask import Flask

from campaigns.digests.render import RECIPIENT_FIELDS, DigestEdition, DigestItem, render_digest
from content.cards import build_card
from content.models import ContentKind
from core.mail.placeholders import FillTemplate

ITEMS = (
    DigestItem(
        1,
        build_card(
            kind=ContentKind.OFFER,
            title="Storage trade-in: up to 30% back",
            summary="Swap ageing arrays for credit & quotes.",
            body="",
            cta_label="Read more",
            cta_url="https://vendor.example/news/1",
            image_url="https://cdn.vendor.example/1.png",
        ),
        ("Storage",),
    ),
    DigestItem(
        2,
        build_card(
            kind=ContentKind.ANNOUNCEMENT,
            title="Wi-Fi 7 <launch> kit",
            summary="Ready texts for your customers.",
            body="",
            cta_label="Get the kit",
            cta_url="https://vendor.example/news/2",
        ),
        ("Networking", "Security"),
    ),
)


def edition(locale: str = "en") -> DigestEdition:
    return DigestEdition(
        locale=locale,
        items=ITEMS,
        vendor_name="Vendor & Co",
        postal_address="Keizersgracht 1, Amsterdam",
        intro="Here is what is new in the areas you follow.",
    )


def recipient() -> dict[str, str]:
    return {
        "first_name": "Jan <Piet>",
        "contact_name": "Anna de Vries",
        "contact_details": "+31 20 555 0102 · anna@vendor.example",
        "reason": "You follow Storage at Acme IT.",
        "preferences_url": "https://cc.example/p/tok?a=1&b=2",
        "unsubscribe_url": "https://cc.example/u/tok",
    }


def test_one_render_fills_into_a_complete_personal_newsletter(app: Flask) -> None:
    rendered = render_digest(app, edition())
    html = FillTemplate.parse(rendered.html).fill(recipient())
    text = FillTemplate.parse(rendered.text).fill(recipient())
    assert "<mj-" not in html
    assert "{{" not in html
    assert "%%" not in html
    assert "Hello Jan &lt;Piet&gt;," in html
    assert 'href="https://cc.example/p/tok?a=1&amp;b=2"' in html
    assert "Wi-Fi 7 &lt;launch&gt; kit" in html
    assert "Vendor &amp; Co" in html
    assert 'alt="Storage trade-in: up to 30% back"' in html
    assert "Keizersgracht 1, Amsterdam" in html
    assert "Keizersgracht 1, Amsterdam" in text
    for item in ITEMS:
        assert item.card.title in text
        assert item.card.cta_url in text
    assert "Hello Jan <Piet>," in text
    assert len(html.encode()) < 102 * 1024


def test_the_render_leaves_exactly_the_recipient_fields_open(app: Flask) -> None:
    rendered = render_digest(app, edition())
    assert FillTemplate.parse(rendered.html).field_names == set(RECIPIENT_FIELDS)
    assert FillTemplate.parse(rendered.text).field_names == set(RECIPIENT_FIELDS)


def test_the_subject_names_the_first_item_and_how_many_more(app: Flask) -> None:
    assert render_digest(app, edition()).subject == "Storage trade-in: up to 30% back, and 1 more from Vendor & Co"


def test_the_same_selection_renders_to_the_same_content_hash(app: Flask) -> None:
    assert render_digest(app, edition()).content_hash == render_digest(app, edition()).content_hash
    other = DigestEdition(locale="en", items=ITEMS[:1], vendor_name="Vendor & Co", postal_address="x", intro="y")
    assert render_digest(app, other).content_hash != render_digest(app, edition()).content_hash


def test_images_have_alt_text_and_a_width(app: Flask) -> None:
    html = render_digest(app, edition()).html
    for tag in re.findall(r"<img [^>]*>", html):
        assert "alt=" in tag
        assert re.search(r'width="\d+"', tag)


def card(title: str) -> DigestItem:
    return DigestItem(
        len(title),
        build_card(kind=ContentKind.ARTICLE, title=title, summary="", body="", cta_label="", cta_url=""),
        ("Storage",),
    )


def dutch_edition(*items: DigestItem) -> DigestEdition:
    return DigestEdition("nl", items, "Northwind Systems", "Keizersgracht 1", "Dit is er nieuw.")


def test_a_subject_line_is_built_from_the_items_in_the_readers_own_language(app: Flask) -> None:
    german = card("HyperNode H4 ab sofort für Partner bestellbar")
    german = DigestItem(german.id, german.card, german.areas, language="de", is_fallback=True)
    dutch = DigestItem(2, card("Opslag in de cloud").card, ("Opslag",), language="nl")
    rendered = render_digest(app, dutch_edition(german, dutch))
    assert rendered.subject == "Opslag in de cloud, en nog 1 van Northwind Systems"


def test_a_newsletter_with_only_fallback_items_names_none_of_them_in_its_subject(app: Flask) -> None:
    items = [
        DigestItem(n, card(title).card, (), language="en", is_fallback=True)
        for n, title in enumerate(("Storage news", "Cloud news"))
    ]
    rendered = render_digest(app, dutch_edition(*items))
    assert rendered.subject == "2 nieuwe berichten van Northwind Systems"
