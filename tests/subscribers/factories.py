"""Factories for partners and contacts (the session comes from tests.factories)."""

from __future__ import annotations

import datetime as dt

import factory

from subscribers.models import Contact, ContactStatus, DistributorTeam, Partner, PartnerType
from subscribers.programme.models import Certification
from subscribers.schedule import Frequency
from tests.factories import BaseFactory


class DistributorTeamFactory(BaseFactory[DistributorTeam]):
    class Meta:
        model = DistributorTeam

    name = factory.Sequence(lambda n: f"Distributor {n} channel team")
    email = factory.Sequence(lambda n: f"channel{n}@distributor.example")
    phone = "+31 30 555 0200"
    countries = factory.LazyFunction(lambda: ["NL"])


class PartnerFactory(BaseFactory[Partner]):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n} BV")
    tier = "gold"
    type = PartnerType.SOLUTION
    country = "NL"
    default_locale = "nl"


class ContactFactory(BaseFactory[Contact]):
    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    email = factory.Sequence(lambda n: f"contact{n}@partner.example")
    name = factory.Sequence(lambda n: f"Contact {n}")
    locale = "en"
    timezone = "Europe/Amsterdam"
    status = ContactStatus.ACTIVE
    frequency = Frequency.WEEKLY
    preferred_weekday = 1
    preferred_hour = 9
    link_version = 1


class CertificationFactory(BaseFactory[Certification]):
    class Meta:
        model = Certification

    contact = factory.SubFactory(ContactFactory)
    name = factory.Sequence(lambda n: f"Certificate {n}")
    earned_on = dt.date(2025, 1, 1)
    expires_on = None
