"""A generated audience for the newsletter benchmark and the multi-process tests.

Deterministic for a seed: partners across tiers, types, countries and languages; contacts with
one to three interest areas, mixed rhythms and European time zones, all due at `DUE_AT`;
published items in several languages. Contacts go in with bulk inserts (executemany).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from bench.content_selection import AREAS
from content.models import (
    ContentItem,
    ContentItemTier,
    ContentKind,
    ContentStatus,
    ContentVariant,
    InterestArea,
    content_item_areas,
)
from core.config import DEFAULT_TIERS, LOCALES
from subscribers.models import Contact, ContactStatus, DistributorTeam, Partner, PartnerType, contact_interests
from subscribers.schedule import Frequency

# Tuesday 3 March 2026, 23:00 UTC: every weekly, fortnightly, monthly and quarterly contact in
# Europe whose newsletter is on Tuesday morning is due, and none has had this period's yet.
DUE_AT = dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC)
ZONES = ("Europe/Amsterdam", "Europe/Berlin", "Europe/Paris", "Europe/Stockholm", "Europe/Warsaw", "Europe/Brussels")
COUNTRIES = ("NL", "DE", "FR", "SE", "PL", "BE")
HOURS = (9, 9, 9, 9, 8)  # most partners read the vendor's news at nine


@dataclass(frozen=True)
class Audience:
    contacts: int
    partners: int
    items: int
    area_ids: tuple[int, ...]


def _areas(session: Session) -> list[int]:
    existing = {a.slug: a.id for a in session.scalars(select(InterestArea))}
    for position, slug in enumerate(AREAS):
        if slug not in existing:
            area = InterestArea(slug=slug, names={"en": slug.replace("-", " ").title()}, position=position)
            session.add(area)
            session.flush()
            existing[slug] = area.id
    return [existing[slug] for slug in AREAS]


def _items(session: Session, rng: random.Random, area_ids: list[int], count: int) -> None:
    for n in range(count):
        locales = ["en", *rng.sample(LOCALES[1:], 2)]
        item = ContentItem(
            kind=rng.choice(list(ContentKind)),
            status=ContentStatus.PUBLISHED,
            default_locale="en",
            publish_at=DUE_AT - dt.timedelta(hours=rng.randint(1, 24 * 60)),
            priority=rng.choice((30, 50, 50, 50, 70)),
            cta_url=f"https://vendor.example/news/{n}",
            interest_areas=[],
        )
        item.variants = [
            ContentVariant(
                locale=locale,
                title=f"Item {n} for partners ({locale}): what is new this month",
                summary="A short summary of the news, two sentences long, the way marketing writes them. " * 2,
                body="",
                cta_label=f"Read more ({locale})",
            )
            for locale in locales
        ]
        session.add(item)
        session.flush()
        session.execute(
            insert(content_item_areas),
            [{"item_id": item.id, "area_id": a} for a in rng.sample(area_ids, rng.randint(1, 2))],
        )
        if rng.random() < 0.2:
            session.add(ContentItemTier(item_id=item.id, tier=rng.choice(DEFAULT_TIERS[2:])))


def generate(engine: Engine, *, contacts: int, partners: int = 1000, items: int = 200, seed: int = 7) -> Audience:
    """Fill an empty, migrated database; returns what it made."""
    rng = random.Random(seed)
    partners = min(partners, max(1, contacts))
    with Session(engine) as session:
        area_ids = _areas(session)
        _items(session, rng, area_ids, items)
        team = DistributorTeam(
            name="Channel team Benelux", email="channel@distributor.example", phone="+31 20 555 0199", countries=["NL"]
        )
        session.add(team)
        session.flush()
        partner_rows = [
            {
                "name": f"Partner {n:05d} BV",
                "tier": rng.choice(DEFAULT_TIERS),
                "type": rng.choice(list(PartnerType)),
                "subcategory": "",
                "country": COUNTRIES[n % len(COUNTRIES)],
                "default_locale": LOCALES[n % len(LOCALES)],
                "distributor_team_id": team.id,
                "brand_version": "",
            }
            for n in range(partners)
        ]
        session.execute(insert(Partner), partner_rows)
        partner_ids = list(session.scalars(select(Partner.id).order_by(Partner.id)))
        session.commit()
    _contacts(engine, rng, partner_ids, area_ids, contacts)
    with engine.begin() as connection:  # fresh statistics, as autovacuum would gather in production
        connection.exec_driver_sql("ANALYZE")
    return Audience(contacts=contacts, partners=partners, items=items, area_ids=tuple(area_ids))


def _contacts(engine: Engine, rng: random.Random, partner_ids: list[int], area_ids: list[int], count: int) -> None:
    rhythms = (
        (Frequency.WEEKLY,) * 10 + (Frequency.FORTNIGHTLY,) * 4 + (Frequency.MONTHLY,) * 5 + (Frequency.QUARTERLY,)
    )
    # Interests cluster: most contacts pick one of a few popular combinations.
    interest_sets = [tuple(rng.sample(area_ids, rng.choice((1, 1, 2, 2, 3)))) for _ in range(40)]
    interest_sets = [interest_sets[min(int(rng.paretovariate(1.2)) - 1, 39)] for _ in range(400)]
    with engine.begin() as connection:
        first_id = (connection.scalar(select(Contact.id).order_by(Contact.id.desc()).limit(1)) or 0) + 1
        for start in range(0, count, 5000):
            chunk = range(start, min(start + 5000, count))
            rows: list[dict[str, object]] = []
            links: list[dict[str, int]] = []
            for n in chunk:
                contact_id = first_id + n
                partner_index = n % len(partner_ids)
                rows.append(
                    {
                        "id": contact_id,
                        "partner_id": partner_ids[partner_index],
                        "email": f"contact{n}@partner{partner_index}.example",
                        "name": f"Contact {n}",
                        "job_role": "Marketing",
                        "locale": LOCALES[rng.randrange(len(LOCALES))],
                        "timezone": ZONES[partner_index % len(ZONES)],
                        "status": ContactStatus.ACTIVE,
                        "frequency": rng.choice(rhythms),
                        "preferred_weekday": 1,
                        "preferred_hour": rng.choice(HOURS),
                        "link_version": 1,
                    }
                )
                links.extend({"contact_id": contact_id, "interest_area_id": a} for a in rng.choice(interest_sets))
            connection.execute(insert(Contact), rows)
            connection.execute(insert(contact_interests), links)
