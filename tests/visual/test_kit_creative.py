"""The kit's creative as people see it, against committed reference images (see compare.py):
the two banners and the flyer's page 1 for a fixed demo partner in English and Polish (the email
at 600 px is in tests/browser/test_kit_page.py, beside the browser). Fixed inputs (kit_samples),
a fixed build time, DejaVu fonts (`make fonts`)."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from bench import kit_samples
from campaigns.kits import BrandKit, BuiltKit, fonts
from campaigns.portal.kit_page import flyer_png
from tests.campaigns.kits.conftest import build_with, gold_status, open_zip
from tests.visual.compare import matches_reference

LOCALES = ("en", "pl")
# The flyer's checklist in the kit's language: a reader sees one language.
BULLETS = {
    "en": ("Up to 30%", "Free pickup", "Certified data wipe"),
    "pl": ("Do 30%", "Bezpłatny odbiór", "Certyfikowane kasowanie danych"),
}


def demo_kit(locale: str, *, badge: bool = False, brand: BrandKit | None = None) -> BuiltKit:
    """The fixed demo partner (a wide logo, a named person) with the first picture named for every
    piece; with `badge`, as a gold partner whose tier has the sample badge."""
    first, *rest = kit_samples.images()
    images = (dataclasses.replace(first, roles=frozenset({"banner", "flyer", "email"}), focal=(0.35, 0.4)), *rest)
    copy = kit_samples.kit_copy(locale, bullets=BULLETS[locale])
    brand = brand or kit_samples.brand(contact_name="Sanne Visser")
    return build_with(copy, brand, images, status=gold_status(locale) if badge else None)


@pytest.fixture(scope="module", params=LOCALES)
def kit(request: pytest.FixtureRequest) -> tuple[str, BuiltKit]:
    if not fonts.dejavu_available():
        pytest.skip("DejaVu Sans is not installed (make fonts): renderings would not match their references")
    return request.param, demo_kit(request.param)


def test_the_banners_look_as_they_should(kit: tuple[str, BuiltKit]) -> None:
    locale, built = kit
    archive = open_zip(built)
    for variant in ("light", "dark"):
        banner = Image.open(io.BytesIO(archive.read(f"images/acme-it-solutions-banner-{variant}.jpg")))
        matches_reference(banner.resize((600, 314), Image.Resampling.LANCZOS), f"banner-{variant}-{locale}")


def test_the_flyer_looks_as_it_should(kit: tuple[str, BuiltKit]) -> None:
    locale, built = kit
    page = Image.open(io.BytesIO(flyer_png(open_zip(built).read("flyer.pdf"), width=600)))
    matches_reference(page, f"flyer-{locale}")


@pytest.fixture(scope="module", params=LOCALES)
def gold_kit(request: pytest.FixtureRequest) -> tuple[str, BuiltKit, BuiltKit]:
    """A gold partner's kit with the tier badge: a wide logo (strip below) and a square one (panel beside)."""
    if not fonts.dejavu_available():
        pytest.skip("DejaVu Sans is not installed (make fonts): renderings would not match their references")
    square = kit_samples.brand(contact_name="Sanne Visser", logo=kit_samples.logo(size=(300, 300)))
    return request.param, demo_kit(request.param, badge=True), demo_kit(request.param, badge=True, brand=square)


def test_a_gold_partners_banners_and_flyer_carry_the_badge_and_its_line(
    gold_kit: tuple[str, BuiltKit, BuiltKit],
) -> None:
    locale, wide, square = gold_kit
    for name, built in (("wide", wide), ("square", square)):
        archive = open_zip(built)
        for variant in ("light", "dark"):
            banner = Image.open(io.BytesIO(archive.read(f"images/acme-it-solutions-banner-{variant}.jpg")))
            matches_reference(
                banner.resize((600, 314), Image.Resampling.LANCZOS), f"badge-banner-{name}-{variant}-{locale}"
            )
    page = Image.open(io.BytesIO(flyer_png(open_zip(wide).read("flyer.pdf"), width=600)))
    matches_reference(page, f"badge-flyer-{locale}")
