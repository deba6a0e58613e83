"""Demo partners and contacts: 60 partners in six countries, 400 contacts with varied wishes."""

from __future__ import annotations

import datetime as dt
import random

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.auth.models import Role, User
from core.config import DEFAULT_TIERS
from core.db import utc_now
from subscribers.models import (
    ConsentRecord,
    ConsentSource,
    Contact,
    ContactStatus,
    DistributorTeam,
    Partner,
    PartnerType,
    SuppressionReason,
)
from subscribers.schedule import Frequency
from subscribers.suppression import suppress

PARTNERS = 60
CONTACTS = 400
# country, locale, time zones (the last ones for colleagues abroad), account manager, distributor team
COUNTRIES = [
    ("NL", "nl", ["Europe/Amsterdam"], "anna.devries", ("Techdata Benelux channel team", "+31 30 555 0200")),
    ("DE", "de", ["Europe/Berlin", "Europe/Vienna"], "anna.devries", ("Also DACH Partnerteam", "+49 89 555 0300")),
    ("FR", "fr", ["Europe/Paris"], "claire.martin", ("Exclusive Networks équipe partenaires", "+33 1 55 50 03 00")),
    ("SE", "sv", ["Europe/Stockholm", "Europe/Helsinki"], "jonas.berg", ("Dustin partnerteam", "+46 8 555 0400")),
    ("PL", "pl", ["Europe/Warsaw"], "jonas.berg", ("AB S.A. zespół partnerski", "+48 22 555 0500")),
    (
        "GB",
        "en",
        ["Europe/London", "America/New_York", "Asia/Singapore"],
        "claire.martin",
        ("Westcoast channel team", "+44 20 5550 0600"),
    ),
]
NAME_PARTS = (
    ["Nord", "Blue", "Delta", "Prime", "Orbit", "Cedar", "Atlas", "Vector", "Harbor", "Summit", "Polar", "Lumen"],
    ["Systems", "IT", "Data", "Networks", "Solutions", "Cloud", "Tech", "Digital", "Integration", "Services"],
)
SUBCATEGORIES = {
    PartnerType.SOLUTION: ["MSP", "system integrator", "cloud provider"],
    PartnerType.SALES: ["reseller", "e-tailer", "distributor"],
    PartnerType.SERVICE: ["maintenance", "deployment"],
    PartnerType.INFLUENCER: ["consultant", "analyst"],
}
FIRST_NAMES = [
    "Sanne",
    "Lukas",
    "Chloé",
    "Erik",
    "Zofia",
    "Oliver",
    "Daan",
    "Mia",
    "Hugo",
    "Elsa",
    "Piotr",
    "Amelia",
    "Jens",
    "Léa",
    "Karin",
    "Tomasz",
    "Fleur",
    "Felix",
    "Inès",
    "Nils",
]
LAST_NAMES = [
    "Bakker",
    "Schneider",
    "Lefebvre",
    "Lindqvist",
    "Nowak",
    "Smith",
    "Visser",
    "Weber",
    "Moreau",
    "Johansson",
    "Kowalski",
    "Taylor",
    "Mulder",
    "Fischer",
    "Girard",
    "Berg",
]
JOB_ROLES = ["Marketing manager", "Sales director", "Presales engineer", "Owner", "Account executive", "CTO"]
COLOURS = ["#0b5cad", "#1f7a4d", "#a4161a", "#6b3fa0", "#d97706", "#0f766e", "#334155"]


def _tiered(rng: random.Random, tiers: tuple[str, ...]) -> str:
    """More small partners than big ones: the lowest tier most often."""
    weights = list(range(len(tiers), 0, -1))
    return rng.choices(tiers, weights=weights)[0]


def _teams() -> dict[str, DistributorTeam]:
    """One distributor channel team per country, for the small partners there."""
    return {
        country: DistributorTeam(
            name=name, email=f"partners@{name.split()[0].lower()}.example", phone=phone, countries=[country]
        )
        for country, _locale, _zones, _manager, (name, phone) in COUNTRIES
    }


