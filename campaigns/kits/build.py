"""Build one kit (campaign x partner x locale) into a ZIP, from pure inputs.

Work that is the same for every partner (copy in Markdown and HTML, social posts, the image
renditions) is prepared once per campaign and locale as `CampaignParts` and reused; per
partner only the co-branded pieces are made: the email, two banners and the flyer. A kit is
addressed by `kit_inputs_hash`: the same inputs give the same hash, so an unchanged rebuild
is one hash comparison.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from markupsafe import escape
from PIL import Image

from campaigns.kits import markdown_bridge
from campaigns.kits.flyer import render_flyer
from campaigns.kits.images import (
    BADGE_FILE_BOX,
    EMAIL_BADGE_BOX,
    EMAIL_HERO,
    EMAIL_LOGO_BOX,
    Badge,
    Picture,
    Renditions,
    cobranded_banner,
    decode_image,
    fit_within,
    jpeg_bytes,
    png_bytes,
    render_campaign_image,
)
from campaigns.kits.inputs import BrandKit, KitCopy, KitImage, NamedPerson, TierStatus, VendorInfo
from campaigns.kits.kit_email import BADGE_FILE, HERO_FILE, LOGO_FILE, EmailBadge, EmailHero, EmailLogo, render_email
from campaigns.kits.layout import BANNER, LAYOUT_VERSION
from campaigns.kits.names import entry_name, slugify, unique_slugs
from campaigns.kits.social import NETWORK_NAMES, check_social_posts
from campaigns.kits.words import KitWords, kit_words, words_digest

KIT_FORMAT = 2  # the layout of the ZIP and manifest (2: each file says what it is); part of every inputs hash
# Pass this (or a newer one) as template_version; bump when the layout of a kit template changes
# (a changed message or translation changes the inputs hash by itself: see `words_digest`).
TEMPLATE_VERSION = f"2026.1-layout{LAYOUT_VERSION}"
COPY_LENGTHS = ("short", "medium", "long")
_STORED = (".jpg", ".png", ".pdf")  # already compressed: stored, not deflated again


@dataclass(frozen=True)
class KitFile:
    """One file of a kit and what the README says it is for."""

    name: str
    data: bytes
    description: str
    role: str = ""  # what the file is, for the manifest and the portal's kit page (e.g. "banner-light")
    image: str = ""  # the campaign image a rendition is of
    pixels: tuple[int, int] | None = None  # width and height, for pictures
    sha256: str = field(default="")

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    def manifest_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"path": self.name, "bytes": len(self.data), "sha256": self.sha256, "role": self.role}
        if self.image:
            entry["image"] = self.image
        if self.pixels:
            entry["width"], entry["height"] = self.pixels
        return entry


@dataclass(frozen=True)
class CampaignParts:
    """Everything in a kit that does not depend on the partner, for one campaign and locale."""

    key: str
    files: tuple[KitFile, ...]
    body_html: str  # the medium copy, the email's locked text
    body_text: str
    pictures: dict[str, Picture]  # role (banner, flyer, email) -> the picture the pieces name for it
    email_hero: EmailHero | None


@dataclass(frozen=True)
class BuiltKit:
    inputs_hash: str
    filename: str  # for Content-Disposition: campaign, partner and locale, slugified
    manifest: dict[str, Any]
    size: int
    sha256: str  # of the ZIP: a strong ETag
    data: bytes | None  # the ZIP, unless it was written to `path`
    path: Path | None


def _canonical_hash(payload: object) -> str:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _plain_fields(value: object, *, bytes_as: dict[str, str]) -> dict[str, Any]:
    """A dataclass's fields as JSON values; bytes fields are replaced by their digests."""
    return {f.name: bytes_as.get(f.name, getattr(value, f.name)) for f in fields(value)}  # type: ignore[arg-type]


def _campaign_payload(copy: KitCopy, images: Sequence[KitImage], template_version: str) -> list[Any]:
    return [
        KIT_FORMAT,
        template_version,
        words_digest(copy.locale),
        _plain_fields(copy, bytes_as={}),
        [[image.name, image.alt, image.sha256, list(image.focal), sorted(image.roles)] for image in images],
    ]


