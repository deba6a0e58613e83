"""Markdown to safe HTML and to plain text, for the kit's copy blocks.

A stand-in: the content library's `content/markdown.py` is the one Markdown module of the
project. When it lands, these two functions become thin calls to it; the kit code uses only
`to_html` and `to_text`. Raw HTML in the Markdown is not rendered (it shows as text) and the
result is cleaned by nh3 with a small allow-list, so nothing a marketer types runs as markup.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "h1", "h2", "h3", "h4",
    "blockquote", "code", "pre", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def to_html(markdown: str) -> str:
    """Safe HTML for `markdown`: no raw HTML, no images (dropped), only http(s) and mailto links."""
    html = _parser().render(markdown)
    return (
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_URL_SCHEMES,
            link_rel="noopener noreferrer",
        )
        .replace("<p></p>", "")
        .strip()
    )


def to_text(markdown: str) -> str:
    """Plain text for `markdown`: paragraphs kept, list items as `- ` or `1. `, links as `text (url)`."""
    blocks: list[str] = []
    lists: list[list[int]] = []  # per open list: [next number] (0 for bullets)
    in_item = new_list = False
    for token in _parser().parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            new_list = new_list or not lists
            lists.append([int(token.attrs.get("start", 1)) if token.type == "ordered_list_open" else 0])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            in_item = True
        elif token.type == "inline":
            text = _inline_text(token)
            if in_item and lists:
                text = _list_marker(lists) + text
                in_item = False
                if not new_list:
                    blocks[-1] += "\n" + text
                    continue
                new_list = False
            blocks.append(text)
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
        elif token.type == "hr":
            blocks.append("---")
    return "\n\n".join(block for block in blocks if block.strip())


def _list_marker(lists: list[list[int]]) -> str:
    current = lists[-1]
    indent = "  " * (len(lists) - 1)
    if not current[0]:
        return indent + "- "
    current[0] += 1
    return f"{indent}{current[0] - 1}. "


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    href = ""
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
        elif child.type == "link_close" and href:
            parts.append(f" ({href})")
            href = ""
    return "".join(parts)
