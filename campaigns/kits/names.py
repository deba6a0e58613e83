"""Names inside a kit's ZIP: built by us from slugs, never from user text as typed.

A partner called `../../etc` or `Łódź Żółć IT` or `CON` still gets plain, relative, portable
names: lower-case ASCII letters, digits and hyphens, never a Windows device name.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 48
# Letters that Unicode does not decompose into an ASCII letter plus accents.
_TRANSLITERATE = str.maketrans(
    {"ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
     "þ": "th", "Þ": "TH", "œ": "oe", "Œ": "OE", "ð": "d", "Ð": "D", "\u0131": "i"}
)  # fmt: skip
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
_SAFE_PART = re.compile(r"[a-z0-9][a-z0-9._-]{0,119}")


def slugify(text: str, *, fallback: str) -> str:
    """`text` as a short lower-case ASCII slug; `fallback` when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")
    if not slug:
        return fallback
    if slug in _WINDOWS_RESERVED:
        return f"{slug}-{fallback}"
    return slug


def unique_slugs(texts: list[str], *, fallback: str) -> list[str]:
    """One slug per text, numbered where two would otherwise be the same."""
    seen: dict[str, int] = {}
    slugs = []
    for text in texts:
        slug = slugify(text, fallback=fallback)
        seen[slug] = seen.get(slug, 0) + 1
        slugs.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return slugs


def entry_name(*parts: str) -> str:
    """A ZIP entry name from parts we built; a part that is not a plain safe name is a bug, so it fails loudly."""
    for part in parts:
        stem = part.split(".", 1)[0]
        if not _SAFE_PART.fullmatch(part) or ".." in part or stem in _WINDOWS_RESERVED:
            raise ValueError(f"unsafe kit entry name part {part!r}")
    return "/".join(parts)
