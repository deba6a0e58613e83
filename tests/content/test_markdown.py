from content.markdown import to_html, to_text

HOSTILE = """Hello **partners**.

<script>alert('stolen')</script>

<img src="https://cdn.example.com/x.png" onerror="alert(1)">

[x](javascript:alert(1)) and [y](JAVASCRIPT:alert(2)) and <a href="javascript:alert(3)">z</a>

<iframe src="https://evil.example"></iframe>
<p onclick="alert(4)" style="color:red">styled</p>
"""


def test_markdown_renders_the_usual_formatting_and_links_get_noopener() -> None:
    html = to_html("# News\n\nSome *emphasis*, a [link](https://vendor.example/a) and\n\n- one\n- two")
    assert "<h1>News</h1>" in html
    assert "<em>emphasis</em>" in html
    assert '<a href="https://vendor.example/a" rel="noopener">link</a>' in html
    assert "<li>one</li>" in html


def test_scripts_event_handlers_javascript_links_iframes_and_styles_are_removed() -> None:
    html = to_html(HOSTILE).lower()
    for forbidden in ("<script", "alert('stolen')", "onerror", "onclick", "javascript:", "<iframe", "style="):
        assert forbidden not in html, forbidden
    assert "<strong>partners</strong>" in html
    assert '<img src="https://cdn.example.com/x.png">' in html
    assert ">x<" not in html  # the unsafe link's label stays as plain text, without an anchor
    assert "x and y and" in html


def test_plain_text_keeps_the_words_and_shows_safe_links_after_their_label() -> None:
    text = to_text("# News\n\nRead the [guide](https://vendor.example/guide).\n\n1. first\n2. second\n\n> quoted")
    assert text == "News\n\nRead the guide (https://vendor.example/guide).\n\n1. first\n2. second\n\n> quoted\n"


def test_plain_text_drops_raw_html_and_unsafe_links() -> None:
    text = to_text(HOSTILE)
    assert "script" not in text
    assert "alert" not in text
    assert "javascript" not in text.lower()
    assert "Hello partners." in text


def test_an_empty_body_renders_to_nothing() -> None:
    assert to_html("") == ""
    assert to_text("") == ""
