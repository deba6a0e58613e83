"""The pure inputs of one kit: the campaign's pieces in one language, the partner's brand, images.

They are checked when made, so a BrandKit with a colour like `red;background:url(x)` or a
`javascript:` website cannot exist; every text that reaches a file is still escaped there.
They hold plain values only (no sessions, no models), so they pickle into a process pool.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from functools import cached_property

from flask_babel import lazy_gettext as _l

from campaigns.kits.errors import KitInputError
from campaigns.kits.social import SOCIAL_LIMITS
from content.brand import parse_hex_colour, parse_website
from core.config import LOCALES
from core.mail.addresses import normalise_email

SUBJECT_LINES = (3, 5)  # how many subject-line options a kit offers
SUBJECT_GUIDELINE = 60  # characters: longer subjects are cut off in most inboxes (a warning, not a refusal)
# What the one-page flyer holds at its smallest type: the flyer test fills every field to these
# limits in all six languages and checks that nothing leaves the page.
MEDIUM_COPY_MAX = 1_200  # characters: "about 150 words", the co-branded email's and the flyer's text
MAX_BULLETS = 5
BULLET_MAX = 100
FLYER_TEXT_MAX = 300  # the call to action's sentence or two beside the QR code
PICTURE_ROLES = ("banner", "flyer", "email")  # the pieces that carry a picture the marketer names


def subject_lines_over_guideline(subject_lines: Sequence[str]) -> list[tuple[int, int]]:
    """(position from 1, length) of each subject line longer than the 60-character guideline.

    A warning for the kit-pieces editor, not a refusal: some inboxes show more.
    """
    return [(n, len(line)) for n, line in enumerate(subject_lines, start=1) if len(line) > SUBJECT_GUIDELINE]


def _set(instance: object, name: str, value: object) -> None:
    object.__setattr__(instance, name, value)  # normalising a frozen dataclass in __post_init__


def check_text(value: str, *, field: str, max_length: int, multiline: bool = False, required: bool = False) -> str:
    """Trimmed text without control characters (line breaks only where `multiline`)."""
    if not isinstance(value, str):
        raise KitInputError(field, _l("must be text."))
    text = value.replace("\r\n", "\n").strip()
    allowed = {"\n"} if multiline else set()
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch not in allowed for ch in text):
        if multiline:
            raise KitInputError(field, _l("cannot contain control characters."))
        raise KitInputError(field, _l("cannot contain line breaks or control characters."))
    if required and not text:
        raise KitInputError(field, _l("is required."))
    if len(text) > max_length:
        raise KitInputError(
            field, _l("is %(length)s characters long; at most %(limit)s.", length=len(text), limit=max_length)
        )
    return text


def check_url(value: str, *, field: str) -> str:
    try:
        return parse_website(value, field=field)
    except ValueError as error:
        raise KitInputError(field, _l("use a full web address starting with https:// (or http://).")) from error


def check_email(value: str, *, field: str) -> str:
    """An address the `email` package can put in a header as it is (or "" for none)."""
    address = normalise_email(check_text(value, field=field, max_length=254))
    if not address:
        return ""
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, HeaderParseError) as error:
        raise KitInputError(field, _l("%(value)s is not an email address.", value=repr(value))) from error
    if parsed.addr_spec != address or "." not in parsed.domain:
        raise KitInputError(field, _l("%(value)s is not an email address.", value=repr(value)))
    return address


def check_focal(value: object, *, field: str) -> tuple[float, float]:
    """A focal point as two fractions from 0 to 1 (across, down)."""
    try:
        x, y = (float(part) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError) as error:
        raise KitInputError(field, _l("give the focal point as two numbers from 0 to 1.")) from error
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise KitInputError(field, _l("(%(x)s, %(y)s) is outside the picture; use numbers from 0 to 1.", x=x, y=y))
    return (round(x, 3), round(y, 3))


def _sha256(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data is not None else ""


@dataclass(frozen=True)
class BrandKit:
    """A partner's brand: what co-brands the email, banner and flyer (lengths as on `Partner`)."""

    partner_name: str
    primary_colour: str
    accent_colour: str
    logo: bytes | None = None
    website: str = ""
    phone: str = ""  # already formatted by the brand editor (phonenumbers)
    email: str = ""
    postal_address: str = ""
    tagline: str = ""
    contact_name: str = ""  # the person the partner's customers ask for, named in the flyer and email
    brand_hash: str = ""  # the partner's brand version; the inputs hash covers every field anyway
    tier: str = ""  # the partner's tier in force when the kit is built: a tier change rebuilds its kits

    def __post_init__(self) -> None:
        _set(self, "partner_name", check_text(self.partner_name, field="partner_name", max_length=200, required=True))
        _set(self, "primary_colour", parse_hex_colour(self.primary_colour, field="primary_colour"))
        _set(self, "accent_colour", parse_hex_colour(self.accent_colour, field="accent_colour"))
        if self.logo is not None and not isinstance(self.logo, bytes):
            raise KitInputError("logo", _l("must be the bytes of an image file."))
        website = check_text(self.website, field="website", max_length=255)
        _set(self, "website", check_url(website, field="website") if website else "")
        _set(self, "phone", check_text(self.phone, field="phone", max_length=50))
        _set(self, "email", check_email(self.email, field="email"))
        _set(
            self,
            "postal_address",
            check_text(self.postal_address, field="postal_address", max_length=500, multiline=True),
        )
        _set(self, "tagline", check_text(self.tagline, field="tagline", max_length=200))
        _set(self, "contact_name", check_text(self.contact_name, field="contact_name", max_length=200))
        _set(self, "tier", check_text(self.tier, field="tier", max_length=30))

    @cached_property
    def logo_sha256(self) -> str:
        return _sha256(self.logo)


