"""The brand editor's live preview: the co-branded email and banner as a partner's brand makes them.

Made from the same engine as the kit (MJML template, banner drawing), with the logo and banner as
`data:` URLs so the whole preview is one HTML document for an iframe under the email-preview CSP.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import replace

from markupsafe import escape

from campaigns.kits import markdown_bridge
from campaigns.kits.build import fit_email_logo
from campaigns.kits.images import cobranded_banner, decode_image
from campaigns.kits.inputs import BrandKit, KitCopy, VendorInfo
from campaigns.kits.kit_email import LOGO_FILE, KitEmail, render_email

_BODY_TAG = re.compile(r"<body[^>]*>", re.IGNORECASE)

SAMPLE_COPY = KitCopy(
    locale="en",
    campaign_name="Your next campaign",
    subject_lines=("A subject line", "Another subject line", "A third subject line"),
    preheader="A preview of your co-branded email.",
    short_copy="",
    medium_copy=(
        "This is where the vendor's campaign text goes. It is locked: partners send it as it is.\n\n"
        "Your logo sits above it, your colours frame it, and your contact details follow below."
    ),
    long_copy="",
    cta_label="Read more",
    cta_url="https://vendor.example/campaigns",
    flyer_title="Preview",
    flyer_text="",
    campaign_url="https://vendor.example/campaigns",
)


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def brand_preview_html(copy: KitCopy, brand: BrandKit, vendor: VendorInfo, *, banner_alt: str) -> str:
    """The email with the light banner above it; raises InvalidField for a logo the kit would refuse."""
    logo = decode_image(brand.logo, field="logo") if brand.logo else None
    email_logo = fit_email_logo(logo)
    email = render_email(
        copy, brand, vendor, email_logo,
        body_html=markdown_bridge.to_html(copy.medium_copy), body_text="",
        built_at=dt.datetime.now(dt.UTC), message_key="preview",
    )  # fmt: skip
    html = email.html
    if email_logo is not None:
        html = html.replace(f'src="{LOGO_FILE}"', f'src="{_data_url("image/png", email_logo.png)}"')
    banner, _layout = cobranded_banner(None, logo, brand, copy.campaign_name, dark=False)
    figure = (
        '<div style="max-width:600px;margin:16px auto;">'
        f'<img id="banner-preview" src="{_data_url("image/jpeg", banner)}" '
        f'alt="{escape(banner_alt)}" style="width:100%;height:auto;display:block;"></div>'
    )
    match = _BODY_TAG.search(html)
    return html[: match.end()] + figure + html[match.end() :] if match else figure + html


def proof_email(copy: KitCopy, brand: BrandKit, vendor: VendorInfo, *, logo_url: str | None) -> KitEmail:
    """The kit's co-branded email as a partner would send it, for a test to staff.

    The kit refers to its logo as the file beside it; a mail has no such file, so the logo is
    the partner's own logo at `logo_url` (the public media address), at the size the kit shows it.
    """
    logo = decode_image(brand.logo, field="logo") if brand.logo and logo_url else None
    email = render_email(
        copy, brand, vendor, fit_email_logo(logo),
        body_html=markdown_bridge.to_html(copy.medium_copy), body_text=markdown_bridge.to_text(copy.medium_copy),
        built_at=dt.datetime.now(dt.UTC), message_key="proof",
    )  # fmt: skip
    if logo_url:
        return replace(email, html=email.html.replace(f'src="{LOGO_FILE}"', f'src="{escape(logo_url)}"'))
    return email
