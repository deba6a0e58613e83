"""Kit inputs for the kit benchmark and tests: images drawn with Pillow, copy in English and Polish."""

from __future__ import annotations

import io
import random
from typing import Any, TypedDict

from PIL import Image, ImageDraw

from campaigns.kits import BrandKit, KitCopy, KitImage, VendorInfo

LONG = "Storage that grows with your customers. " * 40


def photo(width: int = 1600, height: int = 1000, *, seed: int = 1, fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    """A photo-like picture: gradients and shapes, deterministic for `seed`."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(40, max(41, width // 4))
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    buffer = io.BytesIO()
    image.convert(mode).save(buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def logo(*, transparent: bool = True, size: tuple[int, int] = (600, 200), colour: str = "#d00000") -> bytes:
    """A logo: a red block in the middle, on a transparent (or white) background."""
    image = Image.new("RGBA", size, (0, 0, 0, 0) if transparent else (255, 255, 255, 255))
    width, height = size
    ImageDraw.Draw(image).rectangle((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def badge(*, size: int = 400, colour: str = "#c9a227") -> bytes:
    """A tier badge: a gold medal with two ribbon tails, on a transparent background."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    third = size // 3
    draw.polygon([(third, size // 2), (third - 30, size - 10), (third + 30, size - 40), (size // 2, size // 2)],
                 fill="#0b5cad")  # fmt: skip
    draw.polygon([(2 * third, size // 2), (2 * third + 30, size - 10), (2 * third - 30, size - 40),
                  (size // 2, size // 2)], fill="#0b5cad")  # fmt: skip
    margin = size // 10
    draw.ellipse((margin, margin // 2, size - margin, size - 2 * margin), fill=colour, outline="#8a6d0b", width=10)
    inner = size // 4
    draw.ellipse((inner, inner - margin // 2, size - inner, size - inner - margin), outline="#fff4c2", width=8)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# The helpers below take any field as a keyword (`Any`: the fields differ in type). Tests also hand
# in bad values on purpose: the dataclasses' own checks are what they exercise.
def brand(**changes: Any) -> BrandKit:
    fields: dict[str, Any] = {
        "partner_name": "Acme IT Solutions",
        "primary_colour": "#0b5cad",
        "accent_colour": "#f5a623",
        "logo": logo(),
        "website": "https://acme-it.example/storage",
        "phone": "+31 20 555 0101",
        "email": "hello@acme-it.example",
        "postal_address": "Herengracht 12\n1015 BZ Amsterdam",
        "tagline": "Your storage people since 1999",
        "brand_hash": "b1",
    }
    fields.update(changes)
    return BrandKit(**fields)


def vendor() -> VendorInfo:
    return VendorInfo(name="Vendor & Co", postal_address="Keizersgracht 1, 1015 CN Amsterdam")


def images() -> tuple[KitImage, ...]:
    return (
        KitImage("Hero: storage rack", photo(seed=1), "A rack of storage arrays"),
        KitImage("Team at work", photo(1200, 1600, seed=2), "Engineers at a whiteboard"),
        KitImage("Chart", photo(900, 900, seed=3, fmt="PNG"), "Capacity grows with demand"),
    )


class SampleCopy(TypedDict):
    """A KitCopy's fields but the locale: the sample texts of one language."""

    campaign_name: str
    subject_lines: tuple[str, ...]
    preheader: str
    short_copy: str
    medium_copy: str
    long_copy: str
    cta_label: str
    cta_url: str
    flyer_title: str
    flyer_text: str
    campaign_url: str
    social_posts: dict[str, str]


COPY: dict[str, SampleCopy] = {
    "en": {
        "campaign_name": "Storage trade-in 2024",
        "subject_lines": (
            "Trade in old storage, get up to 30% back",
            "Your arrays are worth more than you think",
            "Swap, save and scale",
        ),
        "preheader": "A limited offer for your customers' ageing storage.",
        "short_copy": "Swap ageing arrays for **credit**. Up to 30% back.",
        "medium_copy": "Your customers' old arrays are worth money.\n\n- Up to **30%** back\n- Free pickup\n\n[Details](https://vendor.example/trade-in?a=1&b=2)",
        "long_copy": "## Trade in, trade up\n\n" + LONG,
        "cta_label": "Get a quote",
        "cta_url": "https://vendor.example/trade-in?utm=kit&x=<1>",
        "flyer_title": "Trade in your old storage",
        "flyer_text": "Up to 30% back on ageing arrays.\n\nFree pickup & data wipe.",
        "campaign_url": "https://vendor.example/trade-in",
        "social_posts": {
            "linkedin": "Old storage? Trade it in for up to 30% back. https://vendor.example/trade-in",
            "x": "Trade in old storage, get up to 30% back: https://vendor.example/trade-in",
            "facebook": "Trade in your old storage and get up to 30% back.",
        },
    },
    "pl": {
        "campaign_name": "Wymiana pamięci masowej 2024",
        "subject_lines": (
            "Wymień starą macierz, odzyskaj do 30%",
            "Twoje macierze są warte więcej",
            "Zamień, oszczędź, rośnij",
        ),
        "preheader": "Oferta dla klientów ze starszą pamięcią masową.",
        "short_copy": "Wymień stare macierze na **rabat**. Do 30% zwrotu.",
        "medium_copy": "Stare macierze Twoich klientów są warte pieniądze.\n\n- Do **30%** zwrotu\n- Bezpłatny odbiór",
        "long_copy": "## Wymień i zyskaj\n\nŻółć, gęślą jaźń. " * 20,
        "cta_label": "Poproś o wycenę",
        "cta_url": "https://vendor.example/pl/wymiana",
        "flyer_title": "Wymień starą pamięć masową",
        "flyer_text": "Do 30% zwrotu za starsze macierze.\n\nBezpłatny odbiór i kasowanie danych. Zażółć gęślą jaźń.",
        "campaign_url": "https://vendor.example/pl/wymiana",
        "social_posts": {
            "linkedin": "Stara pamięć masowa? Wymień ją i odzyskaj do 30%.",
            "x": "Wymień starą macierz i odzyskaj do 30%: https://vendor.example/pl/wymiana",
            "facebook": "Wymień starą pamięć masową i odzyskaj do 30%.",
        },
    },
}


def kit_copy(locale: str = "en", **changes: Any) -> KitCopy:
    base = COPY.get(locale, COPY["en"])
    fields: dict[str, Any] = {"locale": locale, **base, **changes}
    return KitCopy(**fields)
