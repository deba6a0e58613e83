"""What the portal's kit page shows, read from the kit's own ZIP and manifest.

Each file in a kit says what it is (its `role` in the manifest), so the page can group and name
them in the reader's language: the email, the banners and images, the flyer, the copy, the social
posts, and, last, the technical files. People see names, never paths. Previews (the flyer's first
page as a PNG, small versions of the pictures) are made on first request and stored beside the
kit, under its ZIP's sha256, so a kit's previews are made once whoever looks.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pypdfium2
from flask_babel import gettext
from markupsafe import Markup
from PIL import Image

from campaigns.kits import markdown_bridge
from campaigns.kits.images import jpeg_bytes, png_bytes, to_width
from campaigns.kits.models import Kit
from campaigns.kits.social import NETWORK_NAMES, SOCIAL_LIMITS, post_length
from core.storage import Storage

_ = gettext
FLYER_PREVIEW_WIDTH = 840  # pixels: sharp at the page's widest column on a high-density screen
THUMB_WIDTH = 560
PICTURE_ROLES = ("banner-light", "banner-dark", "tier-badge", "image-wide", "image-square", "image-email")
TECHNICAL_ROLES = ("manifest", "readme")
COPY_LENGTHS = ("short", "medium", "long")


@dataclass(frozen=True)
class KitFileView:
    path: str
    role: str
    name: str  # what the reader calls it, in their language
    size: int  # bytes
    pixels: tuple[int, int] | None = None


@dataclass(frozen=True)
class CopyView:
    length: str
    title: str
    html: Markup  # as it is copied
    markdown: str
    plain: str
    file: KitFileView | None

    @property
    def shown(self) -> Markup:
        """The copy as the page shows it: its headings below the page's own (h4), so the outline stays the page's."""
        return Markup(_HEADING.sub(r"<\1h4>", str(self.html)))  # noqa: S704 (the same sanitised HTML)


_HEADING = re.compile(r"<(/?)h[1-6]>")


@dataclass(frozen=True)
class SocialView:
    network: str
    name: str
    text: str
    length: int
    limit: int


@dataclass
class KitPage:
    email_html: KitFileView | None = None
    email_files: list[KitFileView] = field(default_factory=list)  # HTML, text and .eml to download
    subject_lines: list[str] = field(default_factory=list)
    preheader: str = ""
    pictures: list[KitFileView] = field(default_factory=list)
    flyer: KitFileView | None = None
    copies: list[CopyView] = field(default_factory=list)
    social: list[SocialView] = field(default_factory=list)
    technical: list[KitFileView] = field(default_factory=list)


def _picture_name(role: str, entry: dict[str, Any]) -> str:
    image = str(entry.get("image", ""))
    names = {
        "banner-light": _("Banner with your logo, light background"),
        "banner-dark": _("Banner with your logo, dark background"),
        "tier-badge": _("Your partner badge, for your website and email signature"),
        "image-wide": _("%(image)s, wide (social posts and web)", image=image),
        "image-square": _("%(image)s, square (social feeds)", image=image),
        "image-email": _("%(image)s, for emails", image=image),
    }
    return str(names[role])


def _file_name(role: str, entry: dict[str, Any]) -> str:
    if role in PICTURE_ROLES:
        return _picture_name(role, entry)
    names = {
        "flyer": _("Flyer (PDF, A4)"),
        "email-html": _("Email as HTML"),
        "email-text": _("Email as plain text"),
        "email-eml": _("Email to import into your mail tool (.eml)"),
        "email-logo": _("Your logo as the email shows it"),
        "email-picture": _("The campaign picture as the email shows it"),
        "email-badge": _("Your partner badge as the email shows it"),
        "readme": _("Read me: what each file is for"),
        "manifest": _("List of files with checksums, for tools"),
        "subject-lines": _("Subject lines"),
        "preheader": _("Preheader"),
    }
    for length in COPY_LENGTHS:
        names[f"copy-{length}-markdown"] = _("Copy in Markdown")
        names[f"copy-{length}-html"] = _("Copy as HTML")
    for network, network_name in NETWORK_NAMES.items():
        names[f"social-{network}"] = _("%(network)s post", network=network_name)
    return str(names.get(role, _("Other file")))


def copy_titles() -> dict[str, str]:
    return {"short": _("Short copy"), "medium": _("Medium copy"), "long": _("Long copy")}


def read_kit_page(archive: zipfile.ZipFile) -> KitPage:
    """The kit page's contents, from the ZIP (a kit made before files carried roles shows them as files)."""
    manifest = json.loads(archive.read("manifest.json"))
    page = KitPage()
    views: dict[str, KitFileView] = {}
    for entry in manifest["files"]:
        role = str(entry.get("role", ""))
        pixels = (int(entry["width"]), int(entry["height"])) if "width" in entry else None
        view = KitFileView(entry["path"], role, _file_name(role, entry), int(entry["bytes"]), pixels)
        views[role if role in ("flyer", "email-html") or role.startswith(("copy-", "social-")) else view.path] = view
        if role in PICTURE_ROLES:
            page.pictures.append(view)
        elif role in ("email-html", "email-text", "email-eml"):
            page.email_files.append(view)
        elif role in ("readme", ""):
            page.technical.append(view)
    manifest_size = archive.getinfo("manifest.json").file_size
    page.technical.append(KitFileView("manifest.json", "manifest", _file_name("manifest", {}), manifest_size))
    page.email_html = views.get("email-html")
    page.flyer = views.get("flyer")
    page.pictures.sort(key=lambda view: PICTURE_ROLES.index(view.role) if view.role in PICTURE_ROLES[:3] else 3)
    _read_texts(archive, page, views)
    return page


