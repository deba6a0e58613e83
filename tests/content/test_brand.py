import colorsys

import pytest

from content.brand import (
    BLACK,
    WHITE,
    InvalidField,
    advise_colour,
    best_text_colour,
    contrast_ratio,
    nearest_accessible_shade,
    parse_hex_colour,
    parse_website,
    relative_luminance,
)


@pytest.mark.parametrize(
    ("typed", "stored"), [("#1a2b3c", "#1a2b3c"), ("#ABC", "#aabbcc"), ("#0B5CAD", "#0b5cad"), ("#fff", "#ffffff")]
)
def test_hex_colours_are_accepted_in_either_form_and_stored_long_and_lower_case(typed: str, stored: str) -> None:
    assert parse_hex_colour(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "red;background:url(x)",
        "red",
        "#1a2b3c;",
        "#1a2b3c\n",
        " #1a2b3c",
        "#abcd",
        "#12345g",
        "1a2b3c",
        "rgb(1,2,3)",
        '#1a2b3c" onload="x',
        "",
    ],
)
def test_anything_but_a_hex_colour_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(InvalidField, match=r"primary_colour: .*not a colour; use a hex colour like #1a2b3c") as error:
        parse_hex_colour(typed, field="primary_colour")
    assert error.value.field == "primary_colour"


def test_luminance_runs_from_black_to_white() -> None:
    assert relative_luminance(BLACK) == 0.0
    assert relative_luminance(WHITE) == pytest.approx(1.0)
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert relative_luminance("#808080") == pytest.approx(0.2158605)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        (BLACK, WHITE, 21.0),
        (WHITE, WHITE, 1.0),
        ("#767676", WHITE, 4.54),  # the lightest grey that passes AA on white
        ("#777777", WHITE, 4.48),
        ("#ff0000", WHITE, 4.00),
        ("#0000ff", WHITE, 8.59),
        ("#595959", WHITE, 7.00),  # the AAA grey
    ],
)
def test_contrast_ratios_match_the_published_wcag_values(first: str, second: str, ratio: float) -> None:
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.005)


@pytest.mark.parametrize(
    ("background", "text"), [("#ffff00", BLACK), ("#0b5cad", WHITE), ("#f4f6f9", BLACK), ("#1b2430", WHITE)]
)
def test_the_better_of_black_and_white_is_chosen_for_text(background: str, text: str) -> None:
    assert best_text_colour(background) == text


def test_a_colour_that_already_passes_is_its_own_nearest_accessible_shade() -> None:
    assert nearest_accessible_shade("#0B5CAD") == "#0b5cad"


def test_a_grey_too_light_for_white_text_becomes_the_lightest_grey_that_passes() -> None:
    assert nearest_accessible_shade("#777777") == "#767676"
    assert nearest_accessible_shade("#cccccc") == "#767676"


def test_the_nearest_accessible_shade_keeps_the_hue_and_only_just_reaches_the_ratio() -> None:
    shade = nearest_accessible_shade("#ff6600")  # orange: 2.94:1 under white text
    ratio = contrast_ratio(shade, WHITE)
    assert 4.5 <= ratio < 4.7
    hue_before = colorsys.rgb_to_hls(1.0, 0.4, 0.0)[0]
    red, green, blue = (int(shade[i : i + 2], 16) / 255 for i in (1, 3, 5))
    assert colorsys.rgb_to_hls(red, green, blue)[0] == pytest.approx(hue_before, abs=0.01)


def test_for_black_text_the_nearest_accessible_shade_is_lighter() -> None:
    shade = nearest_accessible_shade("#0b5cad", text=BLACK)
    assert contrast_ratio(shade, BLACK) >= 4.5
    assert relative_luminance(shade) > relative_luminance("#0b5cad")


def test_when_no_shade_reaches_the_ratio_the_better_extreme_is_the_best_that_can_be_done() -> None:
    # 4.5:1 is always reachable with black or white; 7:1 (AAA) is not against a mid grey.
    assert nearest_accessible_shade("#777777", text="#777777", minimum=7.0) == BLACK


@pytest.mark.parametrize("typed", ["https://acme.example", "http://acme.example/path?a=1"])
def test_web_addresses_must_be_http_or_https(typed: str) -> None:
    assert parse_website(typed) == typed


@pytest.mark.parametrize(
    "typed",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "acme.example", "//acme.example", "https://"],
)
def test_scripts_data_and_relative_links_are_not_web_addresses(typed: str) -> None:
    with pytest.raises(InvalidField, match="website: use a full web address"):
        parse_website(typed)


def test_the_brand_editor_is_told_when_white_text_reads_badly_and_which_shade_would_do() -> None:
    advice = advise_colour("#FF6600", field="primary_colour")
    assert advice.colour == "#ff6600"
    assert advice.ratio == 2.94
    assert not advice.readable
    assert advice.suggestion is not None
    assert contrast_ratio(advice.suggestion, WHITE) >= 4.5
    assert advice.best_text_colour == BLACK


def test_a_colour_that_passes_gets_no_suggestion() -> None:
    assert advise_colour("#0b5cad") == advise_colour("#0B5CAD")
    assert advise_colour("#0b5cad").readable
    assert advise_colour("#ffff00", text=BLACK).suggestion is None


def test_advice_on_a_bad_colour_names_the_field() -> None:
    with pytest.raises(InvalidField, match="accent_colour: "):
        advise_colour("red;x", field="accent_colour")
