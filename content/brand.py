"""Brand colours and links: strict parsing and WCAG 2.x contrast, as pure functions.

The brand editor validates a partner's colours with these and warns below 4.5:1; the kit
builder uses them to pick readable text on the partner's colours. Only `#rgb` and `#rrggbb`
are colours here: anything else (names, `rgb()`, CSS with a `;` in it) is refused, so a
colour can be written into a style attribute as it is.
"""

from __future__ import annotations

import colorsys
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from babel.numbers import format_decimal
from flask_babel import get_locale, gettext, lazy_gettext
from flask_babel.speaklater import LazyString

AA_NORMAL_TEXT = 4.5  # WCAG 2.x success criterion 1.4.3, normal-size text
BLACK = "#000000"
WHITE = "#ffffff"

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class InvalidField(ValueError):
    """A value a person typed that we refuse; `field` names the form field to mark.

    The message is a `lazy_gettext` with its named values: it is said in the language of whoever
    reads it, when they read it (English outside a request), with numbers in their digits. A
    refusal made where nobody reads it yet (a kit build in a worker) keeps that with `as_record()`,
    so the page that shows it later says it in its reader's language (`from_record`).
    """

    def __init__(self, field: str, message: str | LazyString, values: Mapping[str, object] | None = None) -> None:
        if isinstance(message, LazyString):  # lazy_gettext(text, **values): keep both, say it when read
            text, values = str(message._args[0]), dict(message._kwargs)
        else:
            text = message
        super().__init__(field, text, dict(values or {}))
        self.field = field
        self.text = text  # the English msgid, placeholders unfilled
        self.values: dict[str, object] = dict(values or {})

    @property
    def message(self) -> str:
        return said(self.text, self.values)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def as_record(self) -> str:
        """The refusal as stored text (JSON), to be said later in the reader's language."""
        values = {name: value[:200] if isinstance(value, str) else value for name, value in self.values.items()}
        return json.dumps({"field": self.field, "text": self.text, "values": values}, ensure_ascii=False)

    @classmethod
    def from_record(cls, record: str) -> InvalidField:
        """Back from `as_record()`; older plain `field: message` text is read as it is."""
        try:
            stored = json.loads(record)
            return cls(str(stored["field"]), str(stored["text"]), dict(stored["values"]))
        except (ValueError, TypeError, KeyError):
            field, _sep, message = record.partition(": ")
            return cls(field, message) if message else cls("", record)


def said(text: str, values: Mapping[str, object]) -> str:
    """`text` translated into the reader's language with `values` in it, numbers in the reader's digits."""
    locale = str(get_locale() or "en")
    shown = {
        name: format_decimal(value, locale=locale)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in values.items()
    }
    return str(gettext(text, **shown))


def parse_hex_colour(value: str, *, field: str = "colour") -> str:
    """`#1a2b3c` or `#abc` (any case) as lower-case `#rrggbb`; anything else raises InvalidField."""
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        shown = repr(value)[:60]
        raise InvalidField(
            field, lazy_gettext("%(value)s is not a colour; use a hex colour like #1a2b3c or #abc.", value=shown)
        )
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def parse_website(value: str, *, field: str = "website") -> str:
    """An http(s) address with a host; `javascript:`, `data:` and relative links are refused."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidField(field, lazy_gettext("use a full web address starting with https:// (or http://)."))
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidField(field, lazy_gettext("a web address cannot contain spaces or line breaks."))
    return url


def _rgb(colour: str) -> tuple[float, float, float]:
    value = parse_hex_colour(colour)
    return int(value[1:3], 16) / 255, int(value[3:5], 16) / 255, int(value[5:7], 16) / 255


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in (red, green, blue))


def _linear(channel: float) -> float:
    # sRGB transfer function; WCAG 2.0 printed 0.03928, the sRGB standard (and WCAG 2.2's note)
    # 0.04045: no 8-bit value lies between them, so both give the same results.
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance: 0.0 for black, 1.0 for white."""
    red, green, blue = (_linear(c) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio, from 1.0 (same luminance) to 21.0 (black on white); order does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def best_text_colour(background: str) -> str:
    """Black or white, whichever reads better on `background` (ties go to white)."""
    return BLACK if contrast_ratio(background, BLACK) > contrast_ratio(background, WHITE) else WHITE


def nearest_accessible_shade(colour: str, *, text: str = WHITE, minimum: float = AA_NORMAL_TEXT) -> str:
    """The colour closest in lightness to `colour` (same hue and saturation) with `text` readable on it.

    Returns `colour` itself (as `#rrggbb`) when it already reaches `minimum`. Lightness is moved
    in whichever direction needs the smaller change. Black or white always reaches 4.5:1 against
    any text colour; for a higher `minimum` that no shade reaches, the better extreme is returned.
    """
    colour = parse_hex_colour(colour)
    if contrast_ratio(colour, text) >= minimum:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    candidates = [
        shade
        for target in (0.0, 1.0)
        if (shade := _shade_towards(hue, lightness, saturation, target, text, minimum)) is not None
    ]
    if not candidates:
        return max((BLACK, WHITE), key=lambda extreme: contrast_ratio(extreme, text))
    return min(candidates, key=lambda shade: abs(colorsys.rgb_to_hls(*_rgb(shade))[1] - lightness))


def _shade_towards(hue: float, start: float, saturation: float, target: float, text: str, minimum: float) -> str | None:
    """Bisect lightness between `start` and `target` for the first shade reaching `minimum`."""

    def shade(lightness: float) -> str:
        return _hex(*colorsys.hls_to_rgb(hue, lightness, saturation))

    if contrast_ratio(shade(target), text) < minimum:
        return None
    near, far = start, target  # contrast fails at `near`, holds at `far`
    for _ in range(24):
        middle = (near + far) / 2
        if contrast_ratio(shade(middle), text) >= minimum:
            far = middle
        else:
            near = middle
    return shade(far)


@dataclass(frozen=True)
class ColourAdvice:
    """What the brand editor shows beside a colour: how `text_colour` reads on it, and a fix if needed."""

    colour: str
    text_colour: str
    ratio: float  # of text_colour on colour, rounded to 2 places as WCAG tools show it
    suggestion: str | None  # the nearest shade with text_colour at 4.5:1 or more; None when colour passes
    best_text_colour: str  # black or white, whichever reads better on colour as it is

    @property
    def readable(self) -> bool:
        return self.suggestion is None


def advise_colour(value: str, *, field: str = "colour", text: str = WHITE) -> ColourAdvice:
    """Parse `value` (InvalidField when it is no colour) and say how `text` (white by default) reads on it."""
    colour = parse_hex_colour(value, field=field)
    text = parse_hex_colour(text, field="text_colour")
    ratio = contrast_ratio(colour, text)
    suggestion = None if ratio >= AA_NORMAL_TEXT else nearest_accessible_shade(colour, text=text)
    return ColourAdvice(colour, text, round(ratio, 2), suggestion, best_text_colour(colour))
