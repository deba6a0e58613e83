"""Render a newsletter once per distinct selection; recipients' own fields stay placeholders.

The MJML source is Jinja-rendered (in the edition's language) and compiled to HTML by
mjml-python once for everyone who gets the same items in the same language. Per-partner and
per-contact values (name, named contact person, why they get it, signed links) are left as
`core.mail.placeholders` and filled later: by the file/SMTP transports locally, or by SendGrid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from flask_babel import force_locale
from jinja2 import Environment
from markupsafe import Markup
from mjml import mjml2html

from campaigns.delivery.outbox import content_hash
from content.cards import ItemCard
from core.mail.placeholders import placeholder
from core.mail.tracking import trackable_links

TEMPLATE_DIR = "email/digest"
# Fields every digest body carries as placeholders; assembly supplies them for each recipient.
RECIPIENT_FIELDS = (
    "first_name",
    "contact_name",
    "contact_details",
    "reason",
    "preferences_url",
    "unsubscribe_url",
)


@dataclass(frozen=True)
class DigestItem:
    """One card of the newsletter, in the reader's language or the first fallback the item has."""

    id: int
    card: ItemCard
    areas: tuple[str, ...]
    language: str = "en"  # the language of the card's texts
    is_fallback: bool = False  # not the reader's language; previews mark it
    boosted_by: str | None = None  # the live campaign that put it first


@dataclass(frozen=True)
class DigestEdition:
    """Everything that is the same for every recipient of one render."""

    locale: str
    items: tuple[DigestItem, ...]
    vendor_name: str
    postal_address: str
    intro: str

    @property
    def key(self) -> tuple[str, tuple[int, ...]]:
        return self.locale, tuple(item.id for item in self.items)


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    html: str
    text: str
    # Which content item each link belongs to (its call to action, links in its text): a click's item.
    link_items: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def content_hash(self) -> str:
        """The outbox's key for this body (the same content is stored once)."""
        return content_hash(self.subject, self.html, self.text)


def _email_environment(app: Flask) -> Environment:
    """The app's templates and gettext, escaping MJML (it is HTML) but not the text parts."""
    env: Environment | None = app.extensions.get("channelcast.email_env")
    if env is None:
        env = app.jinja_env.overlay(autoescape=lambda name: bool(name) and str(name).endswith(".mjml"))
        app.extensions["channelcast.email_env"] = env
    return env


def _html_placeholder(field: str) -> Markup:
    return Markup(placeholder(field, html=True))  # noqa: S704 (only ever %%word.html%%)


def render_digest(app: Flask, edition: DigestEdition) -> RenderedDigest:
    """One MJML render for one edition; call it once per distinct selection, never per recipient."""
    env = _email_environment(app)
    context: dict[str, object] = {
        "locale": edition.locale,
        "items": edition.items,
        "vendor_name": edition.vendor_name,
        "postal_address": edition.postal_address,
        "intro": edition.intro,
    }
    text_ph: Callable[[str], str] = placeholder
    # Subject and preheader speak the reader's language only: they are built from the items written
    # in it (a fallback item's title would mix two languages in one line).
    own = [item for item in edition.items if not item.is_fallback]
    lead = own[0] if own else None
    with app.app_context(), force_locale(edition.locale):
        subject_source = env.get_template(f"{TEMPLATE_DIR}/subject.txt")
        subject = " ".join(subject_source.render(**context, lead=lead, ph=text_ph).split())
        preheader = " · ".join(item.card.title for item in own[1:4]) or edition.intro
        source = env.get_template(f"{TEMPLATE_DIR}/body.mjml").render(
            **context, subject=subject, preheader=preheader, ph=_html_placeholder
        )
        text = env.get_template(f"{TEMPLATE_DIR}/body.txt").render(**context, ph=text_ph)
    html = mjml2html(source, disable_comments=True)
    return RenderedDigest(subject=subject, html=html, text=text, link_items=item_links(edition.items))


def item_links(items: tuple[DigestItem, ...]) -> dict[str, int]:
    """URL -> content item, for the links the cards write out (the first card wins a shared URL)."""
    found: dict[str, int] = {}
    for item in items:
        for url in ([item.card.cta_url] if item.card.cta_url else []) + trackable_links(item.card.body_html or ""):
            found.setdefault(url, item.id)
    return found
