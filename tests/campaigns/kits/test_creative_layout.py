"""The creative holds up: the partner strip never covers the picture, the flyer keeps every text on
its page with the longest texts allowed in every language, and no picture comes from nowhere."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader

from bench import kit_samples
from campaigns.kits import KitInputError
from campaigns.kits.flyer import PAGE, PAGE_HEIGHT, PAGE_WIDTH, flyer_layout
from campaigns.kits.images import Picture, cobranded_banner, decode_image
from campaigns.kits.inputs import BULLET_MAX, FLYER_TEXT_MAX, MAX_BULLETS, MEDIUM_COPY_MAX, KitCopy
from campaigns.kits.layout import BANNER, Box, banner_layout, focal_crop
from core.config import LOCALES
from tests.campaigns.kits.conftest import build_with, open_zip
from tests.visual.compare import share_differing

# A sentence in each language, repeated up to each field's limit: real words of real lengths.
SENTENCES = {
    "en": "Storage that grows with your customers, installed and supported by your own team. ",
    "nl": "Opslag die meegroeit met uw klanten, geïnstalleerd en ondersteund door uw eigen team. ",
    "de": "Speicher, der mit Ihren Kunden wächst, installiert und betreut von Ihrem eigenen Team. ",
    "fr": "Un stockage qui grandit avec vos clients, installé et assuré par votre propre équipe. ",
    "sv": "Lagring som växer med dina kunder, installerad och supporterad av ditt eget team. ",
    "pl": "Pamięć masowa, która rośnie razem z klientami, wdrożona i wspierana przez Twój zespół. ",
}


def longest(text: str, limit: int) -> str:
    return (text * (limit // len(text) + 1))[:limit].rstrip()


def longest_copy(locale: str) -> KitCopy:
    sentence = SENTENCES[locale]
    medium = "\n\n".join(longest(sentence, (MEDIUM_COPY_MAX - 4) // 3) for _ in range(3))
    return kit_samples.kit_copy(
        locale,
        medium_copy=medium[:MEDIUM_COPY_MAX],
        flyer_title=longest(sentence, 120),
        flyer_text=longest(sentence, FLYER_TEXT_MAX),
        cta_label=longest(sentence, 80),
        bullets=tuple(longest(sentence, BULLET_MAX) for _ in range(MAX_BULLETS)),
    )


def hero_images() -> tuple:  # type: ignore[type-arg]
    first, *rest = kit_samples.images()
    return (dataclasses.replace(first, roles=frozenset({"banner", "flyer", "email"}), focal=(0.8, 0.2)), *rest)


@pytest.mark.parametrize("logo_size", [None, (600, 200), (2000, 100), (100, 2000), (400, 400)])
def test_the_partner_strip_sits_beside_or_below_the_picture_never_over_it(logo_size: tuple[int, int] | None) -> None:
    layout = banner_layout(logo_size)
    whole = Box(0, 0, *BANNER)
    assert not layout.strip.overlaps(layout.picture)
    assert not layout.accent.overlaps(layout.picture)
    for box in (layout.picture, layout.strip, layout.accent):
        assert whole.contains(box)
    assert layout.strip.contains(layout.logo)
    assert layout.strip.contains(layout.tagline)
    assert not layout.logo.overlaps(layout.tagline)
    assert layout.arrangement == ("beside" if logo_size and logo_size[0] / logo_size[1] <= 1.8 else "below")


@pytest.mark.parametrize("logo_size", [None, (600, 200), (100, 2000), (400, 400)])
def test_the_tier_badge_has_its_own_room_in_the_strip(logo_size: tuple[int, int] | None) -> None:
    layout = banner_layout(logo_size, badge=True)
    assert layout.badge is not None
    assert layout.strip.contains(layout.badge)
    assert not layout.badge.overlaps(layout.logo)
    assert not layout.badge.overlaps(layout.tagline)
    assert layout.badge.height >= 90  # a badge people can recognise at 1200x628
    assert layout.tagline.height > 0
    assert layout.tagline.width > 0
    assert banner_layout(logo_size).badge is None


def test_the_banner_picture_is_the_crop_of_the_named_picture_untouched_by_the_strip() -> None:
    image = decode_image(kit_samples.photo(seed=4), field="photo")
    picture = Picture(image, (0.2, 0.7))
    data, layout = cobranded_banner(picture, None, kit_samples.brand(logo=None), "Campaign", dark=True)
    banner = decode_image(data, field="banner")
    expected = picture.crop(layout.picture.size)
    inside = banner.crop(layout.picture.as_tuple())
    assert share_differing(inside, expected, threshold=40) < 0.01, "the strip or a label was drawn over the picture"


def test_a_crop_keeps_the_focal_point_inside_and_as_central_as_the_edges_allow() -> None:
    crop = focal_crop((1600, 1000), (1200, 628), (0.9, 0.5))
    assert crop.x <= 0.9 * 1600 <= crop.right
    assert crop.right == pytest.approx(1600)  # pushed to the edge, not past it
    centred = focal_crop((1600, 1000), (800, 628), (0.5, 0.5))
    assert centred.x + centred.width / 2 == pytest.approx(800)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("with_picture", [True, False])
def test_the_flyer_holds_the_longest_allowed_texts_on_one_page_in_every_language(
    locale: str, with_picture: bool
) -> None:
    copy = longest_copy(locale)
    layout = flyer_layout(copy, has_picture=with_picture)
    assert layout.story_height <= layout.story.height
    assert layout.size >= 8
    regions = layout.regions()
    for n, box in enumerate(regions):
        assert PAGE.contains(box)
        for other in regions[n + 1 :]:
            assert not box.overlaps(other), (box, other)
    images = hero_images() if with_picture else kit_samples.images()[1:]
    kit = build_with(copy, kit_samples.brand(contact_name="Sanne Visser", tagline="x" * 200), images)
    reader = PdfReader(io.BytesIO(open_zip(kit).read("flyer.pdf")))
    assert len(reader.pages) == 1
    positions: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        if text.strip():  # where the run starts on the page: the text matrix through the current matrix
            x, y = tm[4], tm[5]
            positions.append((x * cm[0] + y * cm[2] + cm[4], x * cm[1] + y * cm[3] + cm[5], text))

    reader.pages[0].extract_text(visitor_text=visit)
    assert positions
    for x, y, text in positions:
        assert 0 <= x <= PAGE_WIDTH, text
        assert 0 <= y <= PAGE_HEIGHT, text
    footer = Box(0, PAGE_HEIGHT - 30, PAGE_WIDTH, 30)  # the vendor's line under the contact block
    regions = [*layout.regions(), footer]
    for x, y, text in positions:  # each run of text starts inside a region of the page, none in the gaps
        top_down = PAGE_HEIGHT - y
        assert any(box.x - 1 <= x <= box.right and box.y <= top_down <= box.bottom + 1 for box in regions), text
    story_texts = [text for x, y, text in positions if layout.story.y <= PAGE_HEIGHT - y <= layout.story.bottom]
    assert copy.bullets[-1].split()[-1] in " ".join(story_texts), "the last key point is on the page, in the story"


def test_words_too_wide_for_the_page_stop_the_build_naming_the_medium_copy() -> None:
    copy = kit_samples.kit_copy("pl", medium_copy="W" * MEDIUM_COPY_MAX, bullets=("W" * BULLET_MAX,) * MAX_BULLETS)
    with pytest.raises(KitInputError) as raised:
        flyer_layout(copy, has_picture=True)
    assert raised.value.field == "medium_copy"


def test_texts_over_the_flyers_limits_are_refused_naming_the_field() -> None:
    with pytest.raises(KitInputError, match="medium_copy"):
        kit_samples.kit_copy(medium_copy="x" * (MEDIUM_COPY_MAX + 1))
    with pytest.raises(KitInputError, match="bullets"):
        kit_samples.kit_copy(bullets=("one",) * (MAX_BULLETS + 1))
    with pytest.raises(KitInputError, match=r"bullets\.2"):
        kit_samples.kit_copy(bullets=("one", "x" * (BULLET_MAX + 1)))


def test_a_kit_with_no_picture_named_uses_plain_headers_and_no_campaign_image_in_them() -> None:
    kit = build_with(kit_samples.kit_copy(), kit_samples.brand(), kit_samples.images())  # images, none named
    archive = open_zip(kit)
    assert "email/hero.jpg" not in archive.namelist()
    html = archive.read("email/email.html").decode()
    assert "hero.jpg" not in html
    banner = decode_image(archive.read("images/acme-it-solutions-banner-light.jpg"), field="banner")
    layout = banner_layout(decode_image(kit_samples.logo(), field="logo").size)
    assert banner.getpixel((20, 20)) == pytest.approx(  # the partner's colour fills the picture's place
        (11, 92, 173), abs=6
    )
    assert layout.arrangement == "below"


def test_the_email_carries_the_named_picture_and_a_wordmark_in_the_partners_colour_without_a_logo() -> None:
    kit = build_with(kit_samples.kit_copy(), kit_samples.brand(logo=None, primary_colour="#ffdd00"), hero_images())
    archive = open_zip(kit)
    html = archive.read("email/email.html").decode()
    assert 'src="hero.jpg"' in html
    assert 'alt="A rack of storage arrays"' in html
    assert "logo.png" not in html
    from content.brand import contrast_ratio, nearest_accessible_shade

    wordmark = nearest_accessible_shade("#ffdd00", text="#ffffff")
    assert f"color:{wordmark}" in html.replace(" ", "")
    assert contrast_ratio(wordmark, "#ffffff") >= 4.5
    assert decode_image(archive.read("email/hero.jpg"), field="hero").size == (1200, 600)
