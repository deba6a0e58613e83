"""The partner's brand as the portal's brand editor checks and saves it.

Colours go through `content.brand` (hex only, WCAG advice), the website must be http(s), the phone
number is parsed with `phonenumbers` (in the partner's country unless it starts with +) and kept in
international format, one-line fields refuse line breaks, control characters and HTML brackets, and
the logo goes through the content media service with the same limits as every upload.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import format_decimal, gettext
from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from content.brand import ColourAdvice, InvalidField, advise_colour, parse_website
from content.media import MediaError, MediaLimits, Upload, master_key, store_upload
from core.audit import changes_between
from core.mail.addresses import normalise_email
from core.storage import Storage
from subscribers.audit import record_partner
from subscribers.models import Partner

# Form field -> Partner column.
COLUMNS = {
    "primary_color": "brand_primary_color",
    "accent_color": "brand_accent_color",
    "website": "brand_website",
    "phone": "brand_phone",
    "email": "brand_email",
    "postal_address": "brand_postal_address",
    "tagline": "brand_tagline",
    "contact_name": "brand_contact_name",
}
LENGTHS = {"website": 255, "phone": 50, "email": 255, "postal_address": 500, "tagline": 200, "contact_name": 200}
LOGO_MAX_SIDE = 10_000  # what the kit's banner and flyer accept (campaigns/kits/images.py)
DEFAULT_PRIMARY = "#0b5cad"
DEFAULT_ACCENT = "#f5a623"


@dataclass
class BrandCheck:
    """The cleaned values, the errors per field, and the colour advice for what was typed."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    advice: dict[str, ColourAdvice] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def plain_text(value: str, *, multiline: bool = False) -> str | None:
    """Trimmed text, or None when it holds HTML brackets or control characters."""
    text = value.replace("\r\n", "\n").strip()
    allowed = {"\n"} if multiline else set()
    if "<" in text or ">" in text:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch not in allowed for ch in text):
        return None
    return text


def international_phone(value: str, country: str) -> str:
    """A phone number in international format; parsed in `country` unless it starts with +.

    Raises phonenumbers.NumberParseException for something that is not a valid number."""
    number = phonenumbers.parse(value, None if value.startswith("+") else country)
    if not phonenumbers.is_valid_number(number):
        raise phonenumbers.NumberParseException(phonenumbers.NumberParseException.NOT_A_NUMBER, value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _check_one(name: str, raw: str, country: str, check: BrandCheck) -> None:
    if name in ("primary_color", "accent_color"):
        try:
            advice = advise_colour(raw.strip(), field=name)
        except InvalidField:
            check.errors[name] = gettext("Use a hex colour like #1a2b3c or #abc.")
            return
        check.advice[name] = advice
        check.values[name] = advice.colour
        return
    text = plain_text(raw, multiline=name == "postal_address")
    if text is None:
        check.errors[name] = gettext("Plain text only: no HTML, line breaks or control characters.")
    elif len(text) > LENGTHS[name]:
        check.errors[name] = gettext("At most %(count)s characters.", count=LENGTHS[name])
    elif not text:
        check.values[name] = ""
    elif name == "website":
        try:
            check.values[name] = parse_website(text)
        except InvalidField:
            check.errors[name] = gettext("Use a full web address starting with https://.")
    elif name == "phone":
        try:
            check.values[name] = international_phone(text, country)
        except phonenumbers.NumberParseException:
            check.errors[name] = gettext("This is not a valid phone number; start with + and the country code.")
    elif name == "email":
        try:
            check.values[name] = normalise_email(validate_email(text, check_deliverability=False).normalized)
        except EmailNotValidError:
            check.errors[name] = gettext("This is not an email address.")
    else:
        check.values[name] = text


def check_brand(form: Mapping[str, str], *, country: str) -> BrandCheck:
    """Check every brand field of the editor; colours are required, the rest may be empty."""
    check = BrandCheck()
    for name in COLUMNS:
        _check_one(name, form.get(name, "") or "", country, check)
    return check


def brand_values(partner: Partner) -> dict[str, str]:
    """The partner's saved brand as the editor's fields (default colours where none is set)."""
    values = {name: getattr(partner, column) or "" for name, column in COLUMNS.items()}
    values["primary_color"] = values["primary_color"] or DEFAULT_PRIMARY
    values["accent_color"] = values["accent_color"] or DEFAULT_ACCENT
    return values


def save_brand(
    session: Session,
    partner: Partner,
    values: Mapping[str, str],
    *,
    logo: Upload | None,
    storage: Storage,
    limits: MediaLimits,
) -> None:
    """Store checked values and an optional new logo (raises `content.media.MediaError` for a bad one).

    The partner's `brand_version` changes with any field, so its kits are rebuilt by the next tick.
    """
    before = _brand_facts(partner)
    if logo is not None:
        asset = store_upload(session, storage, _within_logo_sides(logo, limits), uploaded_by=None, limits=limits)
        partner.logo_path = master_key(asset)
    for name, column in COLUMNS.items():
        if name in values:
            setattr(partner, column, values[name])
    partner.refresh_brand_version()
    session.flush()
    _record_brand(session, partner, before, new_logo=(logo.filename or "a new logo") if logo is not None else None)


def _brand_facts(partner: Partner) -> dict[str, object]:
    """The brand as the audit trail shows it: the logo as "a logo" or "none" (its storage key is internal)."""
    facts: dict[str, object] = {name: getattr(partner, column) or "" for name, column in COLUMNS.items()}
    facts["logo"] = "a logo" if partner.logo_path else "none"
    return facts


def _record_brand(
    session: Session, partner: Partner, before: dict[str, object], *, new_logo: str | None = None
) -> None:
    changes = changes_between(before, _brand_facts(partner))
    if new_logo is not None:
        changes["logo"] = (before["logo"], new_logo)
    if changes:
        record_partner(session, "partner.brand_update", partner, changes=changes)


class _ReadUpload(io.BytesIO):
    def __init__(self, data: bytes, filename: str | None) -> None:
        super().__init__(data)
        self.filename = filename


def _within_logo_sides(logo: Upload, limits: MediaLimits) -> Upload:
    """Refuse a logo wider or taller than kits can use, from its header (before any decoding)."""
    data = logo.read(limits.max_bytes + 1)
    try:
        width, height = Image.open(io.BytesIO(data)).size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        width = height = 0  # not an image we can read: store_upload says why
    if max(width, height) > LOGO_MAX_SIDE:
        raise MediaError(
            gettext(
                "The logo is %(width)s x %(height)s pixels; a logo may be at most %(max)s pixels a side.",
                width=format_decimal(width),  # 12.000 in German, 12 000 in French
                height=format_decimal(height),
                max=format_decimal(LOGO_MAX_SIDE),
            )
        )
    return _ReadUpload(data, logo.filename)


def remove_logo(session: Session, partner: Partner) -> None:
    before = _brand_facts(partner)
    partner.logo_path = ""
    partner.refresh_brand_version()
    session.flush()
    _record_brand(session, partner, before)
