"""Demo content: the nine interest areas every demo vendor has."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import InterestArea

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
