"""Loading an object and checking the caller may see (or change) it: one helper per model and purpose.

Reading: a partner (or contact) the user may not see is a 404, like a made-up id. Changing: a
viewer, or an account manager for a partner that is not theirs, gets 403 naming the partner or
contact, and the attempt is in the audit trail; nothing is changed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.audit import deny_access
from core.auth import User, get_or_404
from subscribers.audit import partner_scope
from subscribers.models import Contact, Partner
from subscribers.partners import may_change_partner, may_see_partner


def get_partner_or_404(session: Session, partner_id: int, user: User | None) -> Partner:
    return get_or_404(
        session, Partner, partner_id, user, allowed=may_see_partner, scope=lambda partner: partner_scope(partner.id)
    )


def get_contact_or_404(session: Session, contact_id: int, user: User | None) -> Contact:
    return get_or_404(
        session, Contact, contact_id, user, allowed=lambda contact, who: may_see_partner(contact.partner, who),
        scope=lambda contact: partner_scope(contact.partner_id),
    )  # fmt: skip


def partner_to_change(session: Session, partner_id: int, user: User | None) -> Partner:
    """A partner `user` may change, or 403 (recorded) for one they may see but not change."""
    partner = get_partner_or_404(session, partner_id, user)
    if not may_change_partner(partner, user):
        deny_access("partner", partner.id, partner.name, scope=partner_scope(partner.id))
    return partner


def contact_to_change(session: Session, contact_id: int, user: User | None) -> Contact:
    """A contact of a partner `user` may change, or 403 (recorded)."""
    contact = get_contact_or_404(session, contact_id, user)
    if not may_change_partner(contact.partner, user):
        deny_access("contact", contact.id, scope=partner_scope(contact.partner_id))
    return contact
