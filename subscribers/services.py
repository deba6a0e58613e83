"""Contacts' choices and their consent log: plain functions, Session first; they flush, never commit.

Every change a contact (or staff, or an import, or the mail provider) makes to whether and how
a contact is mailed goes through here, and each leaves one ConsentRecord. Unsubscribes,
bounces and complaints also go to the suppression list, which every sender checks.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.db import utc_now
from core.mail.addresses import email_hash, normalise_email
from core.webhooks import emit
from subscribers.audit import record_contact
from subscribers.models import ConsentRecord, ConsentSource, Contact, ContactStatus, SoftBounce, SuppressionReason
from subscribers.schedule import Frequency
from subscribers.suppression import lift_suppression, suppress
from subscribers.webhooks import CONTACT_PREFERENCES_CHANGED, CONTACT_UNSUBSCRIBED, contact_payload

SOFT_BOUNCE_WINDOW = dt.timedelta(days=30)
# Statuses whose suppression reason comes from outside the preference centre.
_STOPPED = {
    ContactStatus.UNSUBSCRIBED: SuppressionReason.UNSUBSCRIBED,
    ContactStatus.BOUNCED: SuppressionReason.BOUNCED,
    ContactStatus.COMPLAINED: SuppressionReason.COMPLAINED,
}


class PreferenceError(ValueError):
    """A choice that cannot be honoured; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PreferenceChoice:
    """What the preference form (or an admin, or the API) asks for."""

    interests: list[InterestArea]
    frequency: Frequency
    preferred_weekday: int
    preferred_hour: int
    locale: str


def record_consent(
    session: Session,
    contact: Contact,
    action: str,
    *,
    source: ConsentSource,
    detail: str = "",
    ip: str | None = None,
) -> ConsentRecord:
    record = ConsentRecord(contact=contact, action=action, source=source, detail=detail[:1000], ip=ip)
    session.add(record)
    session.flush()
    return record


def find_contact(session: Session, email: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.email == normalise_email(email)))


def local_today(contact: Contact) -> dt.date:
    return utc_now().astimezone(ZoneInfo(contact.timezone)).date()


def _describe(choice: PreferenceChoice) -> dict[str, str]:
    return {
        "interests": ", ".join(area.slug for area in choice.interests) or "(none)",
        "frequency": choice.frequency.value,
        "weekday": calendar.day_name[choice.preferred_weekday],
        "hour": f"{choice.preferred_hour:02d}:00",
        "language": choice.locale,
    }


def _current_choice(contact: Contact) -> PreferenceChoice:
    return PreferenceChoice(
        interests=list(contact.interests),
        frequency=contact.frequency,
        preferred_weekday=contact.preferred_weekday,
        preferred_hour=contact.preferred_hour,
        locale=contact.locale,
    )


def update_preferences(
    session: Session, contact: Contact, choice: PreferenceChoice, *, source: ConsentSource, ip: str | None = None
) -> bool:
    """Apply the contact's choice; records what changed. Returns whether anything did."""
    retired = [area.slug for area in choice.interests if not area.is_active]
    if retired:
        raise PreferenceError("interests", f"These topics are no longer offered: {', '.join(retired)}.")
    before, after = _describe(_current_choice(contact)), _describe(choice)
    changes = [f"{key}: {before[key]} -> {after[key]}" for key in after if before[key] != after[key]]
    if not changes:
        return False
    contact.interests = sorted(choice.interests, key=lambda area: (area.position, area.id))
    contact.frequency = choice.frequency
    contact.preferred_weekday = choice.preferred_weekday
    contact.preferred_hour = choice.preferred_hour
    contact.locale = choice.locale
    record_consent(session, contact, "preferences", source=source, detail="; ".join(changes), ip=ip)
    # Hook (h12-api): integrations hear of it at once (core.webhooks; sent after this commits).
    emit(
        session,
        CONTACT_PREFERENCES_CHANGED,
        contact_payload(
            contact,
            source.value,
            changes=changes,
            interests=[area.slug for area in contact.interests],
            frequency=contact.frequency.value,
            locale=contact.locale,
        ),
    )
    return True


def pause_contact(
    session: Session, contact: Contact, until: dt.date, *, source: ConsentSource, ip: str | None = None
) -> None:
    """No newsletters before `until`; the first slot on or after it resumes the normal rhythm."""
    if until <= local_today(contact):
        raise PreferenceError("pause_until", "Choose a date in the future.")
    if not contact.status.receives_mail:
        raise PreferenceError("pause_until", "You are unsubscribed; there is nothing to pause.")
    contact.status = ContactStatus.PAUSED
    contact.paused_until = until
    record_consent(session, contact, "paused", source=source, detail=f"until {until.isoformat()}", ip=ip)


