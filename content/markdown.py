"""Markdown into email-safe HTML and into plain text: the one place that does it.

Marketers write bodies in Markdown; partners read them in email clients. markdown-it-py renders
(CommonMark, raw HTML allowed in the source so it can be cleaned rather than shown as code),
then nh3 keeps only an allow-list of tags and attributes that email clients understand: no
script, no style, no event handlers, no iframes or forms, and only http(s) and mailto links,
each with rel="noopener". The plain text comes from the same parse, for the text/plain part.
"""

from __future__ import annotations

from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "i", "img", "li",
        "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with everything inside them, not just their tags.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template", "title"})


def _has_allowed_scheme(url: str) -> bool:
    scheme, colon, _rest = url.partition(":")
    return not colon or "/" in scheme or scheme.strip().lower() in URL_SCHEMES


def _unlink_unsafe_urls(state: StateCore) -> None:
    """`[x](javascript:...)` keeps its label as text and loses the link, instead of showing the source."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept, dropping = [], []
        for token in block.children:
            if token.type == "link_open":
                dropping.append(not _has_allowed_scheme(str(token.attrGet("href") or "")))
                if dropping[-1]:
                    continue
            elif token.type == "link_close" and dropping and dropping.pop():
                continue
            kept.append(token)
        block.children = kept


_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")
# Let every link through the parser so the rule above (and nh3 after it) decides, not the parser's silent fallback.
_parser.validateLink = lambda url: True  # type: ignore[method-assign]
_parser.core.ruler.push("unlink_unsafe_urls", _unlink_unsafe_urls)


def sanitise_html(html: str) -> str:
    """Any HTML fragment, reduced to the email allow-list."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener",
        strip_comments=True,
    )


def to_html(text: str) -> Markup:
    """Markdown to safe HTML, marked safe for Jinja."""
    return Markup(sanitise_html(_parser.render(text or "")))  # noqa: S704 (nh3 has just cleaned it)


def to_text(text: str) -> str:
    """Markdown to readable plain text: paragraphs kept, links as `label (url)`, raw HTML dropped."""
    lines: list[str] = []
    _TextWriter(lines).blocks(_parser.parse(text or ""))
    return "\n".join(lines).strip() + "\n" if lines else ""


class _TextWriter:
    """Walks markdown-it tokens; only text the reader should see survives."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.prefixes: list[str] = []  # list bullets and quote marks of the open blocks
        self.counters: list[int | None] = []
        self.row: list[str] | None = None  # the cells of the table row being read

    def blocks(self, tokens: Iterable[Token]) -> None:
        for token in tokens:
            self.block(token)

    def block(self, token: Token) -> None:
        kind = token.type
        if kind == "inline" and self.row is not None:
            self.row.append(self.inline(token.children or []).strip())
        elif kind == "inline":
            self.emit(self.inline(token.children or []).rstrip())
        elif kind in ("fence", "code_block"):
            self.emit(token.content.rstrip("\n"))
        elif kind == "hr":
            self.emit("----")
        elif kind in ("bullet_list_open", "ordered_list_open"):
            self.counters.append(int(token.attrGet("start") or 1) if kind == "ordered_list_open" else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.counters.pop()
            self.blank()
        elif kind == "list_item_open":
            self.prefixes.append(self.bullet())
        elif kind == "blockquote_open":
            self.prefixes.append("> ")
        elif kind in ("list_item_close", "blockquote_close"):
            self.prefixes.pop()
        elif kind in ("paragraph_close", "heading_close") and not self.counters:
            self.blank()
        elif kind == "tr_open":
            self.row = []
        elif kind == "tr_close" and self.row is not None:
            self.emit(" | ".join(self.row))
            self.row = None
        elif kind == "table_close":
            self.blank()

    def bullet(self) -> str:
        number = self.counters[-1] if self.counters else None
        if number is None:
            return "- "
        self.counters[-1] = number + 1
        return f"{number}. "

    def inline(self, children: list[Token]) -> str:
        parts: list[str] = []
        href_stack: list[str] = []
        for child in children:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type == "softbreak":
                parts.append(" ")
            elif child.type == "hardbreak":
                parts.append("\n")
            elif child.type == "image":
                parts.append(child.content)
            elif child.type == "link_open":
                href = str(child.attrGet("href") or "")
                href_stack.append(href if href.split(":", 1)[0].lower() in URL_SCHEMES else "")
            elif child.type == "link_close" and href_stack:
                href = href_stack.pop()
                if href:
                    parts.append(f" ({href.removeprefix('mailto:')})")
        return "".join(parts)

    def emit(self, text: str) -> None:
        if not text.strip():
            return
        prefix = "".join(self.prefixes)
        continuation = " " * len(prefix)
        for number, line in enumerate(text.split("\n")):
            self.lines.append((prefix if number == 0 else continuation) + line if line else prefix.rstrip())
        # A list item's bullet is printed once, on its first line.
        if self.prefixes and self.prefixes[-1] not in ("> ",):
            self.prefixes[-1] = " " * len(self.prefixes[-1])

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
