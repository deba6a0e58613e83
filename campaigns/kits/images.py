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

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from campaigns.kits.errors import KitInputError
from campaigns.kits.fonts import banner_font
from campaigns.kits.inputs import BrandKit
from campaigns.kits.layout import BANNER, BannerLayout, Box, banner_layout, focal_crop
from content.brand import WHITE, best_text_colour, nearest_accessible_shade

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
MAX_FILE_BYTES = 15 * 1024 * 1024
MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000

WIDE = (1200, 628)
SQUARE = (1080, 1080)
EMAIL_WIDTH = 600
EMAIL_HERO = (1200, 600)  # shown at 600x300: twice, for sharp pictures on high-density screens
WORKING_SIDE = 2400  # a decoded picture is kept at most this big: enough for every crop we make
EMAIL_LOGO_BOX = (480, 160)  # twice the displayed 240x80, for sharp logos on high-density screens
EMAIL_BADGE_BOX = (240, 160)  # twice the displayed 120x80
BADGE_FILE_BOX = (800, 800)  # the badge on its own in the kit: large enough for print, small enough to mail
_DARK_TEXT = "#1b2430"


def decode_image(data: bytes, *, field: str) -> Image.Image:
    """Decode an upload within our limits, as RGB, or RGBA when it has transparency."""
    _refuse_markup(data, field=field)
    if len(data) > MAX_FILE_BYTES:
        raise KitInputError(
            field, _l("the file is %(size)s MB; at most %(limit)s MB.", size=round(len(data) / 1e6, 1),
                      limit=MAX_FILE_BYTES // 1_000_000)
        )  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise KitInputError(
            field, _l("the image has too many pixels (at most %(limit)s).", limit=MAX_PIXELS)
        ) from error
    except UnidentifiedImageError as error:
        raise KitInputError(field, _l("is not a PNG, JPEG, WebP or GIF image.")) from error
    _check_size(image, field=field)  # from the header: nothing is unpacked yet
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise KitInputError(field, _l("the image file is damaged or incomplete; export it again.")) from error
    return _as_rgb_or_rgba(ImageOps.exif_transpose(image))


def _refuse_markup(data: bytes, *, field: str) -> None:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")) or b"<svg" in head:
        raise KitInputError(field, _l("SVG files are not accepted (they can carry scripts); upload a PNG or JPEG."))


def _check_size(image: Image.Image, *, field: str) -> None:
    width, height = image.size
    if max(width, height) > MAX_SIDE:
        raise KitInputError(
            field, _l("the image is %(width)sx%(height)s pixels; at most %(limit)s on a side.", width=width,
                      height=height, limit=MAX_SIDE)
        )  # fmt: skip
    if width * height > MAX_PIXELS:
        raise KitInputError(
            field, _l("the image has %(pixels)s pixels; at most %(limit)s.", pixels=width * height, limit=MAX_PIXELS)
        )


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


def cover(image: Image.Image, size: tuple[int, int], focal: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Scale to fill `size` and crop the overflow around `focal` (CSS `object-fit: cover` with a position)."""
    box = focal_crop(image.size, size, focal)
    return image.resize(size, Image.Resampling.LANCZOS, box=(box.x, box.y, box.right, box.bottom), reducing_gap=2.0)


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


def render_campaign_image(
    data: bytes, *, field: str, focal: tuple[float, float] = (0.5, 0.5)
) -> tuple[Renditions, Image.Image]:
    """The three renditions (crops keep the focal point), and the decoded picture (at most
    WORKING_SIDE pixels a side) that the banner, flyer and email crop for themselves."""
    image = flatten(decode_image(data, field=field))
    image = fit_within(image, (WORKING_SIDE, WORKING_SIDE))
    renditions = Renditions(
        wide=jpeg_bytes(cover(image, WIDE, focal)),
        square=jpeg_bytes(cover(image, SQUARE, focal)),
        email=jpeg_bytes(to_width(image, EMAIL_WIDTH)),
    )
    return renditions, image


@dataclass(frozen=True)
class Picture:
    """A campaign picture decoded once, with the point its crops keep."""

    image: Image.Image
    focal: tuple[float, float]

    def crop(self, size: tuple[int, int]) -> Image.Image:
        return cover(self.image, size, self.focal)


@dataclass(frozen=True)
class Badge:
    """The partner's tier badge, decoded, and its line ("Gold Partner of Northwind Systems")."""

    image: Image.Image
    line: str


def cobranded_banner(
    picture: Picture | None,
    logo: Image.Image | None,
    brand: BrandKit,
    title: str,
    *,
    dark: bool,
    badge: Badge | None = None,
) -> tuple[bytes, BannerLayout]:
    """1200x628: the picture, and beside or below it the partner's strip (logo or name, tagline).

    The strip never covers the picture: the picture is cropped into the space left. Without a
    picture the space holds a plain co-branded header: the campaign's name on the partner's colour.
    The light strip suits dark logos, the dark one (the partner's primary colour, darkened until
    white reads on it at 7:1) light ones; a transparent logo keeps its transparency on both.
    """
    layout = banner_layout(logo.size if logo is not None else None, badge=badge is not None)
    banner = Image.new("RGB", BANNER, WHITE)
    draw = ImageDraw.Draw(banner)
    if picture is not None:
        banner.paste(picture.crop(layout.picture.size), (round(layout.picture.x), round(layout.picture.y)))
    else:
        _plain_header(draw, layout.picture, brand.primary_colour, title)
    strip_colour = nearest_accessible_shade(brand.primary_colour, text=WHITE, minimum=7.0) if dark else WHITE
    text_colour = WHITE if dark else _DARK_TEXT
    draw.rectangle(layout.strip.as_tuple(), fill=strip_colour)
    draw.rectangle(layout.accent.as_tuple(), fill=brand.accent_colour if dark else brand.primary_colour)
    if logo is not None:
        _draw_logo(banner, logo, layout.logo, layout.arrangement)
    else:
        wordmark = text_colour if dark else nearest_accessible_shade(brand.primary_colour, text=WHITE)
        _draw_lines(draw, brand.partner_name, layout.logo, wordmark, size=44, bold=True, max_lines=2)
    if brand.tagline:
        _draw_lines(draw, brand.tagline, layout.tagline, text_colour, size=26, max_lines=3)
    if badge is not None and layout.badge is not None:
        _draw_badge(banner, draw, badge, layout.badge, text_colour)
    return jpeg_bytes(banner, quality=88), layout


def _draw_badge(banner: Image.Image, draw: ImageDraw.ImageDraw, badge: Badge, box: Box, colour: str) -> None:
    """The badge at the left of its box (as high as the box), its line beside it."""
    scale = min(box.height / badge.image.width, box.height / badge.image.height)
    size = (max(1, round(badge.image.width * scale)), max(1, round(badge.image.height * scale)))
    fitted = badge.image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    top = round(box.y + (box.height - fitted.height) / 2)
    banner.paste(fitted, (round(box.x), top), mask=fitted.getchannel("A") if fitted.mode == "RGBA" else None)
    text = Box(box.x + fitted.width + 16, box.y, box.width - fitted.width - 16, box.height)
    _draw_lines(draw, badge.line, text, colour, size=24, bold=True, max_lines=3)


def _plain_header(draw: ImageDraw.ImageDraw, box: Box, colour: str, title: str) -> None:
    draw.rectangle(box.as_tuple(), fill=colour)
    inner = Box(box.x + 56, box.y + 56, box.width - 112, box.height - 112)
    _draw_lines(draw, title, inner, best_text_colour(colour), size=56, bold=True, max_lines=4, middle=True)


def _draw_logo(banner: Image.Image, logo: Image.Image, box: Box, arrangement: str) -> None:
    """The logo as large as its box allows (never enlarged past twice its size), centred in a
    panel beside the picture, at the left of a strip below it."""
    scale = min(box.width / logo.width, box.height / logo.height, 2.0)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    fitted = logo.resize(size, Image.Resampling.LANCZOS) if size != logo.size else logo
    left = box.x + (box.width - size[0]) / 2 if arrangement == "beside" else box.x
    top = box.y + (box.height - size[1]) / 2
    position = (round(left), round(top))
    banner.paste(fitted, position, mask=fitted.getchannel("A") if fitted.mode == "RGBA" else None)


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    text: str,
    box: Box,
    colour: str,
    *,
    size: int,
    bold: bool = False,
    max_lines: int,
    middle: bool = True,
) -> None:
    """`text` wrapped into `box`, the type made smaller (down to half) until it fits in `max_lines`."""
    for points in range(size, size // 2 - 1, -2):
        font = banner_font(points, bold=bold)
        lines = wrap_words(draw, text, font, box.width)
        leading = round(points * 1.25)
        if len(lines) <= max_lines and len(lines) * leading <= box.height:
            break
    lines = lines[:max_lines]
    lines[-1] = _fit_text(draw, lines[-1], font, round(box.width))
    top = box.y + (box.height - len(lines) * leading) / 2 if middle else box.y
    for n, line in enumerate(lines):
        draw.text((box.x, top + n * leading), line, fill=colour, font=font)


def wrap_words(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float
) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line gets a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


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
