from __future__ import annotations

from campaigns.kits.markdown_bridge import to_html, to_text


def test_markdown_becomes_plain_safe_html() -> None:
    html = to_html("Hello **you**, see [our offer](https://vendor.example/?a=1&b=2).\n\n- one\n- two")
    assert html == (
        '<p>Hello <strong>you</strong>, see <a href="https://vendor.example/?a=1&amp;b=2" rel="noopener noreferrer">'
        "our offer</a>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


def test_raw_html_and_script_links_never_become_markup() -> None:
    html = to_html('<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror="x">')
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html


def test_plain_text_keeps_paragraphs_lists_and_link_addresses() -> None:
    markdown = "## Offer\n\nUp to **30%** back, [details](https://vendor.example).\n\n- one\n- two\n\n3. three\n4. four"
    assert to_text(markdown) == (
        "Offer\n\nUp to 30% back, details (https://vendor.example).\n\n- one\n- two\n\n3. three\n4. four"
    )
