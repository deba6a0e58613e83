"""The kit's Markdown, through the project's one Markdown module (`content.markdown`)."""

from __future__ import annotations

from content import markdown


def to_html(text: str) -> str:
    """Safe HTML for `text` (no script, handlers, javascript: links or iframes)."""
    return str(markdown.to_html(text))


def to_text(text: str) -> str:
    """Plain text for `text`, for text/plain parts and .txt files."""
    return markdown.to_text(text)