def kit_inputs_hash(
    copy: KitCopy,
    brand: BrandKit,
    images: Sequence[KitImage],
    vendor: VendorInfo,
    *,
    template_version: str,
    status: TierStatus | None = None,
    person: NamedPerson | None = None,
) -> str:
    """The address of a kit: changes when any input changes (every brand field, the logo's bytes,
    the copy, the images, the vendor, the tier badge and its line, the named person, the template
    version or the kit's words in its language), never otherwise. Cheap: images and logos are
    hashed once per object, words once per locale."""
    payload = [
        *_campaign_payload(copy, images, template_version),
        _plain_fields(brand, bytes_as={"logo": brand.logo_sha256}),
        _plain_fields(vendor, bytes_as={"logo": vendor.logo_sha256}),
    ]
    if status is not None:  # absent, not null: kits without one keep the address they had
        payload.append(["tier-status", _plain_fields(status, bytes_as={"badge": status.badge_sha256})])
    if person is not None:
        payload.append(["person", _plain_fields(person, bytes_as={})])
    return _canonical_hash(payload)


def campaign_parts_key(copy: KitCopy, images: Sequence[KitImage], *, template_version: str) -> str:
    return _canonical_hash(_campaign_payload(copy, images, template_version))


RenderedImage = tuple[Renditions, Image.Image]  # the renditions, and the decoded picture


def render_images(images: Sequence[KitImage]) -> list[RenderedImage]:
    """Every campaign image in the standard sizes: the slow part of a kit that no partner changes."""
    return [render_campaign_image(image.data, field=f"image.{image.name}", focal=image.focal) for image in images]


def role_pictures(images: Sequence[KitImage], rendered: Sequence[RenderedImage]) -> dict[str, Picture]:
    """The picture each piece shows, as the kit pieces name it; a piece no picture is named for gets none."""
    pictures: dict[str, Picture] = {}
    for image, (_renditions, decoded) in zip(images, rendered, strict=True):
        for role in sorted(image.roles):
            pictures.setdefault(role, Picture(decoded, image.focal))
    return pictures


def _email_hero(images: Sequence[KitImage], pictures: dict[str, Picture]) -> EmailHero | None:
    picture = pictures.get("email")
    if picture is None:
        return None
    alt = next((image.alt for image in images if "email" in image.roles), "")
    return EmailHero(jpeg_bytes(picture.crop(EMAIL_HERO), quality=82), alt)


def prepare_campaign_parts(
    copy: KitCopy,
    images: Sequence[KitImage],
    *,
    template_version: str,
    rendered: Sequence[RenderedImage] | None = None,
) -> CampaignParts:
    """The partner-independent files of a kit; refuses an over-limit social post here, before any partner."""
    check_social_posts(copy.social_posts)
    _ = kit_words(copy.locale)
    rendered = render_images(images) if rendered is None else rendered
    files = [*_copy_files(copy, _), *_social_files(copy, _), *_image_files(images, rendered, _)]
    pictures = role_pictures(images, rendered)
    return CampaignParts(
        key=campaign_parts_key(copy, images, template_version=template_version),
        files=tuple(files),
        body_html=markdown_bridge.to_html(copy.medium_copy),
        body_text=markdown_bridge.to_text(copy.medium_copy),
        pictures=pictures,
        email_hero=_email_hero(images, pictures),
    )


def _social_files(copy: KitCopy, _: KitWords) -> list[KitFile]:
    return [
        KitFile(
            entry_name("social", f"{network}.txt"),
            (post + "\n").encode(),
            _("a post for %(network)s, within its length limit", network=NETWORK_NAMES[network]),
            role=f"social-{network}",
        )
        for network, post in copy.social_posts.items()
    ]


def _image_files(images: Sequence[KitImage], rendered: Sequence[RenderedImage], _: KitWords) -> list[KitFile]:
    files = []
    slugs = unique_slugs([image.name for image in images], fallback="image")
    for slug, image, (renditions, decoded) in zip(slugs, images, rendered, strict=True):
        email_height = max(1, round(decoded.height * 600 / decoded.width))
        files += [
            KitFile(
                entry_name("images", f"{slug}-1200x628.jpg"),
                renditions.wide,
                _("%(image)s: 1200x628, for social posts and web banners", image=image.name),
                role="image-wide",
                image=image.name,
                pixels=(1200, 628),
            ),
            KitFile(
                entry_name("images", f"{slug}-1080x1080.jpg"),
                renditions.square,
                _("%(image)s: 1080x1080, for square social feeds", image=image.name),
                role="image-square",
                image=image.name,
                pixels=(1080, 1080),
            ),
            KitFile(
                entry_name("images", f"{slug}-600w.jpg"),
                renditions.email,
                _("%(image)s: 600 pixels wide, for emails", image=image.name),
                role="image-email",
                image=image.name,
                pixels=(600, email_height),
            ),
        ]
    return files


