"""Per-recipient fields inside a body rendered once for many recipients.

A newsletter is rendered (MJML -> HTML) once per distinct selection, with placeholders where
each recipient's own values go: `%%name%%` in plain text and subjects, `%%name.html%%` in HTML,
where the value is HTML-escaped on the way in. Filling splits the body at the placeholders once
and joins per recipient, which is several times faster than repeated `str.replace` on a long
HTML string. The same placeholders double as SendGrid substitution keys (`substitutions()`),
so a body can be sent to 1,000 recipients in one request and filled by SendGrid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import escape

PLACEHOLDER = re.compile(r"%%([a-z][a-z0-9_]*)(\.html)?%%")


def placeholder(field: str, *, html: bool = False) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", field):
        raise ValueError(f"placeholder field names are lowercase words: {field!r}")
    return f"%%{field}.html%%" if html else f"%%{field}%%"


@dataclass(frozen=True)
class FillTemplate:
    """A body split at its placeholders: literals[0] field[0] literals[1] field[1] ... literals[-1]."""

    literals: tuple[str, ...]
    fields: tuple[tuple[str, bool], ...]  # (name, html-escaped?)

    @classmethod
    def parse(cls, body: str) -> FillTemplate:
        pieces = PLACEHOLDER.split(body)  # literal, name, html-flag, literal, name, html-flag, ..., literal
        literals = tuple(pieces[0::3])
        fields = tuple((name, bool(flag)) for name, flag in zip(pieces[1::3], pieces[2::3], strict=True))
        return cls(literals, fields)

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(name for name, _html in self.fields)

    def fill(self, values: Mapping[str, str]) -> str:
        """The body for one recipient; a field with no value is a bug and raises KeyError."""
        out = [self.literals[0]]
        for (name, html), literal in zip(self.fields, self.literals[1:], strict=True):
            value = values[name]
            out.append(str(escape(value)) if html else value)
            out.append(literal)
        return "".join(out)


def substitutions(values: Mapping[str, str]) -> dict[str, str]:
    """SendGrid substitution pairs for one recipient: raw for text, escaped for HTML."""
    pairs: dict[str, str] = {}
    for name, value in values.items():
        pairs[placeholder(name)] = value
        pairs[placeholder(name, html=True)] = str(escape(value))
    return pairs
