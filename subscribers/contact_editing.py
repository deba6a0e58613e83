"""Contacts changed by vendor staff: add, edit, pause and resume, move to another partner.

What a contact may choose (topics, rhythm, language, time zone, a pause) goes through the
preference centre's own services (`subscribers.services`), with source `admin` and the acting
vendor user in the consent log. What only staff set (address, name, job role, partner) is
checked here. Each change is one audit entry; a contact's entries never hold their address,
name or job role (erasure cannot rewrite the trail), only that those changed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from core.audit import changes_between, record
from core.auth.models import User
from core.mail.addresses import normalise_email
from core.webhooks import emit
from subscribers.audit import partner_scope, record_contact
from subscribers.brand_editor import plain_text
from subscribers.forms import CONTACT_STATUS_LABELS
from subscribers.models import ConsentSource, Contact, ContactStatus, Partner, SuppressionReason
from subscribers.services import (
    PreferenceChoice,
    PreferenceError,
    check_choice,
    find_contact,
    local_today,
    pause_contact,
    record_consent,
    resume_contact,
    update_preferences,
)
from subscribers.suppression import STATUS_FOR_SUPPRESSION, suppression_of
from subscribers.webhooks import CONTACT_CREATED, contact_payload

PERSONAL = ("email", "name", "job role")  # audited as "changed", never with their values
_SOURCE = ConsentSource.ADMIN


class ContactInvalid(ValueError):
    """A contact that cannot be saved as asked: the message per form field, nothing written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ContactDraft:
    """The contact form: who they are, and every choice of the preference centre."""

    email: str
    name: str
    job_role: str
    choice: PreferenceChoice
    paused_until: dt.date | None = None


def _address_problem(session: Session, email: str, contact: Contact | None) -> tuple[str, str | None]:
    """The normalised address, and why it cannot be this contact's (None when it can)."""
    if not email.strip():
        return "", _("Give the contact's email address.")
    try:
        address = normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        return email.strip(), _("%(email)s is not an email address.", email=email.strip())
    owner = find_contact(session, address)
    if owner is not None and owner is not contact:
        return address, _("%(email)s is already a contact of %(partner)s.", email=address, partner=owner.partner.name)
    suppressed = suppression_of(session, address)
    if suppressed is not None and suppressed.reason is SuppressionReason.ERASED:
        return address, _("This address was erased at the person's request: it cannot be added again.")
    return address, None


def _problems(session: Session, draft: ContactDraft, contact: Contact | None) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    address, problem = _address_problem(session, draft.email, contact)
    if problem:
        errors["email"] = problem
    for name, limit in (("name", 200), ("job_role", 100)):
        text = plain_text(getattr(draft, name))
        if text is None or len(text) > limit:
            errors[name] = _("Plain text only, on one line, at most %(count)s characters.", count=limit)
    try:
        check_choice(draft.choice)
    except PreferenceError as error:
        errors[error.field] = error.message
    return address, errors


def contact_facts(contact: Contact) -> dict[str, object]:
    """A contact as the audit trail compares it; personal fields only as a marker of change."""
    return {
        "email": contact.email, "name": contact.name, "job role": contact.job_role,
        "partner": contact.partner.name, "status": contact.status.value,
        "paused until": contact.paused_until, "interests": [area.slug for area in contact.interests],
        "frequency": contact.frequency.value, "weekday": calendar.day_name[contact.preferred_weekday],
        "hour": f"{contact.preferred_hour:02d}:00", "language": contact.locale, "time zone": contact.timezone,
    }  # fmt: skip


def _audited(before: dict[str, object], after: dict[str, object]) -> dict[str, tuple[object, object]]:
    changes = changes_between(before, after)
    for name in PERSONAL:
        if name in changes:
            changes[name] = ("", "changed") if before else ("", "set")
    return changes


def _pause_or_resume(session: Session, contact: Contact, until: dt.date | None, *, by: User, ip: str | None) -> None:
    if until == contact.paused_until:
        return
    if until is None:
        resume_contact(session, contact, source=_SOURCE, ip=ip, by=by)
        return
    if not contact.status.receives_mail:
        raise ContactInvalid({"paused_until": _("This contact gets no mail (%(status)s): there is nothing to pause.",
                                                status=CONTACT_STATUS_LABELS[contact.status.value])})  # fmt: skip
    if until <= local_today(contact):
        raise ContactInvalid({"paused_until": _("Choose a date in the future.")})
    pause_contact(session, contact, until, source=_SOURCE, ip=ip, by=by)