def _copy_descriptions(_: KitWords) -> dict[str, tuple[str, str]]:
    """What the Markdown and the HTML file of each copy length are for: whole sentences, so that
    every language can agree the length with the noun."""
    return {
        "short": (
            _("short copy in Markdown, for your own designs"),
            _("short copy as unstyled HTML, to paste into your website or mail tool"),
        ),
        "medium": (
            _("medium copy in Markdown, for your own designs"),
            _("medium copy as unstyled HTML, to paste into your website or mail tool"),
        ),
        "long": (
            _("long copy in Markdown, for your own designs"),
            _("long copy as unstyled HTML, to paste into your website or mail tool"),
        ),
    }


def _copy_files(copy: KitCopy, _: KitWords) -> list[KitFile]:
    files = []
    descriptions = _copy_descriptions(_)
    for length in COPY_LENGTHS:
        markdown = getattr(copy, f"{length}_copy")
        html = _unstyled_page(copy.locale, copy.campaign_name, markdown_bridge.to_html(markdown))
        markdown_description, html_description = descriptions[length]
        files += [
            KitFile(
                entry_name("copy", f"{length}.md"),
                (markdown + "\n").encode(),
                markdown_description,
                role=f"copy-{length}-markdown",
            ),
            KitFile(entry_name("copy", f"{length}.html"), html.encode(), html_description, role=f"copy-{length}-html"),
        ]
    files += [
        KitFile(
            entry_name("copy", "subject-lines.txt"),
            ("\n".join(copy.subject_lines) + "\n").encode(),
            _("subject line options, one per line"),
            role="subject-lines",
        ),
        KitFile(
            entry_name("copy", "preheader.txt"),
            (copy.preheader + "\n").encode(),
            _("the preview text inboxes show after the subject line"),
            role="preheader",
        ),
    ]
    return files


def _unstyled_page(locale: str, title: str, body_html: str) -> str:
    """A bare HTML page (so a browser reads it as UTF-8); paste what is inside <body>."""
    return (
        f'<!doctype html>\n<html lang="{locale}">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
        f"</head>\n<body>\n{body_html}\n</body>\n</html>\n"
    )


class PartsCache:
    """Campaign parts by key, least recently used dropped first: one per worker process."""

    def __init__(self, maxsize: int = 8) -> None:
        self.maxsize = maxsize
        self._parts: OrderedDict[str, CampaignParts] = OrderedDict()
        self._images: OrderedDict[tuple[str, ...], list[RenderedImage]] = OrderedDict()

    def parts(self, copy: KitCopy, images: Sequence[KitImage], *, template_version: str) -> CampaignParts:
        key = campaign_parts_key(copy, images, template_version=template_version)
        if key in self._parts:
            self._parts.move_to_end(key)
            return self._parts[key]
        image_key = tuple(f"{image.sha256}@{image.focal}" for image in images)
        if image_key not in self._images:  # the images are shared by every locale of a campaign
            self._images[image_key] = render_images(images)
            _trim(self._images, self.maxsize)
        self._images.move_to_end(image_key)
        parts = prepare_campaign_parts(
            copy, images, template_version=template_version, rendered=self._images[image_key]
        )
        self._parts[key] = parts
        _trim(self._parts, self.maxsize)
        return parts


def _trim(cache: OrderedDict[Any, Any], maxsize: int) -> None:
    while len(cache) > maxsize:
        cache.popitem(last=False)


