"""Distributor channel teams: the named contact of small partners, kept once and picked from a list.

Admins and marketers add and edit them; a partner's form offers them. A team's details (name,
email, phone) are what its partners' newsletters and preference pages show as their contact.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import changes_between, record
from core.mail.addresses import normalise_email
from subscribers.brand_editor import international_phone, plain_text
from subscribers.countries import country_codes
from subscribers.models import DistributorTeam, Partner


class TeamInvalid(ValueError):
    """A team that cannot be saved as asked: the message per form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class TeamDraft:
    name: str
    email: str
    phone: str
    countries: tuple[str, ...]


def _checked(session: Session, draft: TeamDraft, team: DistributorTeam | None) -> dict[str, object]:
    """The values to store, or TeamInvalid with every problem at once."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    name = plain_text(draft.name)
    if not name:
        errors["name"] = _("Give the team a name.") if name == "" else _("Plain text only, on one line.")
    elif len(name) > 200:
        errors["name"] = _("At most %(count)s characters.", count=200)
    else:
        same = select(DistributorTeam.id).where(func.lower(DistributorTeam.name) == name.lower())
        if team is not None:
            same = same.where(DistributorTeam.id != team.id)
        if session.scalar(same) is not None:
            errors["name"] = _("There is already a team called %(name)s.", name=name)
        values["name"] = name
    try:
        values["email"] = normalise_email(validate_email(draft.email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        errors["email"] = _("Give the team's email address, e.g. partners@distributor.example.")
    unknown = sorted(set(draft.countries) - country_codes())
    if unknown:
        errors["countries"] = _(
            "Not a country code: %(codes)s. Use two letters, e.g. NL, BE.", codes=", ".join(unknown)
        )
    values["countries"] = sorted(set(draft.countries))
    values["phone"] = ""
    if draft.phone.strip():
        try:
            values["phone"] = international_phone(draft.phone.strip(), (draft.countries or ("NL",))[0])
        except phonenumbers.NumberParseException:
            errors["phone"] = _("This is not a valid phone number; start with + and the country code.")
    if errors:
        raise TeamInvalid(errors)
    return values


def _facts(team: DistributorTeam) -> dict[str, object]:
    return {"name": team.name, "email": team.email, "phone": team.phone, "countries": team.countries}


def create_team(session: Session, draft: TeamDraft) -> DistributorTeam:
    team = DistributorTeam(**_checked(session, draft, None))
    session.add(team)
    session.flush()
    _record(session, "distributor_team.create", team, changes_between({}, _facts(team)))
    return team


def update_team(session: Session, team: DistributorTeam, draft: TeamDraft) -> bool:
    """Save the edit; returns whether anything changed (every partner of the team shows the new details)."""
    before = _facts(team)
    for name, value in _checked(session, draft, team).items():
        setattr(team, name, value)
    session.flush()
    changes = changes_between(before, _facts(team))
    if changes:
        _record(session, "distributor_team.update", team, changes)
    return bool(changes)


def _record(session: Session, action: str, team: DistributorTeam, changes: dict[str, tuple[object, object]]) -> None:
    record(session, action, object_type="distributor_team", object_id=team.id, object_label=team.name,
           changes=changes)  # fmt: skip


def teams_with_partner_counts(session: Session) -> list[tuple[DistributorTeam, int]]:
    """Every team by name, with how many partners (archived ones left out) it looks after."""
    counts = (
        select(Partner.distributor_team_id, func.count(Partner.id).label("partners"))
        .where(Partner.archived_at.is_(None))
        .group_by(Partner.distributor_team_id)
        .subquery()
    )
    rows = session.execute(
        select(DistributorTeam, func.coalesce(counts.c.partners, 0))
        .outerjoin(counts, counts.c.distributor_team_id == DistributorTeam.id)
        .order_by(DistributorTeam.name)
    ).all()
    return [(team, int(count)) for team, count in rows]


def all_teams(session: Session) -> list[DistributorTeam]:
    return list(session.scalars(select(DistributorTeam).order_by(DistributorTeam.name)))
