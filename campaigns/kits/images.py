"""Images in a kit: strict decoding of uploads, the standard renditions, the co-branded banner.

Uploads are decoded with limits checked before any pixel is unpacked: the formats we accept
(PNG, JPEG, WebP, GIF; never SVG, which can carry scripts), the file size, the pixels on a side
and in total (a decompression bomb declares its size in its header and is refused there).
CMYK is converted to RGB (through its ICC profile when it has one); transparency is kept.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from campaigns.kits.errors import KitInputError
from campaigns.kits.fonts import banner_font
from campaigns.kits.inputs import BrandKit
from content.brand import WHITE, nearest_accessible_shade

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
MAX_FILE_BYTES = 15 * 1024 * 1024
MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000

WIDE = (1200, 628)
SQUARE = (1080, 1080)
EMAIL_WIDTH = 600
BANNER = (1200, 628)
EMAIL_LOGO_BOX = (480, 160)  # twice the displayed 240x80, for sharp logos on high-density screens
_BAND_HEIGHT = 176
_MARGIN = 48
_DARK_TEXT = "#1b2430"


def decode_image(data: bytes, *, field: str) -> Image.Image:
    """Decode an upload within our limits, as RGB, or RGBA when it has transparency."""
    _refuse_markup(data, field=field)
    if len(data) > MAX_FILE_BYTES:
        raise KitInputError(field, f"the file is {len(data) / 1e6:.1f} MB; at most {MAX_FILE_BYTES // 1_000_000} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise KitInputError(field, f"the image has too many pixels (at most {MAX_PIXELS:,}).") from error
    except UnidentifiedImageError as error:
        raise KitInputError(field, "is not a PNG, JPEG, WebP or GIF image.") from error
    _check_size(image, field=field)  # from the header: nothing is unpacked yet
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise KitInputError(field, "the image file is damaged or incomplete; export it again.") from error
    return _as_rgb_or_rgba(ImageOps.exif_transpose(image))


def _refuse_markup(data: bytes, *, field: str) -> None:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")) or b"<svg" in head:
        raise KitInputError(field, "SVG files are not accepted (they can carry scripts); upload a PNG or JPEG.")


def _check_size(image: Image.Image, *, field: str) -> None:
    width, height = image.size
    if max(width, height) > MAX_SIDE:
        raise KitInputError(field, f"the image is {width}x{height} pixels; at most {MAX_SIDE:,} on a side.")
    if width * height > MAX_PIXELS:
        raise KitInputError(field, f"the image has {width * height:,} pixels; at most {MAX_PIXELS:,}.")


def _as_rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode == "CMYK":
        image = _cmyk_to_rgb(image)
    transparent = image.mode in ("RGBA", "LA", "PA", "La") or "transparency" in image.info
    return image.convert("RGBA" if transparent else "RGB")


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: the plain conversion below is close enough
    return image.convert("RGB")


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale to fill `size` and crop the overflow equally from both sides (CSS `object-fit: cover`)."""
    width, height = image.size
    scale = max(size[0] / width, size[1] / height)
    crop_width, crop_height = size[0] / scale, size[1] / scale
    left, top = (width - crop_width) / 2, (height - crop_height) / 2
    box = (left, top, left + crop_width, top + crop_height)
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)


def to_width(image: Image.Image, width: int) -> Image.Image:
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)


def fit_within(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Shrink (never enlarge) to fit `box`, keeping the aspect ratio."""
    scale = min(box[0] / image.width, box[1] / image.height, 1.0)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def flatten(image: Image.Image, background: str = WHITE) -> Image.Image:
    if image.mode != "RGBA":
        return image.convert("RGB")
    canvas = Image.new("RGB", image.size, background)
    canvas.paste(image, mask=image.getchannel("A"))
    return canvas


def jpeg_bytes(image: Image.Image, *, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    flatten(image).save(buffer, "JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


@dataclass(frozen=True)
class Renditions:
    """One campaign image in the kit's standard sizes, encoded as JPEG."""

    wide: bytes
    square: bytes
    email: bytes


def render_campaign_image(data: bytes, *, field: str) -> tuple[Renditions, Image.Image]:
    """The three renditions, and the decoded 1200x628 one (the banner's and flyer's background)."""
    image = flatten(decode_image(data, field=field))
    wide = cover(image, WIDE)
    renditions = Renditions(
        wide=jpeg_bytes(wide), square=jpeg_bytes(cover(image, SQUARE)), email=jpeg_bytes(to_width(image, EMAIL_WIDTH))
    )
    return renditions, wide


def cobranded_banner(hero: Image.Image | None, logo: Image.Image | None, brand: BrandKit, *, dark: bool) -> bytes:
    """1200x628: the campaign's first image (or the partner's colour) above a band with the partner's logo.

    The light band suits dark logos, the dark band (the partner's primary colour, darkened until
    white reads on it) light ones; a transparent logo keeps its transparency on both.
    """
    banner = hero.copy() if hero is not None else Image.new("RGB", BANNER, brand.primary_colour)
    band_top = BANNER[1] - _BAND_HEIGHT
    band = nearest_accessible_shade(brand.primary_colour, text=WHITE, minimum=7.0) if dark else WHITE
    text_colour = WHITE if dark else _DARK_TEXT
    draw = ImageDraw.Draw(banner)
    draw.rectangle((0, band_top, BANNER[0], BANNER[1]), fill=band)
    draw.rectangle(
        (0, band_top - 8, BANNER[0], band_top - 1), fill=brand.accent_colour if dark else brand.primary_colour
    )
    used = _draw_logo_or_name(banner, draw, logo, brand.partner_name, band_top, text_colour)
    if brand.tagline:
        font = banner_font(26)
        room = BANNER[0] - used - 2 * _MARGIN
        tagline = _fit_text(draw, brand.tagline, font, room)
        draw.text(
            (BANNER[0] - _MARGIN, band_top + _BAND_HEIGHT // 2), tagline, fill=text_colour, font=font, anchor="rm"
        )
    return jpeg_bytes(banner, quality=88)


def _draw_logo_or_name(
    banner: Image.Image, draw: ImageDraw.ImageDraw, logo: Image.Image | None, name: str, band_top: int, colour: str
) -> int:
    """Place the logo (or the partner's name) at the band's left; return how far right it reaches."""
    middle = band_top + _BAND_HEIGHT // 2
    if logo is None:
        font = banner_font(40, bold=True)
        text = _fit_text(draw, name, font, BANNER[0] // 2)
        draw.text((_MARGIN, middle), text, fill=colour, font=font, anchor="lm")
        return _MARGIN + int(draw.textlength(text, font=font))
    fitted = fit_within(logo, (420, _BAND_HEIGHT - 56))
    position = (_MARGIN, middle - fitted.height // 2)
    if fitted.mode == "RGBA":
        banner.paste(fitted, position, mask=fitted.getchannel("A"))
    else:
        banner.paste(fitted, position)
    return _MARGIN + fitted.width


def _fit_text(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int
) -> str:
    """`text`, cut with an ellipsis where it would overflow `width` pixels."""
    if width <= 0:
        return ""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""
