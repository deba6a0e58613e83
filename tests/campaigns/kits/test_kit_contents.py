"""Open a built kit and check that every piece is there and is what it says it is."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from bench import kit_samples
from campaigns.kits import SOCIAL_LIMITS, BuiltKit, fonts, post_length
from campaigns.kits.flyer import flyer_fonts
from campaigns.kits.kit_email import email_colours
from content.brand import contrast_ratio
from tests.campaigns.kits.conftest import BUILT_AT, build, open_zip

PIECES = {
    "README.txt", "manifest.json", "flyer.pdf",
    "email/email.html", "email/email.txt", "email/acme-it-solutions.eml", "email/logo.png",
    "copy/short.md", "copy/short.html", "copy/medium.md", "copy/medium.html", "copy/long.md", "copy/long.html",
    "copy/subject-lines.txt", "copy/preheader.txt",
    "social/linkedin.txt", "social/x.txt", "social/facebook.txt",
    "images/acme-it-solutions-banner-light.jpg", "images/acme-it-solutions-banner-dark.jpg",
    *(f"images/{slug}-{size}.jpg" for slug in ("hero-storage-rack", "team-at-work", "chart")
      for size in ("1200x628", "1080x1080", "600w")),
}  # fmt: skip


def test_a_kit_holds_every_piece_and_nothing_else(built: BuiltKit) -> None:
    assert set(open_zip(built).namelist()) == PIECES


def test_the_manifest_lists_every_file_with_its_size_and_checksum(built: BuiltKit) -> None:
    archive = open_zip(built)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["inputs_hash"] == built.inputs_hash
    assert manifest["locale"] == built.filename.removesuffix(".zip").rsplit("-", 1)[1]
    assert manifest["built_at"] == BUILT_AT.isoformat()
    assert {entry["path"] for entry in manifest["files"]} == PIECES - {"manifest.json"}
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


README_OPENINGS = {
    "en": (
        "Marketing kit: Storage trade-in 2024\r\nPrepared for Acme IT Solutions.\r\n",
        "a one-page co-branded flyer with a QR code to the campaign page",
    ),
    "pl": (
        "Zestaw marketingowy: Wymiana pamięci masowej 2024\r\nPrzygotowany dla Acme IT Solutions.\r\n",
        "jednostronicowa ulotka ze wspólnym brandingiem i kodem QR do strony kampanii",
    ),
}


def test_the_readme_explains_every_file_in_the_kits_language(built: BuiltKit) -> None:
    manifest = json.loads(open_zip(built).read("manifest.json"))
    readme = open_zip(built).read("README.txt").decode()
    opening, flyer = README_OPENINGS[manifest["locale"]]
    assert readme.startswith(opening)
    assert re.search(rf"^  flyer\.pdf +{re.escape(flyer)}\r$", readme, re.MULTILINE)
    for path in PIECES - {"README.txt"}:
        assert f"  {path} " in readme
    assert "\n" not in readme.replace("\r\n", "")  # every line ends in CRLF, the intro's too


def test_images_come_in_the_standard_sizes(built: BuiltKit) -> None:
    archive = open_zip(built)
    for name in archive.namelist():
        if not name.startswith("images/"):
            continue
        image = Image.open(io.BytesIO(archive.read(name)))
        image.verify()
        if name.endswith("-600w.jpg"):
            assert image.width == 600
        elif name.endswith("-1080x1080.jpg"):
            assert image.size == (1080, 1080)
        else:
            assert image.size == (1200, 628), name


def test_the_email_is_finished_html_with_the_partners_brand_and_locked_vendor_text(built: BuiltKit) -> None:
    archive = open_zip(built)
    html = archive.read("email/email.html").decode()
    assert "<mj-" not in html
    assert "{{" not in html
    assert "{%" not in html
    assert 'src="logo.png"' in html
    assert 'alt="Acme IT Solutions"' in html
    assert "#0b5cad" in html  # the partner's primary colour
    assert "+31 20 555 0101" in html
    assert 'href="mailto:hello@acme-it.example"' in html
    locked = html.split("<!-- locked: vendor text -->")[1].split("<!-- /locked: vendor text -->")[0]
    assert "Acme" not in locked
    assert "30%" in locked
    assert "<!-- locked: vendor footer -->" in html
    assert "Vendor &amp; Co" in html


def test_the_text_twin_carries_the_same_message(built: BuiltKit) -> None:
    text = open_zip(built).read("email/email.txt").decode()
    assert "30%" in text
    assert "hello@acme-it.example" in text
    assert "Vendor & Co" in text
    assert "<" not in text.replace("<1>", "")


def test_the_eml_parses_into_text_then_html_with_the_logo_inline(built: BuiltKit) -> None:
    raw = open_zip(built).read("email/acme-it-solutions.eml")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    first, second = message.iter_parts()
    assert first.get_content_type() == "text/plain"
    assert second.get_content_type() == "multipart/related"
    html_part, logo_part = second.iter_parts()
    assert html_part.get_content_type() == "text/html"
    assert 'src="cid:logo@kit.channelcast"' in html_part.get_content()
    assert logo_part.get_content_type() == "image/png"
    assert logo_part["Content-ID"] == "<logo@kit.channelcast>"
    assert str(message["From"]) == "Acme IT Solutions <hello@acme-it.example>"
    manifest = json.loads(open_zip(built).read("manifest.json"))
    assert str(message["Subject"]) == kit_samples.COPY[manifest["locale"]]["subject_lines"][0]


def test_the_flyer_is_one_page_naming_the_partner_and_linking_the_campaign(built: BuiltKit) -> None:
    reader = PdfReader(io.BytesIO(open_zip(built).read("flyer.pdf")))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Acme IT Solutions" in text
    manifest = json.loads(open_zip(built).read("manifest.json"))
    flyer_title = kit_samples.COPY[manifest["locale"]]["flyer_title"]
    assert flyer_title in text  # Polish letters survive: the font is embedded
    annotations = reader.pages[0].annotations
    assert annotations is not None
    links = [annotation.get_object()["/A"]["/URI"] for annotation in annotations]
    assert links == [kit_samples.COPY[manifest["locale"]]["campaign_url"]]


def test_social_posts_are_within_each_networks_limit(built: BuiltKit) -> None:
    archive = open_zip(built)
    for network, limit in SOCIAL_LIMITS.items():
        post = archive.read(f"social/{network}.txt").decode().strip()
        assert post
        assert post_length(network, post) <= limit


def test_copy_comes_as_markdown_and_as_unstyled_html(built: BuiltKit) -> None:
    archive = open_zip(built)
    assert (
        archive.read("copy/short.md").decode().strip()
        == kit_samples.kit_copy(json.loads(archive.read("manifest.json"))["locale"]).short_copy
    )
    html = archive.read("copy/short.html").decode()
    assert "<strong>" in html
    assert "style" not in html
    assert len(archive.read("copy/subject-lines.txt").decode().splitlines()) == 3


def test_the_zip_is_named_after_campaign_partner_and_language(built: BuiltKit) -> None:
    assert built.filename in (
        "storage-trade-in-2024-acme-it-solutions-en.zip",
        "wymiana-pamieci-masowej-2024-acme-it-solutions-pl.zip",
    )
    assert built.size == len(built.data or b"")


def test_without_dejavu_the_kit_still_builds_with_helvetica_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "REGULAR", Path("/nonexistent/DejaVuSans.ttf"))
    for cached in (fonts.dejavu_available, fonts.banner_font, flyer_fonts):
        cached.cache_clear()
    try:
        kit = build("pl")
    finally:
        monkeypatch.undo()
        for cached in (fonts.dejavu_available, fonts.banner_font, flyer_fonts):
            cached.cache_clear()
    assert "install fonts-dejavu-core" in caplog.text
    text = PdfReader(io.BytesIO(open_zip(kit).read("flyer.pdf"))).pages[0].extract_text()
    assert "Acme IT Solutions" in text


def test_text_on_the_partners_colours_in_the_email_reaches_aa() -> None:
    brand = kit_samples.brand(primary_colour="#ffff00", accent_colour="#f5a623")  # yellow, light orange
    colours = email_colours(brand)
    assert colours["button_text"] == "#000000"
    assert contrast_ratio(colours["button"], colours["button_text"]) >= 4.5
    assert contrast_ratio(colours["link"], "#ffffff") >= 4.5
    html = open_zip(build(primary_colour="#ffff00", accent_colour="#f5a623")).read("email/email.html").decode()
    assert f"color:{colours['link']}" in html
