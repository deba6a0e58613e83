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

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.audit import current_actor, record
from core.auth.models import User
from core.db import utc_now
from core.mail.addresses import email_hash, normalise_email
from core.timezones import is_zone
from core.webhooks import emit
from subscribers.audit import partner_scope, record_contact
from subscribers.forms import SUPPRESSION_REASON_LABELS
from subscribers.models import (
    ConsentRecord,
    ConsentSource,
    Contact,
    ContactStatus,
    SoftBounce,
    Suppression,
    SuppressionReason,
)
from subscribers.schedule import Frequency
from subscribers.signals import consent_recorded
from subscribers.suppression import lift_suppression, suppress, suppression_of
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
    """What the preference form (or an admin, or the API) asks for; `timezone=None` keeps the contact's."""

    interests: list[InterestArea]
    frequency: Frequency
    preferred_weekday: int
    preferred_hour: int
    locale: str
    timezone: str | None = None


def record_consent(
    session: Session,
    contact: Contact,
    action: str,
    *,
    source: ConsentSource,
    detail: str = "",
    ip: str | None = None,
    by: User | None = None,
) -> ConsentRecord:
    """One line of the consent log; `by` is the vendor user who made the change (source `admin`); a change
    through the API names the calling token."""
    record = ConsentRecord(
        contact=contact, action=action, source=source, detail=detail[:1000], ip=ip,
        actor_user_id=by.id if by is not None else None, api_token_id=calling_token_id(source),
    )  # fmt: skip
    session.add(record)
    session.flush()
    consent_recorded.send(record, session=session)  # engagement events (campaigns.tracking) listen
    return record


def calling_token_id(source: ConsentSource) -> int | None:
    """The API token making this change (the audit trail's actor in an API request), for source `api`."""
    actor = current_actor()
    return actor.id if source is ConsentSource.API and actor.kind == "api_token" else None


def find_contact(session: Session, email: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.email == normalise_email(email)))


def local_today(contact: Contact) -> dt.date:
    return utc_now().astimezone(ZoneInfo(contact.timezone)).date()


def _lock_for_change(session: Session, contact: Contact) -> None:
    """Saves of one contact queue up behind a row lock (PostgreSQL; SQLite writes one at a time anyway)
    and each starts from the state the previous one committed. Without it, two tabs saving at once
    both delete and re-insert the same topic rows, and one of them fails."""
    locked = select(Contact).where(Contact.id == contact.id).with_for_update()
    session.scalars(locked.execution_options(populate_existing=True)).one()  # .one(): rows load as they are read
    session.expire(contact, ["interests"])


def describe_choice(choice: PreferenceChoice) -> dict[str, str]:
    """A choice as the consent log (and the audit trail) writes it."""
    described = {
        "interests": ", ".join(area.slug for area in choice.interests) or "(none)",
        "frequency": choice.frequency.value,
        "weekday": calendar.day_name[choice.preferred_weekday],
        "hour": f"{choice.preferred_hour:02d}:00",
        "language": choice.locale,
    }
    if choice.timezone is not None:
        described["time zone"] = choice.timezone
    return described


def current_choice(contact: Contact) -> PreferenceChoice:
    return PreferenceChoice(
        interests=list(contact.interests),
        frequency=contact.frequency,
        preferred_weekday=contact.preferred_weekday,
        preferred_hour=contact.preferred_hour,
        locale=contact.locale,
        timezone=contact.timezone,
    )


def check_choice(choice: PreferenceChoice) -> None:
    """What no form can promise: topics still offered, a real hour and day, a known time zone."""
    retired = [area.slug for area in choice.interests if not area.is_active]
    if retired:
        raise PreferenceError(
            "interests", _("These topics are no longer offered: %(topics)s.", topics=", ".join(retired))
        )
    if not 0 <= choice.preferred_hour <= 23:
        raise PreferenceError("preferred_hour", _("Choose an hour from 00:00 to 23:00."))
    if not 0 <= choice.preferred_weekday <= 6:
        raise PreferenceError("preferred_weekday", _("Choose a day of the week."))
    if choice.timezone is not None and not is_zone(choice.timezone):
        raise PreferenceError(
            "timezone", _("%(zone)s is not a time zone; choose one like Europe/Amsterdam.", zone=repr(choice.timezone))
        )


