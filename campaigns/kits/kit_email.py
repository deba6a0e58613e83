"""The co-branded email of a kit: MJML to HTML, its plain-text twin and an importable .eml.

The campaign's text sits between `<!-- locked: vendor text -->` comments: partners send it as
it is. The partner's logo, colours and contact block are theirs. Every partner field reaches
the HTML through Jinja's autoescaping; colours and links were validated when the inputs were made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from mjml import mjml2html

from campaigns.kits.inputs import BrandKit, KitCopy, VendorInfo
from campaigns.kits.words import kit_words
from content.brand import WHITE, best_text_colour, nearest_accessible_shade

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LOGO_FILE = "logo.png"
LOGO_CID = "logo@kit.channelcast"
HERO_FILE = "hero.jpg"
HERO_CID = "hero@kit.channelcast"
BADGE_FILE = "badge.png"
BADGE_CID = "badge@kit.channelcast"
_LOGO_DISPLAY = (240, 80)


@lru_cache(maxsize=1)
def kit_environment() -> Environment:
    """Jinja for kit templates: `.mjml` and `.html` autoescaped, text templates not; unknown names fail."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("mjml", "html"), default_for_string=False, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class EmailLogo:
    png: bytes
    width: int  # pixels of the PNG, twice what the email shows on high-density screens
    height: int


@dataclass(frozen=True)
class EmailBadge:
    """The partner's tier badge as the email shows it, with its line."""

    png: bytes
    width: int  # pixels of the PNG, twice what the email shows
    height: int
    line: str


@dataclass(frozen=True)
class EmailHero:
    """The campaign picture the kit pieces name for the email, cropped to EMAIL_HERO around its focal point."""

    jpeg: bytes
    alt: str


@dataclass(frozen=True)
class KitEmail:
    subject: str
    html: str  # refers to the logo as `logo.png`, the file beside it in the kit
    text: str
    eml: bytes


def email_colours(brand: BrandKit) -> dict[str, str]:
    """The partner's colours where text stays readable (AA): black or white on the button and the
    plain header (one of them always reaches 4.5:1), links in the accent shade that reads on white,
    the wordmark (their name, when there is no logo) in the primary shade that reads on white."""
    return {
        "button": brand.primary_colour,
        "button_text": best_text_colour(brand.primary_colour),
        "link": nearest_accessible_shade(brand.accent_colour, text=WHITE),
        "wordmark": nearest_accessible_shade(brand.primary_colour, text=WHITE),
    }


def render_email(
    copy: KitCopy,
    brand: BrandKit,
    vendor: VendorInfo,
    logo: EmailLogo | None,
    *,
    body_html: str,
    body_text: str,
    built_at: dt.datetime,
    message_key: str,
    hero: EmailHero | None = None,
    badge: EmailBadge | None = None,
) -> KitEmail:
    """`body_html` is sanitised HTML (from the Markdown bridge); everything else is escaped here.
    Without a `hero` picture the email opens with a plain co-branded header; a tier `badge` and its
    line sit in the partner's contact block."""
    context = _context(copy, brand, vendor, logo, body_html=body_html, body_text=body_text)
    context["hero"] = {"src": HERO_FILE, "alt": hero.alt or copy.campaign_name} if hero is not None else None
    context["badge"] = None
    if badge is not None:
        context["badge"] = {"src": BADGE_FILE, "width": round(badge.width / 2), "height": round(badge.height / 2),
                            "line": badge.line}  # fmt: skip
    env = kit_environment()
    html = mjml2html(env.get_template("kit/email.mjml").render(**context))
    text = env.get_template("kit/email.txt").render(**context)
    subject = copy.subject_lines[0]
    eml = _eml(subject, html, text, brand, logo, hero, badge, built_at=built_at, message_key=message_key)
    return KitEmail(subject=subject, html=html, text=text, eml=eml)


def _context(
    copy: KitCopy, brand: BrandKit, vendor: VendorInfo, logo: EmailLogo | None, *, body_html: str, body_text: str
) -> dict[str, Any]:
    shown: dict[str, object] | None = None
    if logo is not None:
        scale = min(_LOGO_DISPLAY[0] / logo.width, _LOGO_DISPLAY[1] / logo.height, 1.0)
        shown = {"src": LOGO_FILE, "width": round(logo.width * scale), "height": round(logo.height * scale)}
    return {
        "locale": copy.locale,
        "subject": copy.subject_lines[0],
        "preheader": copy.preheader,
        "copy": copy,
        "brand": brand,
        "vendor": vendor,
        "_": kit_words(copy.locale),  # the kit's own words, as `_()` reads in every template
        "colours": email_colours(brand),
        "logo": shown,
        "body_html": Markup(body_html),  # noqa: S704 (sanitised by nh3 in the Markdown bridge)
        "body_text": body_text,
        "address_lines": brand.postal_address.splitlines(),
        "vendor_address_lines": vendor.postal_address.splitlines(),
        "website_label": urlsplit(brand.website).netloc if brand.website else "",
    }


def _eml(
    subject: str,
    html: str,
    text: str,
    brand: BrandKit,
    logo: EmailLogo | None,
    hero: EmailHero | None,
    badge: EmailBadge | None,
    *,
    built_at: dt.datetime,
    message_key: str,
) -> bytes:
    """RFC 5322: multipart/alternative (text, then HTML with logo and picture inline), unsent, no recipient."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    if brand.email:
        message["From"] = Address(display_name=brand.partner_name, addr_spec=brand.email)
    message["Date"] = format_datetime(built_at)
    message["Message-ID"] = f"<{message_key}@kit.channelcast.invalid>"
    message["X-Unsent"] = "1"  # mail tools open it as a draft to send from the partner's own account
    message.set_content(text)
    html_for_eml = html.replace(f'src="{LOGO_FILE}"', f'src="cid:{LOGO_CID}"')
    html_for_eml = html_for_eml.replace(f'src="{HERO_FILE}"', f'src="cid:{HERO_CID}"')
    html_for_eml = html_for_eml.replace(f'src="{BADGE_FILE}"', f'src="cid:{BADGE_CID}"')
    message.add_alternative(html_for_eml, subtype="html")
    message.set_boundary(f"=_alt_{message_key[:32]}")
    if logo is not None or hero is not None or badge is not None:
        html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
        if logo is not None:
            html_part.add_related(logo.png, maintype="image", subtype="png", cid=f"<{LOGO_CID}>", filename=LOGO_FILE)
        if hero is not None:
            html_part.add_related(hero.jpeg, maintype="image", subtype="jpeg", cid=f"<{HERO_CID}>", filename=HERO_FILE)
        if badge is not None:
            html_part.add_related(badge.png, maintype="image", subtype="png", cid=f"<{BADGE_CID}>", filename=BADGE_FILE)
        html_part.set_boundary(f"=_rel_{message_key[:32]}")
    return message.as_bytes()