def build_kit(
    copy: KitCopy,
    brand: BrandKit,
    images: Sequence[KitImage],
    vendor: VendorInfo,
    *,
    template_version: str,
    built_at: dt.datetime,
    parts: CampaignParts | None = None,
    path: Path | None = None,
    status: TierStatus | None = None,
    person: NamedPerson | None = None,
) -> BuiltKit:
    """The kit's ZIP: returned as bytes, or written atomically to `path` when given.

    `parts` (from `PartsCache` or `prepare_campaign_parts`) skips the partner-independent work;
    without it that work is done here. `built_at` goes into the manifest and ZIP timestamps.
    Raises `InvalidField` (a `ValueError` naming the field) for inputs a person must fix.
    """
    if built_at.tzinfo is None:
        raise ValueError("built_at must be timezone-aware")
    if parts is None:
        parts = prepare_campaign_parts(copy, images, template_version=template_version)
    elif parts.key != campaign_parts_key(copy, images, template_version=template_version):
        raise ValueError("these campaign parts were prepared for other copy, images or template version")
    inputs_hash = kit_inputs_hash(
        copy, brand, images, vendor, template_version=template_version, status=status, person=person
    )
    files = [
        *_cobranded_files(copy, brand, vendor, parts, built_at=built_at, inputs_hash=inputs_hash, status=status),
        *parts.files,
    ]
    files.insert(0, KitFile("README.txt", _readme(copy, brand, files, status, person), "", role="readme"))
    manifest = _manifest(
        copy, brand, files, inputs_hash=inputs_hash, template_version=template_version, built_at=built_at
    )
    data = _zip(files, manifest, built_at)
    filename = "-".join(
        [slugify(copy.campaign_name, fallback="campaign"), slugify(brand.partner_name, fallback="partner"), copy.locale]
    )
    built = BuiltKit(
        inputs_hash=inputs_hash,
        filename=f"{filename}.zip",
        manifest=manifest,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=None if path else data,
        path=path,
    )
    if path is not None:
        _write_atomically(path, data)
    return built


def fit_email_logo(logo: Image.Image | None) -> EmailLogo | None:
    """The logo as the email shows it (a PNG at twice its displayed size), or None without one."""
    if logo is None:
        return None
    fitted = fit_within(logo, EMAIL_LOGO_BOX)
    return EmailLogo(png_bytes(fitted), fitted.width, fitted.height)


def fit_email_badge(badge: Image.Image | None, line: str) -> EmailBadge | None:
    """The tier badge as the email shows it (a PNG at twice its displayed size), or None without one."""
    if badge is None:
        return None
    fitted = fit_within(badge, EMAIL_BADGE_BOX)
    return EmailBadge(png_bytes(fitted), fitted.width, fitted.height, line)


def _tier_badge_files(status: TierStatus, badge: Image.Image, partner: str, _: KitWords) -> list[KitFile]:
    """The badge on its own, for the partner's website, signatures and their own designs."""
    fitted = fit_within(badge, BADGE_FILE_BOX)
    return [
        KitFile(
            entry_name("images", f"{partner}-{slugify(status.tier, fallback='tier')}-badge.png"),
            png_bytes(fitted),
            _("your partner badge (%(line)s), for your website, email signature and own designs", line=status.line),
            role="tier-badge",
            pixels=fitted.size,
        )
    ]


def _cobranded_files(
    copy: KitCopy,
    brand: BrandKit,
    vendor: VendorInfo,
    parts: CampaignParts,
    *,
    built_at: dt.datetime,
    inputs_hash: str,
    status: TierStatus | None = None,
) -> list[KitFile]:
    _ = kit_words(copy.locale)
    logo = decode_image(brand.logo, field="logo") if brand.logo else None
    vendor_logo = decode_image(vendor.logo, field="vendor.logo") if vendor.logo else None
    badge = decode_image(status.badge, field="tier_status.badge") if status is not None else None
    email_logo = fit_email_logo(logo)
    email_badge = fit_email_badge(badge, status.line) if status is not None else None
    email = render_email(
        copy, brand, vendor, email_logo,
        body_html=parts.body_html, body_text=parts.body_text, built_at=built_at, message_key=inputs_hash,
        hero=parts.email_hero, badge=email_badge,
    )  # fmt: skip
    partner = slugify(brand.partner_name, fallback="partner")
    shown_badge = Badge(badge, status.line) if badge is not None and status is not None else None
    files = [
        KitFile(
            "flyer.pdf",
            render_flyer(copy, brand, vendor, logo, parts.pictures.get("flyer"), vendor_logo, badge=shown_badge),
            _("a one-page co-branded flyer with a QR code to the campaign page"),
            role="flyer",
        ),
        KitFile(
            entry_name("email", "email.html"),
            email.html.encode(),
            _("the co-branded email as HTML: your logo, colours and contact details"),
            role="email-html",
        ),
        KitFile(
            entry_name("email", "email.txt"), email.text.encode(), _("the same email as plain text"), role="email-text"
        ),
        KitFile(
            entry_name("email", f"{partner}.eml"),
            email.eml,
            _("the same email ready to import into your own mail tool (open it, save as draft or template)"),
            role="email-eml",
        ),
    ]
    if email_logo is not None:
        files.append(
            KitFile(
                entry_name("email", LOGO_FILE),
                email_logo.png,
                _("your logo as the email shows it (keep it next to the HTML file)"),
                role="email-logo",
                pixels=(email_logo.width, email_logo.height),
            )
        )
    if email_badge is not None:
        files.append(
            KitFile(
                entry_name("email", BADGE_FILE),
                email_badge.png,
                _("your partner badge as the email shows it (keep it next to the HTML file)"),
                role="email-badge",
                pixels=(email_badge.width, email_badge.height),
            )
        )
    if status is not None and badge is not None:
        files += _tier_badge_files(status, badge, partner, _)
    if parts.email_hero is not None:
        files.append(
            KitFile(
                entry_name("email", HERO_FILE),
                parts.email_hero.jpeg,
                _("the campaign picture as the email shows it (keep it next to the HTML file)"),
                role="email-picture",
                pixels=EMAIL_HERO,
            )
        )
    banners = {
        "light": _("co-branded banner with your logo on a light background (1200x628)"),
        "dark": _("the same banner on a dark background, for logos in light colours"),
    }
    for variant, description in banners.items():
        banner, _layout = cobranded_banner(
            parts.pictures.get("banner"), logo, brand, copy.campaign_name, dark=variant == "dark", badge=shown_badge
        )
        files.append(
            KitFile(
                entry_name("images", f"{partner}-banner-{variant}.jpg"),
                banner,
                description,
                role=f"banner-{variant}",
                pixels=BANNER,
            )
        )
    return files