@dataclass(frozen=True)
class KitImage:
    """One campaign image as uploaded (the content library's original), with its alt text."""

    name: str
    data: bytes
    alt: str = ""
    # Where the subject is, as fractions of the width and height: crops keep it in the picture.
    focal: tuple[float, float] = (0.5, 0.5)
    roles: frozenset[str] = frozenset()  # which of PICTURE_ROLES show this picture

    def __post_init__(self) -> None:
        _set(self, "name", check_text(self.name, field="image.name", max_length=200, required=True))
        _set(self, "alt", check_text(self.alt, field=f"image.{self.name}.alt", max_length=300))
        if not isinstance(self.data, bytes) or not self.data:
            raise KitInputError(f"image.{self.name}", _l("must be the bytes of an image file."))
        _set(self, "focal", check_focal(self.focal, field=f"image.{self.name}.focal"))
        unknown = set(self.roles) - set(PICTURE_ROLES)
        if unknown:
            raise KitInputError(
                f"image.{self.name}.roles",
                _l("unknown pieces %(unknown)s; use %(known)s.", unknown=", ".join(sorted(unknown)),
                   known=", ".join(PICTURE_ROLES)),
            )  # fmt: skip
        _set(self, "roles", frozenset(self.roles))

    @cached_property
    def sha256(self) -> str:
        return _sha256(self.data)


@dataclass(frozen=True)
class VendorInfo:
    """The vendor's own name and postal address: locked text in every co-branded piece."""

    name: str
    postal_address: str
    logo: bytes | None = None

    def __post_init__(self) -> None:
        _set(self, "name", check_text(self.name, field="vendor.name", max_length=200, required=True))
        _set(
            self,
            "postal_address",
            check_text(self.postal_address, field="vendor.postal_address", max_length=300, multiline=True),
        )

    @cached_property
    def logo_sha256(self) -> str:
        return _sha256(self.logo)