def create_contact(
    session: Session, partner: Partner, draft: ContactDraft, *, by: User, ip: str | None = None
) -> Contact:
    """A new contact of `partner`; a suppressed address starts stopped, as an import would make it."""
    address, errors = _problems(session, draft, None)
    if errors:
        raise ContactInvalid(errors)
    suppressed = suppression_of(session, address)
    status = STATUS_FOR_SUPPRESSION.get(suppressed.reason, ContactStatus.ACTIVE) if suppressed else ContactStatus.ACTIVE
    contact = Contact(
        partner=partner, email=address, name=plain_text(draft.name) or "", job_role=plain_text(draft.job_role) or "",
        status=status, timezone=draft.choice.timezone or "Europe/Amsterdam",
    )  # fmt: skip
    session.add(contact)
    _choose(contact, draft.choice)
    session.flush()
    note = "" if suppressed is None else f"; the address is on the suppression list ({suppressed.reason.value})"
    record_consent(session, contact, "subscribed", source=_SOURCE, detail=f"added by staff{note}", ip=ip, by=by)
    _pause_or_resume(session, contact, draft.paused_until, by=by, ip=ip)
    record_contact(session, "contact.create", contact, changes=_audited({}, contact_facts(contact)))
    emit(session, CONTACT_CREATED, contact_payload(contact, "admin"))
    return contact


def _choose(contact: Contact, choice: PreferenceChoice) -> None:
    contact.interests = sorted(choice.interests, key=lambda area: (area.position, area.id))
    contact.frequency, contact.locale = choice.frequency, choice.locale
    contact.preferred_weekday, contact.preferred_hour = choice.preferred_weekday, choice.preferred_hour


def update_contact(session: Session, contact: Contact, draft: ContactDraft, *, by: User, ip: str | None = None) -> bool:
    """Save staff's edit: preferences through the preference centre's service, the rest here."""
    address, errors = _problems(session, draft, contact)
    if errors:
        raise ContactInvalid(errors)
    before = contact_facts(contact)
    if address != contact.email:
        _change_address(session, contact, address, by=by, ip=ip)
    contact.name, contact.job_role = plain_text(draft.name) or "", plain_text(draft.job_role) or ""
    session.flush()  # the preference service locks and re-reads the row: what is set here must be in it
    update_preferences(session, contact, draft.choice, source=_SOURCE, ip=ip, by=by)
    _pause_or_resume(session, contact, draft.paused_until, by=by, ip=ip)
    session.flush()
    changes = _audited(before, contact_facts(contact))
    if changes:
        record_contact(session, "contact.update", contact, changes=changes)
    return bool(changes)


def _change_address(session: Session, contact: Contact, address: str, *, by: User, ip: str | None) -> None:
    """Mail goes to the new address from now on; one that is suppressed stops the contact."""
    contact.email = address
    record_consent(session, contact, "address changed", source=_SOURCE, ip=ip, by=by)
    suppressed = suppression_of(session, address)
    if suppressed is not None and contact.status.receives_mail:
        contact.status, contact.paused_until = STATUS_FOR_SUPPRESSION[suppressed.reason], None
        record_consent(session, contact, contact.status.value, source=_SOURCE, ip=ip, by=by,
                       detail=f"the new address is on the suppression list ({suppressed.reason.value})")  # fmt: skip


def pause_by_staff(session: Session, contact: Contact, until: dt.date, *, by: User, ip: str | None = None) -> None:
    before = contact_facts(contact)
    _pause_or_resume(session, contact, until, by=by, ip=ip)
    record_contact(session, "contact.update", contact, changes=_audited(before, contact_facts(contact)))


def resume_by_staff(session: Session, contact: Contact, *, by: User, ip: str | None = None) -> bool:
    if contact.status is not ContactStatus.PAUSED:
        return False
    before = contact_facts(contact)
    resume_contact(session, contact, source=_SOURCE, ip=ip, by=by)
    record_contact(session, "contact.update", contact, changes=_audited(before, contact_facts(contact)))
    return True


def move_contact(session: Session, contact: Contact, to: Partner, *, by: User, ip: str | None = None) -> None:
    """Another partner's contact from now on: its tier, kits and contact person apply to their newsletters.

    Recorded in both partners' trails, so each partner's account manager sees it."""
    origin = contact.partner
    if to.id == origin.id:
        raise ContactInvalid({"partner_id": _("%(email)s is already a contact of %(partner)s.", email=contact.email,
                                              partner=to.name)})  # fmt: skip
    contact.partner = to
    session.flush()
    record_consent(session, contact, "moved", source=_SOURCE, detail=f"from {origin.name} to {to.name}", ip=ip, by=by)
    changes = {"partner": (origin.name, to.name)}
    record_contact(session, "contact.move", contact, changes=changes)
    record(session, "contact.move", object_type="contact", object_id=contact.id,
           object_label=f"a contact of {to.name}", scope=partner_scope(origin.id), changes=changes)  # fmt: skip