def update_preferences(
    session: Session,
    contact: Contact,
    choice: PreferenceChoice,
    *,
    source: ConsentSource,
    ip: str | None = None,
    by: User | None = None,
) -> bool:
    """Apply the contact's choice; records what changed. Returns whether anything did."""
    check_choice(choice)
    _lock_for_change(session, contact)
    before = describe_choice(current_choice(contact))
    after = describe_choice(choice)
    changes = [f"{key}: {before[key]} -> {after[key]}" for key in after if before[key] != after[key]]
    if not changes:
        return False
    contact.interests = sorted(choice.interests, key=lambda area: (area.position, area.id))
    contact.frequency = choice.frequency
    contact.preferred_weekday = choice.preferred_weekday
    contact.preferred_hour = choice.preferred_hour
    contact.locale = choice.locale
    if choice.timezone is not None:
        contact.timezone = choice.timezone
    record_consent(session, contact, "preferences", source=source, detail="; ".join(changes), ip=ip, by=by)
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
    session: Session,
    contact: Contact,
    until: dt.date,
    *,
    source: ConsentSource,
    ip: str | None = None,
    by: User | None = None,
) -> None:
    """No newsletters before `until`; the first slot on or after it resumes the normal rhythm."""
    if until <= local_today(contact):
        raise PreferenceError("pause_until", _("Choose a date in the future."))
    _lock_for_change(session, contact)
    if not contact.status.receives_mail:
        raise PreferenceError("pause_until", _("You are unsubscribed; there is nothing to pause."))
    contact.status = ContactStatus.PAUSED
    contact.paused_until = until
    record_consent(session, contact, "paused", source=source, detail=f"until {until.isoformat()}", ip=ip, by=by)


def resume_contact(
    session: Session, contact: Contact, *, source: ConsentSource, ip: str | None = None, by: User | None = None
) -> None:
    _lock_for_change(session, contact)
    if contact.status is not ContactStatus.PAUSED:
        return
    contact.status = ContactStatus.ACTIVE
    contact.paused_until = None
    record_consent(session, contact, "resumed", source=source, ip=ip, by=by)


def unsubscribe(
    session: Session, contact: Contact, *, source: ConsentSource, ip: str | None = None, detail: str = ""
) -> bool:
    """Stop all mail to the contact at once; doing it again changes nothing. Returns whether it did."""
    _lock_for_change(session, contact)
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
    _lock_for_change(session, contact)
    if contact.status.receives_mail:
        return
    if contact.status is ContactStatus.COMPLAINED and not fresh_opt_in:
        raise PreferenceError("opt_in", _("Tick the box to confirm that you want our newsletter again."))
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


def revoke_links(
    session: Session, contact: Contact, *, source: ConsentSource, ip: str | None = None, by: User | None = None
) -> None:
    """Every preference and unsubscribe link sent so far stops working; new emails carry new ones."""
    contact.link_version += 1
    record_consent(session, contact, "links revoked", source=source, ip=ip, by=by)
    record_contact(session, "contact.links_revoked", contact, detail="every link sent so far stops working")


class SuppressionRefused(ValueError):
    """An address staff cannot add to the suppression list as asked; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def suppress_by_hand(session: Session, email: str, reason: str, *, by: User, ip: str | None = None) -> Suppression:
    """Staff stop all mail to an address, with the reason; a contact with it is unsubscribed. Audited."""
    if not email.strip():
        raise SuppressionRefused("email", gettext("Give the address to stop mailing."))
    try:
        address = normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise SuppressionRefused("email", gettext("%(email)s is not an email address.", email=email.strip())) from None
    note = " ".join(reason.split())
    if not note or len(note) > 255:
        raise SuppressionRefused("reason", gettext("Say why, in at most %(count)s characters.", count=255))
    existing = suppression_of(session, address)
    if existing is not None:
        raise SuppressionRefused("email", gettext("This address is on the list already (%(reason)s).",
                                                  reason=SUPPRESSION_REASON_LABELS[existing.reason]))  # fmt: skip
    entry = suppress(session, address, SuppressionReason.MANUAL, source=ConsentSource.ADMIN.value, detail=note)
    contact = find_contact(session, address)
    if contact is not None and contact.status.receives_mail:
        contact.status, contact.paused_until = ContactStatus.UNSUBSCRIBED, None
        record_consent(session, contact, "unsubscribed", source=ConsentSource.ADMIN, ip=ip, by=by,
                       detail=f"suppressed by hand: {note}")  # fmt: skip
    record(session, "suppression.add", object_type="suppression", object_id=entry.id, detail=note,
           scope=partner_scope(contact.partner_id) if contact is not None else None)  # fmt: skip
    return entry