@dataclass(frozen=True)
class KitCopy:
    """A campaign's kit pieces in one language; Markdown where a text has paragraphs."""

    locale: str
    campaign_name: str
    subject_lines: tuple[str, ...]
    preheader: str
    short_copy: str
    medium_copy: str
    long_copy: str
    cta_label: str
    cta_url: str
    flyer_title: str
    flyer_text: str
    campaign_url: str  # what the flyer's QR code opens
    social_posts: dict[str, str] = field(default_factory=dict)  # network -> post, see SOCIAL_LIMITS
    bullets: tuple[str, ...] = ()  # the flyer's key points, at most MAX_BULLETS

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise KitInputError(
                "locale",
                _l("%(locale)s is not one of %(locales)s.", locale=repr(self.locale), locales=", ".join(LOCALES)),
            )
        _set(
            self, "campaign_name", check_text(self.campaign_name, field="campaign_name", max_length=200, required=True)
        )
        self._check_subject_lines()
        _set(self, "preheader", check_text(self.preheader, field="preheader", max_length=200))
        for name in ("short_copy", "long_copy"):
            _set(self, name, check_text(getattr(self, name), field=name, max_length=20_000, multiline=True))
        _set(self, "medium_copy", check_text(self.medium_copy, field="medium_copy", max_length=MEDIUM_COPY_MAX,
                                             multiline=True))  # fmt: skip
        _set(self, "flyer_text", check_text(self.flyer_text, field="flyer_text", max_length=FLYER_TEXT_MAX,
                                            multiline=True))  # fmt: skip
        self._check_bullets()
        _set(self, "cta_label", check_text(self.cta_label, field="cta_label", max_length=80, required=True))
        _set(self, "flyer_title", check_text(self.flyer_title, field="flyer_title", max_length=120, required=True))
        _set(self, "cta_url", check_url(self.cta_url, field="cta_url"))
        _set(self, "campaign_url", check_url(self.campaign_url, field="campaign_url"))
        self._check_social_posts()

    def _check_subject_lines(self) -> None:
        lines = tuple(
            check_text(line, field=f"subject_lines.{n}", max_length=200, required=True)
            for n, line in enumerate(self.subject_lines, start=1)
        )
        low, high = SUBJECT_LINES
        if not low <= len(lines) <= high:
            raise KitInputError(
                "subject_lines",
                _l("give %(low)s to %(high)s subject lines, not %(count)s.", low=low, high=high, count=len(lines)),
            )
        _set(self, "subject_lines", lines)

    def _check_bullets(self) -> None:
        bullets = tuple(
            check_text(bullet, field=f"bullets.{n}", max_length=BULLET_MAX)
            for n, bullet in enumerate(self.bullets, start=1)
        )
        bullets = tuple(bullet for bullet in bullets if bullet)
        if len(bullets) > MAX_BULLETS:
            raise KitInputError(
                "bullets",
                _l("give at most %(limit)s bullet points, not %(count)s.", limit=MAX_BULLETS, count=len(bullets)),
            )
        _set(self, "bullets", bullets)

    def _check_social_posts(self) -> None:
        posts: dict[str, str] = {}
        for network, post in dict(self.social_posts).items():
            if network not in SOCIAL_LIMITS:
                raise KitInputError(
                    f"social.{network}",
                    _l("is not a network we write for (%(networks)s).", networks=", ".join(SOCIAL_LIMITS)),
                )
            posts[network] = check_text(post, field=f"social.{network}", max_length=100_000, multiline=True)
        _set(self, "social_posts", {network: posts[network] for network in SOCIAL_LIMITS if posts.get(network)})


@dataclass(frozen=True)
class TierStatus:
    """The partner's tier badge and its line ("Gold Partner of Northwind Systems"), in the kit's language."""

    tier: str
    line: str
    badge: bytes  # a still PNG, as the admin uploaded it (cleaned by the media service)

    def __post_init__(self) -> None:
        _set(self, "line", check_text(self.line, field="tier_status.line", max_length=200, required=True))
        if not isinstance(self.badge, bytes) or not self.badge:
            raise KitInputError("tier_status.badge", _l("must be the bytes of a PNG image."))

    @cached_property
    def badge_sha256(self) -> str:
        return _sha256(self.badge)


@dataclass(frozen=True)
class NamedPerson:
    """The vendor's person for the partner (account manager, stand-in or distributor team): the README names them."""

    name: str
    email: str = ""
    phone: str = ""

    def __post_init__(self) -> None:
        _set(self, "name", check_text(self.name, field="person.name", max_length=200, required=True))
        _set(self, "email", check_text(self.email, field="person.email", max_length=254))
        _set(self, "phone", check_text(self.phone, field="person.phone", max_length=50))
