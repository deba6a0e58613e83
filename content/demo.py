"""Demo content: the nine interest areas every demo vendor has, and a library of 40 items.

Everything comes from the step's seeded generator; times are whole hours counted from today's
midnight UTC, so two demos made on the same day hold the same library.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import textwrap

from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.demo_texts import AREA_COLOURS, CITIES, CTA_LABELS, PRODUCTS, TEXTS
from content.media import store_upload
from content.models import ContentItem, ContentKind, ContentStatus, InterestArea
from content.services import ItemInput, VariantInput, save_item
from content.workflow import move_item
from core.auth import User
from core.auth.services import find_user_by_email
from core.db import utc_now
from core.demo import DEMO_ADMIN_EMAIL
from core.storage import storage_for

DEMO_ITEMS = 40
DEMO_MARKETER_EMAIL = "marketing@demo.channelcast.example"
OTHER_LOCALES = ("nl", "de", "fr", "sv", "pl")
# Where each demo item ends up; "expired" and "scheduled" are timing, not states.
PLAN = ["published"] * 20 + ["expired"] * 4 + ["scheduled"] * 4 + ["in_review"] * 4 + ["draft"] * 5 + ["archived"] * 3

DEMO_AREAS: list[tuple[str, dict[str, str], str]] = [
    (
        "storage",
        {"en": "Storage", "nl": "Opslag", "de": "Speicher", "fr": "Stockage", "sv": "Lagring", "pl": "Pamięć masowa"},
        "Arrays, file and object storage, and what is new in the line-up.",
    ),
    (
        "server",
        {"en": "Servers", "nl": "Servers", "de": "Server", "fr": "Serveurs", "sv": "Servrar", "pl": "Serwery"},
        "Rack, tower and edge servers, with configuration tips.",
    ),
    (
        "cloud",
        {"en": "Cloud", "nl": "Cloud", "de": "Cloud", "fr": "Cloud", "sv": "Moln", "pl": "Chmura"},
        "Hybrid cloud services and the programmes that pay partners for them.",
    ),
    (
        "security",
        {
            "en": "Security",
            "nl": "Beveiliging",
            "de": "Sicherheit",
            "fr": "Sécurité",
            "sv": "Säkerhet",
            "pl": "Bezpieczeństwo",
        },
        "Zero trust, ransomware protection and compliance selling points.",
    ),
    (
        "networking",
        {"en": "Networking", "nl": "Netwerken", "de": "Netzwerk", "fr": "Réseau", "sv": "Nätverk", "pl": "Sieci"},
        "Switching, Wi-Fi and SD-WAN for campus and branch.",
    ),
    (
        "client-devices",
        {
            "en": "Client devices",
            "nl": "Werkplekapparatuur",
            "de": "Endgeräte",
            "fr": "Postes clients",
            "sv": "Klientenheter",
            "pl": "Urządzenia klienckie",
        },
        "Laptops, desktops and displays for the modern workplace.",
    ),
    (
        "data-protection",
        {
            "en": "Data protection",
            "nl": "Databescherming",
            "de": "Datensicherung",
            "fr": "Protection des données",
            "sv": "Dataskydd",
            "pl": "Ochrona danych",
        },
        "Backup, recovery and immutable copies.",
    ),
    (
        "hci",
        {"en": "HCI", "nl": "HCI", "de": "HCI", "fr": "HCI", "sv": "HCI", "pl": "HCI"},
        "Hyperconverged infrastructure, sizing and migrations.",
    ),
    (
        "services",
        {"en": "Services", "nl": "Diensten", "de": "Services", "fr": "Services", "sv": "Tjänster", "pl": "Usługi"},
        "Support, deployment and managed services partners can resell.",
    ),
]


def demo_interest_areas(session: Session, _rng: random.Random) -> str:
    existing = set(session.scalars(select(InterestArea.slug)))
    created = 0
    for position, (slug, names, description) in enumerate(DEMO_AREAS):
        if slug not in existing:
            session.add(InterestArea(slug=slug, names=names, descriptions={"en": description}, position=position))
            created += 1
    session.flush()
    return f"{created} interest areas created" if created else "interest areas already there"


def demo_content(session: Session, rng: random.Random) -> str:
    if session.scalar(select(func.count()).select_from(ContentItem)):
        return "content already there"
    marketer = find_user_by_email(session, DEMO_MARKETER_EMAIL)
    admin = find_user_by_email(session, DEMO_ADMIN_EMAIL)
    if marketer is None or admin is None:
        return "skipped: the demo users are missing"
    areas = {area.slug: area for area in session.scalars(select(InterestArea))}
    midnight = utc_now().replace(hour=0, minute=0, second=0, microsecond=0)
    plan = PLAN[:]
    rng.shuffle(plan)
    for number, (slug, product, kind) in enumerate(_demo_subjects(rng)):
        item = _demo_item(session, rng, number, areas, slug, product, kind, marketer)
        _walk_workflow(session, item, plan[number], midnight, rng, marketer=marketer, admin=admin)
        if kind in (ContentKind.EVENT, ContentKind.TRAINING):  # by number: the rng's draws stay as they were
            item.starts_at = midnight + dt.timedelta(days=7 + number % 21, hours=8 + number % 6)
            item.ends_at = item.starts_at + dt.timedelta(hours=2 if kind is ContentKind.TRAINING else 6)
    session.flush()
    return f"{DEMO_ITEMS} content items created"


def _demo_subjects(rng: random.Random) -> list[tuple[str, str, ContentKind]]:
    """Forty distinct (area, product, kind) subjects, every area among the first nine."""
    pool = [
        (slug, product, kind) for slug, products in PRODUCTS.items() for product in products for kind in ContentKind
    ]
    rng.shuffle(pool)
    first = [next(subject for subject in pool if subject[0] == slug) for slug in PRODUCTS]
    rest = [subject for subject in pool if subject not in first]
    return first + rest[: DEMO_ITEMS - len(first)]


def _demo_item(
    session: Session,
    rng: random.Random,
    number: int,
    areas: dict[str, InterestArea],
    slug: str,
    product: str,
    kind: ContentKind,
    marketer: User,
) -> ContentItem:
    locales = ["en", *sorted(rng.sample(OTHER_LOCALES, rng.choice((2, 2, 3, 4))))]
    slots = {
        "product": product,
        "city": rng.choice(CITIES),
        "percent": rng.choice((3, 5, 8)),
        "quarter": f"Q{rng.randint(1, 4)}",
    }
    variants = {}
    for locale in locales:
        title, summary, body = (text.format(area=areas[slug].name(locale), **slots) for text in TEXTS[kind][locale])
        variants[locale] = VariantInput(title, summary, body, cta_label=CTA_LABELS[kind][locale])
    extra_area = [areas[rng.choice(list(PRODUCTS))].id] if rng.random() < 0.3 else []
    tiers = current_app.config["CHANNELCAST"].partner_tiers
    data = ItemInput(
        kind=kind,
        area_ids=[areas[slug].id, *extra_area],
        allowed_tiers=rng.choice([(), (), (), tiers[-2:], tiers[-3:]]),  # some for the upper tiers only
        default_locale=locales[1] if number % 8 == 7 else "en",
        priority=rng.choice((30, 50, 50, 50, 70, 90)),
        cta_url=f"https://partners.example.com/{kind.value}s/{product.lower().replace(' ', '-')}",
        variants=variants,
    )
    picture = _DemoFile(_demo_image(rng, variants["en"].title, slug), f"{slug}-{number + 1}.png")
    image = store_upload(session, storage_for(), picture, uploaded_by=marketer)
    return save_item(session, None, data, by=marketer, tiers=tiers, hero_image=image)


def _walk_workflow(
    session: Session,
    item: ContentItem,
    outcome: str,
    midnight: dt.datetime,
    rng: random.Random,
    *,
    marketer: User,
    admin: User,
) -> None:
    """Move the item along the path its outcome needs, with believable times in the past."""
    if outcome == "draft":
        return
    days_ago = rng.randint(2, 40)
    written = midnight - dt.timedelta(days=days_ago, hours=rng.randint(1, 8))
    move_item(session, item, ContentStatus.IN_REVIEW, by=marketer, now=written)
    if outcome == "in_review":
        return
    move_item(session, item, ContentStatus.APPROVED, by=admin, now=written + dt.timedelta(hours=3))
    if outcome == "scheduled":
        item.publish_at = midnight + dt.timedelta(days=rng.randint(1, 14), hours=9)
        return
    move_item(session, item, ContentStatus.PUBLISHED, by=marketer, now=written + dt.timedelta(hours=5))
    if outcome == "expired":
        item.expires_at = midnight - dt.timedelta(days=1)
    elif outcome == "archived":
        move_item(session, item, ContentStatus.ARCHIVED, by=admin, now=written + dt.timedelta(days=1))
    elif rng.random() < 0.25:
        item.expires_at = midnight + dt.timedelta(days=rng.randint(10, 60))


class _DemoFile(io.BytesIO):
    def __init__(self, data: bytes, filename: str) -> None:
        super().__init__(data)
        self.filename: str | None = filename


def _demo_image(rng: random.Random, title: str, slug: str, size: tuple[int, int] = (1200, 628)) -> bytes:
    """A gradient in the area's colours, a few translucent shapes and the title: drawn, not downloaded."""
    top, bottom = AREA_COLOURS[slug]
    mask = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180))).resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(rng.randint(3, 6)):
        x, y, radius = rng.randint(0, size[0]), rng.randint(0, size[1]), rng.randint(60, 260)
        box = (x - radius, y - radius, x + radius, y + radius)
        fill = (255, 255, 255, rng.randint(25, 60))
        (draw.ellipse if rng.random() < 0.6 else draw.rectangle)(box, fill=fill)
    font = ImageFont.load_default(size=54)
    lines = textwrap.wrap(title, width=32)[:3]
    y = size[1] - 70 - 66 * len(lines)
    for line in lines:
        draw.text((62, y + 3), line, font=font, fill=(0, 0, 0, 90))
        draw.text((60, y), line, font=font, fill=(255, 255, 255, 255))
        y += 66
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # store_upload re-encodes it anyway
    return buffer.getvalue()
