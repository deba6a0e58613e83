"""How the trail's partner, contact and portal-user changes read on a page: the forms' names, names for codes.

The trail records codes and stored values (a country "NL", a language "nl", a status "paused"); the
audit page and every history show the names the partner and contact pages use, in the reader's language.
"""

from __future__ import annotations

import calendar

from babel.dates import get_day_names
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from content.languages import language_name
from content.models import InterestArea
from core.audit import YES_NO, each, form_labels, register_change_labels, stored_day
from core.config import LOCALES
from core.db import db
from core.display import reader_locale
from subscribers.admin_partners import TYPE_LABELS
from subscribers.countries import country_name
from subscribers.forms import CONTACT_STATUS_LABELS, FREQUENCY_LABELS, ContactForm, PartnerForm, TeamForm
from subscribers.programme.forms import CertificationForm, CompetencyForm

# A personal field's change is recorded as a marker, never with its values.
PERSONAL_MARKERS = {"changed": _l("changed"), "set": _l("set")}
PARTNER_STATES = {"active": _l("Active"), "archived": _l("Archived")}
_ENGLISH_DAYS = {name: index for index, name in enumerate(calendar.day_name)}


def weekday_name(stored: str) -> str | None:
    """A weekday recorded in English ("Monday") as the reader names it ("maandag")."""
    index = _ENGLISH_DAYS.get(stored)
    return None if index is None else str(get_day_names("wide", locale=reader_locale())[index])


def area_names(stored: str) -> str:
    """Interest areas recorded by slug ("cloud, security"), by their names in the reader's language."""
    slugs = stored.split(", ")
    areas = db.session.scalars(select(InterestArea).where(InterestArea.slug.in_(slugs)))
    names = {area.slug: area.name() for area in areas}
    return ", ".join(names.get(slug, slug) for slug in slugs)


def init_change_labels(app: Flask) -> None:
    partner_fields = form_labels(PartnerForm, {
        "name": "name", "tier": "tier", "type": "type", "subcategory": "subcategory", "country": "country",
        "language": "default_locale", "account manager": "account_manager_id", "stand-in": "backup_manager_id",
        "distributor team": "distributor_team_id",
    })  # fmt: skip
    register_change_labels(
        app, "partner", fields={**partner_fields, "state": _l("Status")},
        values={"tier": str.capitalize, "type": TYPE_LABELS, "country": country_name, "language": language_name,
                "state": PARTNER_STATES},
    )  # fmt: skip
    contact_fields = form_labels(ContactForm, {
        "email": "email", "name": "name", "job role": "job_role", "paused until": "paused_until",
        "interests": "interests", "frequency": "frequency", "weekday": "preferred_weekday",
        "hour": "preferred_hour", "language": "locale", "time zone": "timezone",
    })  # fmt: skip
    certification_fields = form_labels(CertificationForm, {
        "competency": "competency_id", "certificate": "name", "earned on": "earned_on", "expires on": "expires_on",
    })  # fmt: skip
    register_change_labels(
        app, "contact",
        fields={**contact_fields, **certification_fields, "partner": _l("Partner"), "status": _l("Status")},
        values={"email": PERSONAL_MARKERS, "name": PERSONAL_MARKERS, "job role": PERSONAL_MARKERS,
                "status": CONTACT_STATUS_LABELS, "paused until": stored_day, "interests": area_names,
                "frequency": FREQUENCY_LABELS, "weekday": weekday_name, "language": language_name,
                "earned on": stored_day, "expires on": stored_day},
    )  # fmt: skip
    register_change_labels(
        app, "portal_user",
        fields={"email": _l("Email"), "name": _l("Name"), "locale": _l("Language"), "active": _l("Active")},
        values={"locale": language_name, "active": YES_NO},
    )  # fmt: skip
    team_fields = form_labels(TeamForm, {"name": "name", "email": "email", "phone": "phone", "countries": "countries"})
    register_change_labels(app, "distributor_team", fields=team_fields, values={"countries": each(country_name)})
    names = {f"name_{locale}": f"name_{locale}" for locale in LOCALES}
    competency_fields = form_labels(CompetencyForm, {"slug": "slug", "interest areas": "area_ids", **names})
    register_change_labels(app, "competency", fields=competency_fields)
