import pytest

from core.mail.placeholders import FillTemplate, placeholder, substitutions


def test_one_render_serves_every_recipient_with_their_own_escaped_name() -> None:
    body = FillTemplate.parse(
        f'<p>Hello {placeholder("name", html=True)},</p><a href="{placeholder("url", html=True)}">x</a>'
    )
    assert body.field_names == {"name", "url"}
    assert body.fill({"name": "Jan & <Piet>", "url": "https://x.example/p?a=1&b=2"}) == (
        '<p>Hello Jan &amp; &lt;Piet&gt;,</p><a href="https://x.example/p?a=1&amp;b=2">x</a>'
    )


def test_text_bodies_get_the_raw_value() -> None:
    assert FillTemplate.parse("Hi %%name%%!").fill({"name": "Jan & Piet"}) == "Hi Jan & Piet!"


def test_a_missing_value_fails_loudly_rather_than_sending_a_placeholder() -> None:
    with pytest.raises(KeyError):
        FillTemplate.parse("Hi %%name%%").fill({})


def test_text_without_placeholders_is_returned_as_is() -> None:
    assert FillTemplate.parse("<!--[if mso]>100%<![endif]-->").fill({}) == "<!--[if mso]>100%<![endif]-->"


def test_sendgrid_substitutions_fill_the_same_way() -> None:
    pairs = substitutions({"name": "A&B"})
    assert pairs == {"%%name%%": "A&B", "%%name.html%%": "A&amp;B"}


def test_placeholder_names_are_plain_words() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        placeholder("Name With Spaces")