def resume_contact(session: Session, contact: Contact, *, source: ConsentSource, ip: str | None = None) -> None:
    if contact.status is not ContactStatus.PAUSED:
        return
    contact.status = ContactStatus.ACTIVE
    contact.paused_until = None
    record_consent(session, contact, "resumed", source=source, ip=ip)


def unsubscribe(
    session: Session, contact: Contact, *, source: ConsentSource, ip: str | None = None, detail: str = ""
) -> bool:
    """Stop all mail to the contact at once; doing it again changes nothing. Returns whether it did."""
    if not contact.status.receives_mail:
        return False
    contact.status = ContactStatus.UNSUBSCRIBED
    contact.paused_until = None
    suppress(session, contact.email, SuppressionReason.UNSUBSCRIBED, source=source.value, detail=detail)
    record_consent(session, contact, "unsubscribed", source=source, detail=detail, ip=ip)
    emit(session, CONTACT_UNSUBSCRIBED, contact_payload(contact, source.value, detail=detail))  # hook (h12-api)
    return True


def resubscribe(
    session: Session, contact: Contact, *, fresh_opt_in: bool, source: ConsentSource, ip: str | None = None
) -> None:
    """Mail again. After a spam complaint only with the contact's own explicit, fresh opt-in."""
    if contact.status.receives_mail:
        return
    if contact.status is ContactStatus.COMPLAINED and not fresh_opt_in:
        raise PreferenceError("opt_in", "Tick the box to confirm that you want our newsletter again.")
    lift_suppression(session, contact.email, fresh_opt_in=fresh_opt_in)
    previous = contact.status
    contact.status = ContactStatus.ACTIVE
    detail = f"was {previous.value}" + ("; explicit opt-in ticked" if fresh_opt_in else "")
    record_consent(session, contact, "resubscribed", source=source, detail=detail, ip=ip)


def _mark_stopped(session: Session, email: str, status: ContactStatus, *, source: str, detail: str) -> Contact | None:
    """Suppress the address (known contact or not) and stop the contact, once."""
    suppress(session, email, _STOPPED[status], source=source, detail=detail[:255])
    contact = find_contact(session, email)
    if contact is None or contact.status is status:
        return contact
    if contact.status is ContactStatus.COMPLAINED:
        return contact  # a complaint outranks a later bounce: keep the stronger stop
    contact.status = status
    contact.paused_until = None
    record_consent(session, contact, status.value, source=ConsentSource.PROVIDER, detail=f"{source}: {detail}")
    return contact


def mark_bounced(session: Session, email: str, *, source: str, detail: str = "") -> Contact | None:
    """A hard bounce reported by the mail provider (the delivery webhook calls this)."""
    return _mark_stopped(session, email, ContactStatus.BOUNCED, source=source, detail=detail)


def mark_complained(session: Session, email: str, *, source: str, detail: str = "") -> Contact | None:
    """A spam complaint reported by the mail provider: only a fresh opt-in mails this address again."""
    return _mark_stopped(session, email, ContactStatus.COMPLAINED, source=source, detail=detail)


def record_soft_bounce(
    session: Session, email: str, *, at: dt.datetime, limit: int, source: str, detail: str = ""
) -> bool:
    """Count a soft bounce; the `limit`-th within 30 days stops the address like a hard bounce.

    Returns whether this one did."""
    key = email_hash(email)
    session.add(SoftBounce(email_hash=key, occurred_at=at, source=source))
    session.flush()
    recent = session.scalar(
        select(func.count(SoftBounce.id)).where(
            SoftBounce.email_hash == key, SoftBounce.occurred_at > at - SOFT_BOUNCE_WINDOW
        )
    )
    if (recent or 0) < limit:
        return False
    mark_bounced(session, email, source=source, detail=f"{recent} soft bounces in 30 days, the last: {detail}")
    return True


def revoke_links(session: Session, contact: Contact, *, source: ConsentSource, ip: str | None = None) -> None:
    """Every preference and unsubscribe link sent so far stops working; new emails carry new ones."""
    contact.link_version += 1
    record_consent(session, contact, "links revoked", source=source, ip=ip)
    record_contact(session, "contact.links_revoked", contact, detail="every link sent so far stops working")