def _partner(
    rng: random.Random,
    number: int,
    tiers: tuple[str, ...],
    managers: dict[str, User],
    teams: dict[str, DistributorTeam],
) -> Partner:
    country, locale, _zones, manager_key, _team = COUNTRIES[number % len(COUNTRIES)]
    kind = rng.choice(list(PartnerType))
    tier = _tiered(rng, tiers)
    name = f"{NAME_PARTS[0][number % 12]} {NAME_PARTS[1][(number * 7) % 10]} {country}"
    domain = name.lower().replace(" ", "") + ".example"
    small = tier == tiers[0]
    partner = Partner(
        name=name,
        tier=tier,
        type=kind,
        subcategory=rng.choice(SUBCATEGORIES[kind]),
        country=country,
        default_locale=locale,
        account_manager=None if small else managers.get(manager_key),
        distributor_team=teams[country] if small else None,
        brand_primary_color=rng.choice(COLOURS),
        brand_accent_color=rng.choice(COLOURS),
        brand_website=f"https://www.{domain}",
        brand_phone=f"+{rng.randint(30, 49)} {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        brand_email=f"info@{domain}",
        brand_postal_address=f"{rng.choice(['Main', 'Harbour', 'Station'])} Street {rng.randint(1, 200)}, {country}",
        brand_tagline=rng.choice(["Your IT, handled.", "Technology that works.", "Built for what's next.", ""]),
    )
    if not small and rng.random() < 0.3:
        others = [user for key, user in managers.items() if key != manager_key]
        pick = rng.choice(others) if others else None  # drawn from everyone, so the demo's other picks stay put
        partner.backup_manager = pick if pick is not None and pick.role is Role.ACCOUNT_MANAGER else None
    return partner


def _status(rng: random.Random, today: dt.date) -> tuple[ContactStatus, dt.date | None]:
    roll = rng.random()
    if roll < 0.80:
        return ContactStatus.ACTIVE, None
    if roll < 0.88:
        return ContactStatus.PAUSED, today + dt.timedelta(days=rng.randint(5, 90))
    if roll < 0.95:
        return ContactStatus.UNSUBSCRIBED, None
    if roll < 0.98:
        return ContactStatus.BOUNCED, None
    return ContactStatus.COMPLAINED, None


SUPPRESSION_FOR = {
    ContactStatus.UNSUBSCRIBED: SuppressionReason.UNSUBSCRIBED,
    ContactStatus.BOUNCED: SuppressionReason.BOUNCED,
    ContactStatus.COMPLAINED: SuppressionReason.COMPLAINED,
}


def _contact(rng: random.Random, number: int, partner: Partner, areas: list[InterestArea]) -> Contact:
    zones = next(entry[2] for entry in COUNTRIES if entry[0] == partner.country)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = partner.name.lower().replace(" ", "") + ".example"
    status, paused_until = _status(rng, utc_now().date())
    contact = Contact(
        partner=partner,
        email=f"{first.lower().replace('é', 'e').replace('è', 'e')}.{last.lower()}{number}@{domain}",
        name=f"{first} {last}",
        job_role=rng.choice(JOB_ROLES),
        locale=partner.default_locale if rng.random() < 0.85 else "en",
        timezone=zones[0] if rng.random() < 0.8 else rng.choice(zones),
        status=status,
        paused_until=paused_until,
        frequency=rng.choices(list(Frequency), weights=[3, 2, 4, 1])[0],
        preferred_weekday=rng.choices(range(7), weights=[3, 5, 4, 4, 2, 1, 1])[0],
        preferred_hour=rng.choice([7, 8, 9, 9, 9, 10, 11, 14, 16]),
        interests=sorted(rng.sample(areas, rng.randint(1, 4)), key=lambda area: area.position),
    )
    contact.consent_records.append(
        ConsentRecord(
            action="subscribed", source=rng.choice([ConsentSource.FORM, ConsentSource.IMPORT]), detail="demo data"
        )
    )
    return contact


def demo_partners_and_contacts(session: Session, rng: random.Random) -> str:
    if session.scalar(select(func.count(Partner.id))):
        return "partners already there"
    tiers = current_app.config["CHANNELCAST"].partner_tiers if has_app_context() else DEFAULT_TIERS
    managers = {user.email.split("@")[0]: user for user in session.scalars(select(User))}
    teams = _teams()
    partners = [_partner(rng, number, tiers, managers, teams) for number in range(PARTNERS)]
    session.add_all(partners)
    areas = list(session.scalars(select(InterestArea).where(InterestArea.is_active.is_(True))))
    contacts = [_contact(rng, number, partners[rng.randrange(PARTNERS)], areas) for number in range(CONTACTS)]
    session.add_all(contacts)
    session.flush()
    for contact in contacts:
        reason = SUPPRESSION_FOR.get(contact.status)
        if reason is not None:
            suppress(session, contact.email, reason, source="demo")
    return f"{PARTNERS} partners and {CONTACTS} contacts created"
