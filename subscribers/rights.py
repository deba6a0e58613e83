"""Data rights: everything we hold on a contact (export) and forgetting them (erasure).

Other packages hold data about contacts too (deliveries, events); they register a section for
the export and a step for erasure here, so one command covers everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.mail.addresses import email_hash
from subscribers.audit import record_contact
from subscribers.models import Contact, Suppression
from subscribers.programme.models import Certification
from subscribers.suppression import forget_address

ExportSection = Callable[[Session, Contact], Any]
ErasureStep = Callable[[Session, Contact], None]


def register_export_section(app: Flask, name: str, section: ExportSection) -> None:
    """Add `name: section(session, contact)` to every contact export (e.g. "events")."""
    app.extensions.setdefault("channelcast.contact_export", {})[name] = section


def register_erasure_step(app: Flask, step: ErasureStep) -> None:
    """Run `step(session, contact)` before a contact is erased (delete what refers to them)."""
    app.extensions.setdefault("channelcast.contact_erasure", []).append(step)


def export_contact(session: Session, contact: Contact, app: Flask) -> dict[str, Any]:
    """A JSON-ready document of everything held on the contact."""
    suppression = session.scalar(select(Suppression).where(Suppression.email_hash == email_hash(contact.email)))
    document: dict[str, Any] = {
        "contact": {
            "email": contact.email,
            "name": contact.name,
            "job_role": contact.job_role,
            "partner": contact.partner.name,
            "locale": contact.locale,
            "timezone": contact.timezone,
            "status": contact.status.value,
            "paused_until": contact.paused_until.isoformat() if contact.paused_until else None,
            "frequency": contact.frequency.value,
            "preferred_weekday": contact.preferred_weekday,
            "preferred_hour": contact.preferred_hour,
            "interests": [area.slug for area in contact.interests],
            "last_newsletter_period": contact.last_digest_period,
            "created_at": contact.created_at.isoformat(),
            "updated_at": contact.updated_at.isoformat(),
        },
        "consent_log": [
            {
                "at": record.created_at.isoformat(),
                "action": record.action,
                "source": record.source.value,
                "detail": record.detail,
                "ip": record.ip,
            }
            for record in contact.consent_records
        ],
        "suppression": (
            {"reason": suppression.reason.value, "since": suppression.created_at.isoformat()} if suppression else None
        ),
        "events": [],
        "certifications": [
            {
                "competency": certification.competency.name(),
                "certificate": certification.name,
                "earned_on": certification.earned_on.isoformat(),
                "expires_on": certification.expires_on.isoformat() if certification.expires_on else None,
            }
            for certification in session.scalars(
                select(Certification).where(Certification.contact_id == contact.id).order_by(Certification.earned_on)
            )
        ],
    }
    for name, section in app.extensions.get("channelcast.contact_export", {}).items():
        document[name] = section(session, contact)
    record_contact(session, "contact.export", contact, detail="everything held on the contact, as JSON")
    return document


def erase_contact(session: Session, contact: Contact, app: Flask, *, source: str) -> None:
    """Delete the contact and their log; keep only a hash of the address so it is never mailed again.

    The audit entry names the partner, not the address: the trail outlives the erasure.
    """
    record_contact(session, "contact.erase", contact, detail=f"erased ({source}); the address is kept only as a hash")
    for step in app.extensions.get("channelcast.contact_erasure", []):
        step(session, contact)
    forget_address(session, contact.email, source=source)
    session.delete(contact)
    session.flush()
