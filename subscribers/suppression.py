"""The suppression list: the one check every sender makes before an address gets mail."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.mail.addresses import email_hash, normalise_email
from subscribers.models import ContactStatus, Suppression, SuppressionReason

CHUNK = 500  # stays under every database's bound-parameter limit
# The status a contact gets when it is created (imported, added by staff) for a suppressed address.
STATUS_FOR_SUPPRESSION = {
    SuppressionReason.MANUAL: ContactStatus.UNSUBSCRIBED,
    SuppressionReason.UNSUBSCRIBED: ContactStatus.UNSUBSCRIBED,
    SuppressionReason.BOUNCED: ContactStatus.BOUNCED,
    SuppressionReason.COMPLAINED: ContactStatus.COMPLAINED,
}


class SuppressionError(Exception):
    """Lifting a suppression that needs more than was given (a complaint needs a fresh opt-in)."""


def is_suppressed(session: Session, email: str) -> bool:
    return session.scalar(select(Suppression.id).where(Suppression.email_hash == email_hash(email))) is not None


def suppression_of(session: Session, email: str) -> Suppression | None:
    return session.scalar(select(Suppression).where(Suppression.email_hash == email_hash(email)))


def suppressed_among(session: Session, emails: Iterable[str]) -> set[str]:
    """Which of these addresses (normalised) must not be mailed: one query per 500 addresses."""
    by_hash = {email_hash(email): normalise_email(email) for email in emails}
    hashes = list(by_hash)
    found: set[str] = set()
    for start in range(0, len(hashes), CHUNK):
        chunk = hashes[start : start + CHUNK]
        found.update(session.scalars(select(Suppression.email_hash).where(Suppression.email_hash.in_(chunk))))
    return {by_hash[h] for h in found}


def suppress(session: Session, email: str, reason: SuppressionReason, *, source: str, detail: str = "") -> Suppression:
    """Add (or strengthen) the suppression of an address; suppressing twice changes nothing."""
    key = email_hash(email)
    entry = session.scalar(select(Suppression).where(Suppression.email_hash == key))
    if entry is None:
        entry = Suppression(email_hash=key, email=normalise_email(email), reason=reason, source=source, detail=detail)
        session.add(entry)
    elif reason.strength > entry.reason.strength:
        entry.reason, entry.source, entry.detail = reason, source, detail
    session.flush()
    return entry


def lift_suppression(session: Session, email: str, *, fresh_opt_in: bool) -> None:
    """Allow mail again: after a spam complaint or erasure only with a fresh, explicit opt-in."""
    entry = session.scalar(select(Suppression).where(Suppression.email_hash == email_hash(email)))
    if entry is None:
        return
    if entry.reason in (SuppressionReason.COMPLAINED, SuppressionReason.ERASED) and not fresh_opt_in:
        raise SuppressionError(
            f"{normalise_email(email)} reported our mail as spam or asked to be erased; "
            "only their own fresh opt-in can lift that."
        )
    session.execute(delete(Suppression).where(Suppression.id == entry.id))
    session.flush()


def forget_address(session: Session, email: str, *, source: str) -> None:
    """Erasure: drop the readable address but keep its hash, so it is never mailed again."""
    entry = suppress(session, email, SuppressionReason.ERASED, source=source)
    entry.email = None
    session.flush()
