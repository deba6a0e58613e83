"""How a campaign's recorded changes read on the audit page and in its history: the form's names, status names."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from campaigns.planning.forms import CampaignForm
from campaigns.planning.models import CampaignStatus
from content.languages import language_name
from content.models import Competency
from core.audit import each, form_labels, register_change_labels, stored_moment
from core.db import db
from subscribers.admin_partners import TYPE_LABELS
from subscribers.countries import country_name


def status_name(stored: str) -> str | None:
    """A status as the campaign pages name it ("Beëindigd"), from its stored value ("ended")."""
    try:
        return CampaignStatus(stored).display_name
    except ValueError:
        return None


def competency_name(stored: str) -> str | None:
    competency = db.session.get(Competency, int(stored)) if stored.isdigit() else None
    return competency.name() if competency is not None else None


def init_change_labels(app: Flask) -> None:
    fields = form_labels(CampaignForm, {
        "name": "name", "goal": "goal", "timezone": "timezone", "launch_at": "launch_at", "ends_at": "ends_at",
        "tiers": "tiers", "partner_types": "partner_types", "countries": "countries", "locales": "locales",
        "interest_areas": "interest_areas", "content_items": "content_items",
        "required_competency": "required_competency_id",
    })  # fmt: skip
    register_change_labels(
        app, "campaign", fields={**fields, "status": _l("Status")},
        values={"status": status_name, "launch_at": stored_moment, "ends_at": stored_moment,
                "tiers": each(str.capitalize), "partner_types": each(TYPE_LABELS), "countries": each(country_name),
                "locales": each(language_name), "required_competency": competency_name},
    )  # fmt: skip
