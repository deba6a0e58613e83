"""Certifications of partners' people, and the requirements table: the staff's changes to both.

Each change is checked whole (errors by form field, nothing written) and written to the audit
trail under the partner's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Competency
from core.audit import changes_between, record
from subscribers.audit import record_contact
from subscribers.models import Contact
from subscribers.programme.models import Certification, CompetencyRequirement

NAME_MAX = 200
PEOPLE_MAX = 1_000


class ProgrammeInvalid(ValueError):
    """What is wrong with a programme form, by field; nothing is saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def certification_problems(
    competency: Competency | None, name: str, earned_on: dt.date | None, expires_on: dt.date | None, today: dt.date
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if competency is None:
        errors["competency_id"] = _("Choose a competency from the list.")
    if not name:
        errors["name"] = _("Give the certificate's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %(count)s characters.", count=NAME_MAX)
    if earned_on is None:
        errors["earned_on"] = _("Give the day it was earned.")
    elif earned_on > today:
        errors["earned_on"] = _("The day it was earned cannot be in the future.")
    if earned_on is not None and expires_on is not None and expires_on < earned_on:
        errors["expires_on"] = _(
            "It expires (%(expires)s) before it was earned (%(earned)s): check both days.",
            expires=expires_on.isoformat(), earned=earned_on.isoformat(),
        )  # fmt: skip
    return errors


def _facts(certification: Certification) -> dict[str, object]:
    return {
        "competency": certification.competency.name(),
        "certificate": certification.name,
        "earned on": certification.earned_on.isoformat(),
        "expires on": certification.expires_on.isoformat() if certification.expires_on else "",
    }


def add_certification(
    session: Session,
    contact: Contact,
    *,
    competency_id: int | None,
    name: str,
    earned_on: dt.date | None,
    expires_on: dt.date | None,
    today: dt.date,
) -> Certification:
    name = " ".join(name.split())
    competency = session.get(Competency, competency_id) if competency_id else None
    errors = certification_problems(competency, name, earned_on, expires_on, today)
    if not errors and earned_on is not None and competency is not None:
        same = select(Certification.id).where(
            Certification.contact_id == contact.id, Certification.competency_id == competency.id,
            Certification.name == name, Certification.earned_on == earned_on,
        )  # fmt: skip
        if session.scalar(same) is not None:
            who = contact.name or contact.email
            errors["name"] = _("%(name)s already has this certificate from that day.", name=who)
    if errors or competency is None or earned_on is None:
        raise ProgrammeInvalid(errors)
    certification = Certification(
        contact_id=contact.id, competency=competency, name=name, earned_on=earned_on, expires_on=expires_on
    )
    session.add(certification)
    session.flush()
    record_contact(session, "certification.add", contact, changes=changes_between({}, _facts(certification)))
    return certification


def remove_certification(session: Session, certification: Certification) -> None:
    contact = certification.contact
    facts = _facts(certification)
    session.delete(certification)
    session.flush()
    record_contact(session, "certification.remove", contact, changes=changes_between(facts, {}))


def requirement_table(session: Session) -> dict[tuple[str, int], int]:
    """(tier, competency id) -> people, for the table's rows."""
    return {(row.tier, row.competency_id): row.people for row in session.scalars(select(CompetencyRequirement))}


def save_requirements(
    session: Session,
    wanted: Mapping[tuple[str, int], str],
    *,
    tiers: Sequence[str],
    competencies: Sequence[Competency],
) -> int:
    """Replace the table with `wanted` ((tier, competency id) -> people as typed; empty: no row).

    Every cell is checked first: an unknown tier or competency, or a number out of range, is an
    error for that cell and nothing is saved. Returns how many cells changed.
    """
    known = {competency.id: competency for competency in competencies}
    errors: dict[str, str] = {}
    parsed: dict[tuple[str, int], int] = {}
    for (tier, competency_id), text in wanted.items():
        cell = f"people-{tier}-{competency_id}"
        if tier not in tiers:
            errors[cell] = _("%(tier)s is not a tier; the tiers are %(tiers)s.", tier=tier, tiers=", ".join(tiers))
        elif competency_id not in known:
            errors[cell] = _("Choose a competency from the list.")
        elif text.strip():
            if not text.strip().isdigit() or not 1 <= int(text.strip()) <= PEOPLE_MAX:
                errors[cell] = _("A whole number from 1 to %(max)s, or empty.", max=PEOPLE_MAX)
            else:
                parsed[(tier, competency_id)] = int(text.strip())
    if errors:
        raise ProgrammeInvalid(errors)
    before = requirement_table(session)
    rows = {(row.tier, row.competency_id): row for row in session.scalars(select(CompetencyRequirement))}
    changed: dict[str, tuple[object, object]] = {}
    for key in sorted(set(before) | set(parsed), key=lambda pair: (pair[0], pair[1])):
        old, new = before.get(key), parsed.get(key)
        if old == new:
            continue
        tier, competency_id = key
        label = f"{tier}: {known[competency_id].name() if competency_id in known else competency_id}"
        changed[label] = (old or "", new or "")
        if new is None:
            session.delete(rows[key])
        elif key in rows:
            rows[key].people = new
        else:
            session.add(CompetencyRequirement(tier=tier, competency_id=competency_id, people=new))
    session.flush()
    if changed:
        record(
            session, "competency_requirements.update", object_type="competency_requirements", object_id=None,
            object_label="competency requirements", changes=changed,
        )  # fmt: skip
    return len(changed)