def _text(archive: zipfile.ZipFile, path: str) -> str:
    return archive.read(path).decode().strip() if path in archive.namelist() else ""


def _read_texts(archive: zipfile.ZipFile, page: KitPage, views: dict[str, KitFileView]) -> None:
    page.subject_lines = [line for line in _text(archive, "copy/subject-lines.txt").splitlines() if line.strip()]
    page.preheader = _text(archive, "copy/preheader.txt")
    titles = copy_titles()
    for length in COPY_LENGTHS:
        markdown = _text(archive, f"copy/{length}.md")
        if markdown:
            html = markdown_bridge.to_html(markdown)
            plain = markdown_bridge.to_text(markdown).strip()
            page.copies.append(
                CopyView(length, titles[length], Markup(html), markdown, plain, views.get(f"copy-{length}-html"))  # noqa: S704 (sanitised by nh3 in the bridge)
            )
    for network, limit in SOCIAL_LIMITS.items():
        post = _text(archive, f"social/{network}.txt")
        if post:
            page.social.append(SocialView(network, NETWORK_NAMES[network], post, post_length(network, post), limit))


def _preview_key(kit: Kit, name: str) -> str:
    safe = name.replace("/", "_")
    return f"kit-previews/{kit.sha256[:2]}/{kit.sha256}/{safe}.preview"


def kit_preview(storage: Storage, kit: Kit, archive: zipfile.ZipFile, name: str) -> tuple[bytes, str]:
    """(bytes, mimetype) of a file's preview: the flyer's first page as PNG, a picture made small.

    Made once per kit (ZIP sha256) and stored beside it; a file with no preview raises KeyError.
    """
    key = _preview_key(kit, name)
    mimetype = "image/png" if name.endswith((".pdf", ".png")) else "image/jpeg"
    if storage.exists(key):
        return storage.read(key), mimetype
    if name.endswith(".pdf"):
        data = flyer_png(archive.read(name))
    elif name.endswith((".jpg", ".png")):
        data = _thumbnail(archive.read(name), png=mimetype == "image/png")
    else:
        raise KeyError(name)
    storage.write(key, data)
    return data, mimetype


def flyer_png(pdf: bytes, width: int = FLYER_PREVIEW_WIDTH) -> bytes:
    """The first page of a PDF as a PNG `width` pixels wide (PDFium, through pypdfium2)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=width / page.get_width()).to_pil()
        return png_bytes(image.convert("RGB"))
    finally:
        document.close()


def _thumbnail(data: bytes, *, png: bool) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.load()
    small = to_width(image, THUMB_WIDTH) if image.width > THUMB_WIDTH else image
    return png_bytes(small) if png else jpeg_bytes(small, quality=82)
