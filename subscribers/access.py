"""Loading an object and checking the caller may see it: one helper per model, used by every route."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.auth import User, get_or_404
from subscribers.models import Contact, Partner
from subscribers.partners import may_see_partner


def get_partner_or_404(session: Session, partner_id: int, user: User | None) -> Partner:
    return get_or_404(session, Partner, partner_id, user, allowed=may_see_partner)


def get_contact_or_404(session: Session, contact_id: int, user: User | None) -> Contact:
    return get_or_404(
        session, Contact, contact_id, user, allowed=lambda contact, who: may_see_partner(contact.partner, who)
    )
