"""An item as an email card: the data the card partial needs, and the editor's rendered preview."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup
from mjml import mjml2html

from content import markdown
from content.models import ContentItem, ContentKind, ContentVariant

CARD_PARTIAL = "email/partials/item_card.mjml"
PREVIEW_TEMPLATE = "email/preview/item_card.mjml"


@dataclass(frozen=True)
class ItemCard:
    kind: ContentKind
    title: str
    summary: str
    body_html: Markup
    body_text: str
    image_url: str
    image_alt: str
    cta_label: str
    cta_url: str

    @property
    def kind_label(self) -> str:
        """In the language the card is being rendered in (the newsletter renders in the reader's)."""
        return self.kind.label


def build_card(
    *,
    kind: ContentKind,
    title: str,
    summary: str,
    body: str,
    cta_label: str,
    cta_url: str,
    image_url: str = "",
) -> ItemCard:
    """Everything a card shows, with the Markdown body rendered by the one safe renderer."""
    return ItemCard(
        kind=kind,
        title=title,
        summary=summary,
        body_html=markdown.to_html(body),
        body_text=markdown.to_text(body),
        image_url=image_url,
        image_alt=title,
        cta_label=cta_label,
        cta_url=cta_url if cta_url.lower().startswith(("https://", "http://")) else "",
    )


def card_for(item: ContentItem, variant: ContentVariant, *, image_url: str = "") -> ItemCard:
    """The card of one language version: its texts and its own button."""
    return build_card(
        kind=item.kind,
        title=variant.title,
        summary=variant.summary,
        body=variant.body,
        cta_label=variant.cta_label,
        cta_url=variant.button_url,
        image_url=image_url,
    )


def render_preview(card: ItemCard) -> str:
    """A whole HTML document with the card, rendered through MJML as the newsletter will be."""
    return str(mjml2html(render_template(PREVIEW_TEMPLATE, card=card), disable_comments=True, fonts={}))
