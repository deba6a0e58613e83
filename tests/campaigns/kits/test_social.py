"""Social posts are counted as each network counts them."""

from __future__ import annotations

import pytest

from campaigns.kits import SOCIAL_LIMITS, over_limit_posts, post_length, social_counts


def test_the_limits_are_the_networks_own() -> None:
    assert SOCIAL_LIMITS == {"linkedin": 3_000, "x": 280, "facebook": 63_206}


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Hello", 5),
        ("Zażółć gęślą jaźń", 17),  # Latin letters with accents weigh 1
        ("日本語", 6),  # CJK weighs 2
        ("👍", 2),
        ("👍🏽", 2),  # an emoji with a skin tone is one emoji
        ("👩‍💻", 2),  # joined with U+200D: one emoji
        ("🇳🇱", 2),  # a flag: two regional indicators, one emoji
        ("©️", 2),  # a text symbol with the emoji variation selector
        ("Read https://vendor.example/a/very/long/path/that/goes/on/and/on?with=query", 5 + 23),
        ("See www.vendor.example.", 4 + 23 + 1),
        ("https://x.example", 23),  # short links count 23 too
        ("e\u0301", 1),  # normalised to é first
    ],
)
def test_x_counts_weighted_characters_and_links_as_23(text: str, length: int) -> None:
    assert post_length("x", text) == length


def test_linkedin_and_facebook_count_utf16_units_like_their_composers() -> None:
    assert post_length("linkedin", "Zażółć") == 6
    assert post_length("facebook", "👍") == 2
    assert post_length("linkedin", "https://vendor.example/a/long/link") == 34


def test_the_editor_gets_every_count_and_which_posts_are_over() -> None:
    posts = {"x": "x" * 281, "linkedin": "fine", "facebook": "f" * 63_206}
    counts = {count.network: count for count in social_counts(posts)}
    assert counts["x"].over
    assert not counts["facebook"].over
    assert [count.network for count in over_limit_posts(posts)] == ["x"]
    assert counts["x"].message == "The X post is 281 characters as X counts them; the limit is 280 (1 too many)."


def test_an_unknown_network_is_a_mistake_in_our_code() -> None:
    with pytest.raises(KeyError, match="unknown social network 'myspace'"):
        post_length("myspace", "hi")
