"""Images from people's laptops, made safe: the one upload service every feature uses.

An upload is decided by its content, not its name: Pillow must recognise it as PNG, JPEG, WebP
or GIF (an animated GIF keeps its first frame). Its pixel count is checked from the header
before any decoding, so a small file that would unpack into gigabytes (a decompression bomb)
is refused with a message. The image is turned upright from its EXIF orientation and then
re-encoded from bare pixels, which drops EXIF, GPS and every other piece of metadata. The result
is stored content-addressed (its sha256) through `core.storage`; the uploaded file name is kept
for display only. Renditions (email widths, social crops, a thumbnail) are made on first use
and kept. Nothing a user uploaded is ever served as it came in.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Protocol

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import MediaAsset
from core.auth import User
from core.config import Settings
from core.storage import MissingObject, Storage, StorageUnavailable, content_key, sha256_hex

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
# Pillow's own guard, set on purpose rather than left to its default: the largest image
# MAX_IMAGE_MEGAPIXELS can allow. Our configured limit is checked first and is usually lower.
Image.MAX_IMAGE_PIXELS = 200_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
JPEG_OPTIONS = {"quality": 86, "optimize": True, "progressive": True}


class MediaError(ValueError):
    """An upload we refuse; the message tells the uploader what to do."""


class Upload(Protocol):
    """What a web upload (werkzeug's FileStorage) or an open file offers."""

    filename: str | None

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class MediaLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLimits:
        return cls(settings.max_upload_mb * 1024 * 1024, settings.max_image_megapixels * 1_000_000)


@dataclass(frozen=True)
class RenditionSpec:
    width: int
    height: int | None = None  # None: keep the aspect ratio
    crop: bool = False  # cover the box exactly, cropping from the centre


RENDITIONS: dict[str, RenditionSpec] = {
    "email-600": RenditionSpec(600),
    "email-1200": RenditionSpec(1200),
    "social-1200x628": RenditionSpec(1200, 628, crop=True),
    "social-1080x1080": RenditionSpec(1080, 1080, crop=True),
    "thumb": RenditionSpec(320, 320),
}


@dataclass(frozen=True)
class Rendition:
    data: bytes
    content_type: str


def display_name(filename: str | None) -> str:
    """The last part of an uploaded name, for showing only: `../../x.png` becomes `x.png`."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip().lstrip(".")
    return name[:255]


def store_upload(
    session: Session,
    storage: Storage,
    file: Upload,
    *,
    uploaded_by: User | None,
    limits: MediaLimits = MediaLimits(),
    formats: tuple[str, ...] = ACCEPTED_FORMATS,
    still_only: bool = False,
) -> MediaAsset:
    """Check, clean and store an uploaded image; the same picture uploaded twice is one asset.

    `formats` narrows what is accepted (a tier badge: PNG only); `still_only` refuses an animation
    instead of keeping its first frame (a badge that moves in a kit would not be the one approved).
    """
    data = file.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise MediaError(
            _("The file is larger than %(size)s MB. Choose a smaller image.", size=limits.max_bytes // (1024 * 1024))
        )
    image = _open_checked(data, limits.max_pixels, formats)
    if still_only and getattr(image, "is_animated", False):
        raise MediaError(_("The image is animated. Upload a still image (one frame)."))
    encoded, extension = _clean_master(image)
    digest = sha256_hex(encoded)
    key = content_key("media", digest, extension)
    try:
        if not storage.exists(key):
            storage.write(key, encoded)
    except StorageUnavailable:
        raise MediaError(_("The file store cannot be reached, so nothing was saved. Try again in a minute.")) from None
    existing = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == digest))
    if existing is not None:
        return existing
    width, height = Image.open(io.BytesIO(encoded)).size
    asset = MediaAsset(
        sha256=digest,
        width=width,
        height=height,
        format=extension,
        bytes=len(encoded),
        original_filename=display_name(file.filename),
        uploaded_by=uploaded_by,
    )
    session.add(asset)
    session.flush()
    return asset


def _open_checked(data: bytes, max_pixels: int, formats: tuple[str, ...] = ACCEPTED_FORMATS) -> Image.Image:
    if not data:
        raise MediaError(_("The file is empty. Choose an image file."))
    if b"<svg" in data[:4096].lower():
        raise MediaError(_svg_refused(formats))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice that; our own check below refuses
            # those with the image's real size in the message, so the warning adds nothing.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=formats)
        _refuse_too_many_pixels(image.width, image.height, min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels))
        image.load()  # the first frame only, for animations
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError(
            "The image has too many pixels to process safely. Scale it down and upload it again."
        ) from None
    except UnidentifiedImageError:
        raise MediaError(_not_this_format(formats)) from None
    except (OSError, SyntaxError, ValueError) as error:
        if isinstance(error, MediaError):
            raise
        raise MediaError(_("The image file is damaged or incomplete. Save it again and upload the new file.")) from None
    return image


def _svg_refused(formats: tuple[str, ...]) -> str:
    if formats == ("PNG",):
        return str(_("SVG images are not accepted. Export the image as PNG and upload that."))
    return str(_("SVG images are not accepted. Export the image as PNG, JPEG or WebP and upload that."))


def _not_this_format(formats: tuple[str, ...]) -> str:
    """Why a file was refused, in the reader's language: a PNG was wanted (tier badges), or any image."""
    if formats == ("PNG",):
        return str(_("This file is not a PNG image (whatever its name says)."))
    return str(_("This file is not a PNG, JPEG, WebP or GIF image (whatever its name says)."))


def _refuse_too_many_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise MediaError(
            f"The image has too many pixels: {width:,} x {height:,} is {width * height / 1e6:,.0f} megapixels, "
            f"and the most we accept is {max_pixels / 1e6:,.0f}. Scale it down and upload it again."
        )


def _clean_master(image: Image.Image) -> tuple[bytes, str]:
    """Upright, metadata-free pixels, encoded as PNG (graphics, transparency) or JPEG (photos)."""
    source_format = image.format or ""
    upright = ImageOps.exif_transpose(image) or image
    pixels = _plain_mode(upright)
    bare = Image.new(pixels.mode, pixels.size)
    bare.paste(pixels)  # a fresh image: no EXIF, ICC, XMP or comments come along
    extension = "png" if bare.mode == "RGBA" or source_format in ("PNG", "GIF") else "jpeg"
    return _encode(bare, extension), extension


def _plain_mode(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        opaque = rgba.getchannel("A").getextrema() == (255, 255)
        return rgba.convert("RGB") if opaque else rgba
    return image.convert("RGB")


def _encode(image: Image.Image, extension: str) -> bytes:
    buffer = io.BytesIO()
    if extension == "png":
        image.save(buffer, "PNG")
    else:
        image.save(buffer, "JPEG", **JPEG_OPTIONS)
    return buffer.getvalue()


def master_key(asset: MediaAsset) -> str:
    return content_key("media", asset.sha256, asset.format)


def rendition_key(asset: MediaAsset, kind: str) -> str:
    return f"renditions/{asset.sha256[:2]}/{asset.sha256}/{kind}"


def rendition(storage: Storage, asset: MediaAsset, kind: str) -> Rendition:
    """The asset at one of the standard sizes; made on first use (or when the store lost it), read after.

    Images with transparency stay PNG; everything else becomes JPEG, which email clients show
    smallest and everywhere.
    """
    if kind not in RENDITIONS:
        raise KeyError(f"unknown rendition {kind!r}; known: {', '.join(RENDITIONS)}")
    key = rendition_key(asset, kind)
    try:
        data = storage.read(key)  # one round trip when it is there (object storage charges per request)
    except MissingObject:
        master = Image.open(io.BytesIO(storage.read(master_key(asset))))
        resized = _resize(master, RENDITIONS[kind])
        data = _encode(resized, "png" if resized.mode == "RGBA" else "jpeg")
        storage.write(key, data)
    return Rendition(data, CONTENT_TYPES["png"] if data.startswith(PNG_SIGNATURE) else CONTENT_TYPES["jpeg"])


def _resize(image: Image.Image, spec: RenditionSpec) -> Image.Image:
    if spec.crop and spec.height:
        return ImageOps.fit(image, (spec.width, spec.height), Image.Resampling.LANCZOS)
    if spec.height:
        small = image.copy()
        small.thumbnail((spec.width, spec.height), Image.Resampling.LANCZOS)
        return small
    if image.width <= spec.width:
        return image.copy()  # never blown up: email clients scale down, blurry upscales help nobody
    height = max(1, round(image.height * spec.width / image.width))
    return image.resize((spec.width, height), Image.Resampling.LANCZOS)


def asset_by_sha(session: Session, sha: str) -> MediaAsset | None:
    return session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha))