def _manifest(
    copy: KitCopy,
    brand: BrandKit,
    files: list[KitFile],
    *,
    inputs_hash: str,
    template_version: str,
    built_at: dt.datetime,
) -> dict[str, Any]:
    return {
        "kit_format": KIT_FORMAT,
        "template_version": template_version,
        "inputs_hash": inputs_hash,
        "locale": copy.locale,
        "built_at": built_at.astimezone(dt.UTC).isoformat(),
        "campaign": copy.campaign_name,
        "partner": brand.partner_name,
        "partner_tier": brand.tier,
        "files": [f.manifest_entry() for f in files],
    }


def _person_lines(person: NamedPerson | None, vendor_line: str, _: KitWords) -> list[str]:
    """Who at the vendor to ask about the kit, with their phone and email."""
    if person is None:
        return []
    ways = "  ".join(
        part
        for part in (
            _("Phone: %(phone)s", phone=person.phone) if person.phone else "",
            _("Email: %(email)s", email=person.email) if person.email else "",
        )
        if part
    )
    return ["", vendor_line, f"  {person.name}", *([f"  {ways}"] if ways else [])]


def _readme(
    copy: KitCopy,
    brand: BrandKit,
    files: list[KitFile],
    status: TierStatus | None = None,
    person: NamedPerson | None = None,
) -> bytes:
    """What each file is for, in the kit's language; and whom to ask about it."""
    _ = kit_words(copy.locale)
    listed = [
        ("manifest.json", _("list of every file with its size and checksum (for tools)")),
        *((f.name, f.description) for f in files),
    ]
    width = max(len(name) for name, _description in listed)
    intro = _(
        "Send the co-branded pieces as they are, or take the texts and images into your own designs.\n"
        "The vendor's text in the email is locked (marked in the HTML); your logo, colours and contact\n"
        "details come from your brand settings in the partner portal."
    )
    lines = [
        _("Marketing kit: %(campaign)s", campaign=copy.campaign_name),
        _("Prepared for %(partner)s.", partner=brand.partner_name),
        *([status.line] if status is not None else []),
        "",
        *intro.splitlines(),  # each line ends in CRLF like the rest
        *_person_lines(person, _("Questions about this kit? Your contact at the vendor:"), _),
        "",
        _("What each file is for:"),
        "",
        *(f"  {name.ljust(width)}  {description}" for name, description in listed),
    ]
    return ("\r\n".join(lines) + "\r\n").encode()  # CRLF: Notepad on older Windows shows it right


def _zip(files: list[KitFile], manifest: dict[str, Any], built_at: dt.datetime) -> bytes:
    stamp = built_at.astimezone(dt.UTC).timetuple()[:6]
    entries = [
        ("manifest.json", (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()),
        *((f.name, f.data) for f in files),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(_STORED) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".kit-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
