"""What a kit build does with inputs people get wrong, or craft."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader

from bench import kit_samples
from campaigns.kits import KitImage, KitInputError
from campaigns.kits.images import decode_image
from campaigns.kits.inputs import subject_lines_over_guideline
from content.brand import InvalidField
from tests.campaigns.kits.conftest import build, build_with, open_zip

SAFE_ENTRY = re.compile(r"(README.txt|[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)?)")


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def test_a_decompression_bomb_logo_is_refused_before_it_is_unpacked() -> None:
    bomb = png(Image.new("1", (10_000, 10_000)))  # 100 million pixels in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(KitInputError, match=r"logo: the image has .*pixels") as error:
        build(logo=bomb)
    assert error.value.field == "logo"


def test_a_huge_image_within_pillows_own_limit_is_refused_by_ours() -> None:
    with pytest.raises(KitInputError, match=r"logo: the image has 81,000,000 pixels; at most 40,000,000"):
        decode_image(png(Image.new("1", (9_000, 9_000))), field="logo")


def test_a_png_30000_pixels_wide_is_refused() -> None:
    with pytest.raises(KitInputError, match=r"logo: the image is 30,000x10 pixels; at most 10,000 on a side"):
        build(logo=png(Image.new("RGB", (30_000, 10))))


def test_a_zip_file_posing_as_a_logo_is_not_an_image() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bin", b"\0" * 10_000_000)
    with pytest.raises(KitInputError, match="logo: is not a PNG, JPEG, WebP or GIF image"):
        build(logo=buffer.getvalue())


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"\xef\xbb\xbf  <svg/>",
    ],
)
def test_an_svg_logo_is_refused_because_it_can_carry_scripts(svg: bytes) -> None:
    with pytest.raises(KitInputError, match="logo: SVG files are not accepted"):
        build(logo=svg)


def test_a_truncated_image_is_reported_as_damaged() -> None:
    with pytest.raises(KitInputError, match="damaged or incomplete"):
        decode_image(kit_samples.photo(seed=4)[:5_000], field="image.hero")


def test_a_bad_campaign_image_names_the_image() -> None:
    images = (KitImage("Hero", b"<svg/>", "alt"),)
    with pytest.raises(KitInputError, match=r"image\.Hero: SVG files are not accepted"):
        build_with(kit_samples.kit_copy(), kit_samples.brand(), images)


def test_a_cmyk_jpeg_is_converted_to_rgb() -> None:
    cmyk = kit_samples.photo(800, 600, seed=5, mode="CMYK")
    assert Image.open(io.BytesIO(cmyk)).mode == "CMYK"
    assert decode_image(cmyk, field="logo").mode == "RGB"
    archive = open_zip(build(logo=cmyk))
    assert Image.open(io.BytesIO(archive.read("email/logo.png"))).mode == "RGB"
    assert Image.open(io.BytesIO(archive.read("images/acme-it-solutions-banner-dark.jpg"))).mode == "RGB"


def test_a_transparent_logo_stays_transparent_on_the_light_and_the_dark_banner() -> None:
    archive = open_zip(build(logo=kit_samples.logo(transparent=True, colour="#d00000")))
    light = Image.open(io.BytesIO(archive.read("images/acme-it-solutions-banner-light.jpg"))).convert("RGB")
    dark = Image.open(io.BytesIO(archive.read("images/acme-it-solutions-banner-dark.jpg"))).convert("RGB")
    # The logo sits at the left of the band at the foot of the banner; its corner is transparent.
    band_middle = 628 - 88
    for banner, band_colour in ((light, (255, 255, 255)), (dark, None)):
        corner = banner.getpixel((52, band_middle - 50))
        logo_centre = banner.getpixel((48 + 180, band_middle))
        assert _close(logo_centre, (208, 0, 0)), "the logo's red block is drawn"
        assert not _close(corner, (0, 0, 0)), "transparency was not turned black"
        if band_colour:
            assert _close(corner, band_colour), "the light band shows through the logo"
    dark_corner = dark.getpixel((52, band_middle - 50))
    assert isinstance(dark_corner, tuple)
    assert sum(dark_corner) < 300, "the dark band shows through the logo"


def _close(pixel: object, expected: tuple[int, int, int], tolerance: int = 24) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


@pytest.mark.parametrize("colour", ["red;background:url(x)", "#0b5cad;x", '#0b5cad" onmouseover="x', "blue"])
@pytest.mark.parametrize("field", ["primary_colour", "accent_colour"])
def test_colour_injection_is_refused_naming_the_field(field: str, colour: str) -> None:
    with pytest.raises(InvalidField, match=f"{field}: .* is not a colour") as error:
        kit_samples.brand(**{field: colour})
    assert error.value.field == field


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,<b>", "acme.example"]
)
def test_a_website_that_is_not_http_or_https_is_refused(website: str) -> None:
    with pytest.raises(InvalidField, match="website: use a full web address"):
        kit_samples.brand(website=website)


@pytest.mark.parametrize("url_field", ["cta_url", "campaign_url"])
def test_campaign_links_must_be_http_or_https(url_field: str) -> None:
    with pytest.raises(InvalidField, match=f"{url_field}: use a full web address"):
        kit_samples.kit_copy(**{url_field: "javascript:alert(1)"})


def test_a_tagline_with_html_is_printed_as_text_everywhere() -> None:
    tagline = '<img src=x onerror="alert(1)"> & <b>best</b>'
    archive = open_zip(build(tagline=tagline, partner_name="Acme <script>alert(1)</script>"))
    html = archive.read("email/email.html").decode()
    assert "<img src=x" not in html
    assert "<script>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;b&gt;best&lt;/b&gt;" in html
    assert tagline in archive.read("email/email.txt").decode()
    assert "<b>best</b>" in PdfReader(io.BytesIO(archive.read("flyer.pdf"))).pages[0].extract_text()


@pytest.mark.parametrize("field", ["tagline", "partner_name", "phone"])
def test_line_breaks_and_control_characters_are_refused_in_one_line_fields(field: str) -> None:
    with pytest.raises(InvalidField, match=f"{field}: cannot contain line breaks"):
        kit_samples.brand(**{field: "Acme\r\nBcc: victim@example.com"})


def test_an_email_address_that_could_break_a_header_is_refused() -> None:
    with pytest.raises(InvalidField, match=r"email: .* is not an email address"):
        kit_samples.brand(email="a@b.example>, evil@x.example")


@pytest.mark.parametrize(
    ("partner_name", "slug"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\Windows\\System32", "windows-system32"),
        ("Łódź Żółć IT sp. z o.o.", "lodz-zolc-it-sp-z-o-o"),
        ("Müller & Söhne GmbH", "muller-sohne-gmbh"),
        ("CON", "con-partner"),
        ("株式会社テスト", "partner"),
        ("...", "partner"),
    ],
)
def test_partner_names_give_safe_relative_entry_names(partner_name: str, slug: str) -> None:
    kit = build(partner_name=partner_name)
    names = open_zip(kit).namelist()
    assert f"email/{slug}.eml" in names
    assert f"images/{slug}-banner-light.jpg" in names
    for name in names:
        assert SAFE_ENTRY.fullmatch(name), name
    assert kit.filename == f"storage-trade-in-2024-{slug}-en.zip"


def test_image_names_that_slugify_alike_get_numbered() -> None:
    images = (
        KitImage("Hero!", kit_samples.photo(seed=6)),
        KitImage("hero", kit_samples.photo(seed=7)),
        KitImage("../", kit_samples.photo(seed=8)),
    )
    names = open_zip(build_with(kit_samples.kit_copy(), kit_samples.brand(), images)).namelist()
    assert {"images/hero-600w.jpg", "images/hero-2-600w.jpg", "images/image-600w.jpg"} <= set(names)


def test_an_over_limit_social_post_stops_the_build_naming_network_and_counts() -> None:
    copy = kit_samples.kit_copy(social_posts={"x": "a" * 281, "linkedin": "fine"})
    with pytest.raises(
        KitInputError,
        match=r"social\.x: The X post is 281 characters as X counts them; the limit is 280 \(1 too many\)",
    ):
        build_with(copy, kit_samples.brand(), ())


def test_a_kit_needs_three_to_five_subject_lines() -> None:
    with pytest.raises(InvalidField, match="subject_lines: give 3 to 5 subject lines, not 2"):
        kit_samples.kit_copy(subject_lines=("One", "Two"))


def test_a_kit_without_a_logo_or_images_still_builds_with_the_partners_name() -> None:
    archive = open_zip(build_with(kit_samples.kit_copy(), kit_samples.brand(logo=None), ()))
    assert "email/logo.png" not in archive.namelist()
    assert "Acme IT Solutions" in archive.read("email/email.html").decode()
    assert Image.open(io.BytesIO(archive.read("images/acme-it-solutions-banner-light.jpg"))).size == (1200, 628)


def test_subject_lines_over_60_characters_are_pointed_out_but_allowed() -> None:
    lines = ("Short and sweet", "x" * 61, "y" * 60)
    assert subject_lines_over_guideline(lines) == [(2, 61)]
    assert kit_samples.kit_copy(subject_lines=lines).subject_lines == lines
