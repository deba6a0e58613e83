"""Where things go in the co-branded banner: plain geometry, computed before anything is drawn.

The partner's strip sits beside or below the picture, never over it: the picture is cropped and
scaled into the space that is left (around its focal point). A tall or square logo gets a panel
beside the picture; a wide logo, or the partner's name as a wordmark, gets a strip below it.
Tests assert on these boxes (no strip overlaps the picture), so the drawing code only fills them.
"""

from __future__ import annotations

from dataclasses import dataclass

BANNER = (1200, 628)
LAYOUT_VERSION = 2  # part of every kit's inputs hash (through TEMPLATE_VERSION): bump on any change here
_ACCENT = 8  # the line in the partner's accent colour between the picture and the strip
_PADDING = 40
_BESIDE_WIDTH = 372  # the panel beside the picture, accent line included
_BELOW_HEIGHT = 188  # the strip below the picture, accent line included
_WIDE_LOGO = 1.8  # a logo wider than this (width / height) reads better in a strip below
_BADGE_HEIGHT = 96  # the badge's row at the foot of the panel beside the picture
_BADGE_BELOW_WIDTH = 300  # the badge's part at the right of the strip below the picture


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels (or points), from its top-left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def size(self) -> tuple[int, int]:
        return round(self.width), round(self.height)

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def contains(self, other: Box) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom

    def as_tuple(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) for Pillow, rounded to whole pixels."""
        return round(self.x), round(self.y), round(self.right), round(self.bottom)


@dataclass(frozen=True)
class BannerLayout:
    arrangement: str  # "beside" or "below"
    picture: Box  # the campaign picture (or, without one, the plain co-branded header)
    accent: Box
    strip: Box  # the partner's: logo or wordmark, and the tagline
    logo: Box  # the most room the logo or wordmark may take, inside the strip
    tagline: Box  # inside the strip, apart from the logo
    badge: Box | None = None  # the tier badge and its line, inside the strip apart from the rest


def banner_layout(logo_size: tuple[int, int] | None, *, badge: bool = False) -> BannerLayout:
    """The banner's boxes for a logo of this size (None: the partner's name as a wordmark); with
    `badge`, room for the tier badge and its line is taken from the tagline's."""
    width, height = BANNER
    beside = logo_size is not None and logo_size[0] / max(1, logo_size[1]) <= _WIDE_LOGO
    if beside:
        picture = Box(0, 0, width - _BESIDE_WIDTH, height)
        accent = Box(picture.right, 0, _ACCENT, height)
        strip = Box(accent.right, 0, width - accent.right, height)
        inner = strip.width - 2 * _PADDING
        logo = Box(strip.x + _PADDING, _PADDING + 40, inner, 240)
        tagline = Box(strip.x + _PADDING, logo.bottom + 32, inner, height - logo.bottom - 32 - _PADDING - 40)
        if not badge:
            return BannerLayout("beside", picture, accent, strip, logo, tagline)
        badge_box = Box(tagline.x, height - _PADDING - _BADGE_HEIGHT, inner, _BADGE_HEIGHT)
        tagline = Box(tagline.x, tagline.y, inner, badge_box.y - 16 - tagline.y)
        return BannerLayout("beside", picture, accent, strip, logo, tagline, badge_box)
    picture = Box(0, 0, width, height - _BELOW_HEIGHT)
    accent = Box(0, picture.bottom, width, _ACCENT)
    strip = Box(0, accent.bottom, width, height - accent.bottom)
    inner = strip.height - 2 * 36
    logo = Box(_PADDING + 8, strip.y + 36, 520, inner)
    tagline = Box(logo.right + _PADDING, strip.y + 36, width - logo.right - 2 * _PADDING - 8, inner)
    if not badge:
        return BannerLayout("below", picture, accent, strip, logo, tagline)
    badge_box = Box(width - _PADDING - 8 - _BADGE_BELOW_WIDTH, strip.y + 36, _BADGE_BELOW_WIDTH, inner)
    tagline = Box(tagline.x, tagline.y, badge_box.x - _PADDING - tagline.x, inner)
    return BannerLayout("below", picture, accent, strip, logo, tagline, badge_box)


def focal_crop(size: tuple[int, int], target: tuple[int, int], focal: tuple[float, float]) -> Box:
    """The part of a picture of `size` that fills `target` (cover), centred on `focal` where the edges allow."""
    width, height = size
    scale = max(target[0] / width, target[1] / height)
    crop_width, crop_height = target[0] / scale, target[1] / scale
    left = min(max(focal[0] * width - crop_width / 2, 0.0), width - crop_width)
    top = min(max(focal[1] * height - crop_height / 2, 0.0), height - crop_height)
    return Box(left, top, crop_width, crop_height)
