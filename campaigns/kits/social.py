"""Social posts: each network's length limit in one place, counted the way the network counts.

- LinkedIn (3,000) and Facebook (63,206) count what their web composers count: UTF-16 code
  units, so an emoji outside the Basic Multilingual Plane counts 2. That is never fewer than
  the Unicode code points, so a post we accept is never refused by them.
- X (280) counts weighted characters (twitter-text, configuration v3), after NFC
  normalisation: code points in U+0000-U+10FF and a few punctuation ranges (U+2000-U+200D,
  U+2010-U+201F, U+2032-U+2037) weigh 1, everything else (CJK, most emoji) weighs 2; an emoji
  sequence (joined with U+200D, with a variation selector, skin tone or keycap, or a flag's
  pair of regional indicators) weighs 2 in all; every link that starts with `http://`,
  `https://` or `www.` weighs 23 whatever its length (X shortens it to t.co). Bare domains
  (`acme.example`) count as the text they are, though X may link and weigh them 23 too.
The kit-pieces editor shows `social_counts()` live; a kit build refuses an over-limit post.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from campaigns.kits.errors import KitInputError

SOCIAL_LIMITS: dict[str, int] = {"linkedin": 3_000, "x": 280, "facebook": 63_206}
NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}

X_URL_WEIGHT = 23
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_X_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,;:!?)]}'"
_ZWJ = 0x200D
_REGIONAL_INDICATORS = (0x1F1E6, 0x1F1FF)


def _continues_emoji(code: int) -> bool:
    """Variation selectors, skin tones, the keycap mark and tag characters extend an emoji."""
    return code in (0xFE0F, 0xFE0E, 0x20E3) or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F


def _is_regional_indicator(code: int) -> bool:
    return _REGIONAL_INDICATORS[0] <= code <= _REGIONAL_INDICATORS[1]


def _x_weight(code: int) -> int:
    return 1 if any(low <= code <= high for low, high in _X_LIGHT_RANGES) else 2


def _x_text_length(text: str) -> int:
    codes = [ord(ch) for ch in text]
    total, i = 0, 0
    while i < len(codes):
        end = i + 1
        if _is_regional_indicator(codes[i]) and end < len(codes) and _is_regional_indicator(codes[end]):
            end += 1
        while end < len(codes) and (_continues_emoji(codes[end]) or codes[end] == _ZWJ):
            end += 2 if codes[end] == _ZWJ else 1
        end = min(end, len(codes))
        total += 2 if end - i > 1 else _x_weight(codes[i])
        i = end
    return total


def x_length(text: str) -> int:
    """A post's length as X counts it (see the module docstring)."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in _X_URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING_PUNCTUATION)
        total += _x_text_length(text[position : match.start()]) + X_URL_WEIGHT
        position = match.start() + len(url)
    return total + _x_text_length(text[position:])


def post_length(network: str, text: str) -> int:
    """How long `text` is for `network`, in the unit that network's limit is in."""
    if network == "x":
        return x_length(text)
    if network in SOCIAL_LIMITS:
        return len(text.encode("utf-16-le")) // 2
    raise KeyError(f"unknown social network {network!r}; known: {', '.join(SOCIAL_LIMITS)}")


@dataclass(frozen=True)
class SocialCount:
    network: str
    length: int
    limit: int

    @property
    def over(self) -> bool:
        return self.length > self.limit

    @property
    def refusal(self) -> KitInputError:
        """The count as a refusal naming the post (said in the reader's language when read)."""
        name = NETWORK_NAMES[self.network]
        if self.over:
            message = _l(
                "The %(network)s post is %(length)s characters as %(network)s counts them; the limit is %(limit)s "
                "(%(extra)s too many).",
                network=name, length=self.length, limit=self.limit, extra=self.length - self.limit,
            )  # fmt: skip
        else:
            message = _l(
                "The %(network)s post is %(length)s characters as %(network)s counts them; the limit is %(limit)s.",
                network=name, length=self.length, limit=self.limit,
            )  # fmt: skip
        return KitInputError(f"social.{self.network}", message)

    @property
    def message(self) -> str:
        return self.refusal.message


def social_counts(posts: Mapping[str, str]) -> list[SocialCount]:
    """Every post's count against its network's limit, in the networks' order (for live counters)."""
    return [
        SocialCount(network, post_length(network, posts[network]), limit)
        for network, limit in SOCIAL_LIMITS.items()
        if network in posts
    ]


def over_limit_posts(posts: Mapping[str, str]) -> list[SocialCount]:
    """The posts that are too long for their network; empty when all fit."""
    return [count for count in social_counts(posts) if count.over]


def check_social_posts(posts: Mapping[str, str]) -> None:
    """Refuse the first post over its network's limit, naming the network and the counts."""
    for count in over_limit_posts(posts):
        raise count.refusal
