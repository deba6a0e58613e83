"""What the audit trail needs from this slice: partner scopes, contact entries, the portal user as actor.

Entries about a partner, its contacts or its portal users carry the scope `partner:<id>`, so an
account manager's audit page shows the trail of the partners they look after. A contact's entry
stores no address (erasure must be able to forget it; the trail cannot be rewritten): the page
shows the current address while the contact exists, and "a contact of <partner>" after that.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.audit import Actor, AuditEntry, record
from core.auth.models import User
from subscribers.models import Contact, Partner, PartnerUser, Suppression

Changes = Mapping[str, tuple[object, object]]


AUDIT_ACTIONS = {
    "contact.export": _l("Contact data exported"),
    "contact.erase": _l("Contact erased"),
    "contact.links_shown": _l("Contact's links shown"),
    "contact.links_revoked": _l("Contact's links revoked"),
    "contact.preference_link_sent": _l("Preference link sent to a contact"),
    "contacts.import": _l("Contacts imported"),
    "partner.contacts_export": _l("Partner's contacts downloaded"),
    "partner.brand_update": _l("Brand changed"),
    "portal_user.sign_in": _l("Signed in to the portal"),
    "portal_user.sign_in_failed": _l("Portal sign-in failed"),
    "portal_user.create": _l("Portal user added"),
    "portal_user.deactivate": _l("Portal user deactivated"),
    "portal_user.reactivate": _l("Portal user reactivated"),
    "partner.create": _l("Partner added"),
    "partner.update": _l("Partner edited"),
    "partner.archive": _l("Partner archived"),
    "partner.restore": _l("Partner restored"),
    "contact.create": _l("Contact added"),
    "contact.update": _l("Contact edited"),
    "contact.move": _l("Contact moved to another partner"),
    "distributor_team.create": _l("Distributor team added"),
    "distributor_team.update": _l("Distributor team edited"),
    "suppression.add": _l("Address suppressed by hand"),
    "partner.tier_change": _l("Tier changed"),
    "partner.tier_downgrade_schedule": _l("Tier downgrade scheduled"),
    "partner.tier_downgrade_cancel": _l("Scheduled tier downgrade cancelled"),
    "certification.add": _l("Certification added"),
    "certification.remove": _l("Certification removed"),
    "certification.update": _l("Certification's expiry day changed"),
    "certifications.import": _l("Certifications imported"),
    "competency.create": _l("Competency added"),
    "competency.update": _l("Competency edited"),
    "competency_requirements.update": _l("Competency requirements changed"),
}


def partner_scope(partner_id: int) -> str:
    return f"partner:{partner_id}"


def record_partner(
    session: Session,
    action: str,
    partner: Partner,
    *,
    changes: Changes | None = None,
    detail: str = "",
    actor: Actor | None = None,
) -> AuditEntry:
    return record(
        session, action, object_type="partner", object_id=partner.id, object_label=partner.name,
        scope=partner_scope(partner.id), changes=changes, detail=detail, actor=actor,
    )  # fmt: skip


def record_contact(
    session: Session, action: str, contact: Contact, *, changes: Changes | None = None, detail: str = ""
) -> AuditEntry:
    return record(
        session, action, object_type="contact", object_id=contact.id,
        object_label=f"a contact of {contact.partner.name}", scope=partner_scope(contact.partner_id),
        changes=changes, detail=detail,
    )  # fmt: skip


def record_portal_user(
    session: Session,
    action: str,
    user: PartnerUser,
    *,
    changes: Changes | None = None,
    detail: str = "",
    actor: Actor | None = None,
) -> AuditEntry:
    return record(
        session, action, object_type="portal_user", object_id=user.id, object_label=user.email,
        scope=partner_scope(user.partner_id), changes=changes, detail=detail, actor=actor,
    )  # fmt: skip


def portal_actor(user: PartnerUser) -> Actor:
    name = user.name or user.email
    return Actor("portal_user", user.id, f"{name} ({user.partner.name})")


def _signed_in_portal_actor() -> Actor | None:
    from subscribers.portal import current_portal_user

    user = current_portal_user() if has_request_context() else None
    return portal_actor(user) if user is not None else None


def contact_addresses(session: Session, ids: list[str]) -> Mapping[str, str]:
    """The audit page's label for contact entries: their address, while we still hold it."""
    numbers = [int(ident) for ident in ids if ident.isdigit()]
    rows = session.execute(select(Contact.id, Contact.email).where(Contact.id.in_(numbers))).all()
    return {str(ident): email for ident, email in rows}


def suppressed_addresses(session: Session, ids: list[str]) -> Mapping[str, str]:
    """The audit page's label for suppression entries: the address, or "erased contact" once only its hash is kept."""
    numbers = [int(ident) for ident in ids if ident.isdigit()]
    rows = session.execute(select(Suppression.id, Suppression.email).where(Suppression.id.in_(numbers))).all()
    return {str(ident): email or str(_l("erased contact")) for ident, email in rows}


def scopes_for(session: Session, user: User) -> list[str]:
    """The scopes of the partners `user` manages or stands in for (an account manager's audit page)."""
    ids = session.scalars(
        select(Partner.id).where(or_(Partner.account_manager_id == user.id, Partner.backup_manager_id == user.id))
    )
    return [partner_scope(ident) for ident in ids]


def init_audit(app: Flask) -> None:
    from core.audit import register_action_labels, register_actor_source, register_label_source, register_scope_source

    register_action_labels(app, AUDIT_ACTIONS)
    register_actor_source(app, _signed_in_portal_actor)
    register_label_source(app, "contact", contact_addresses)
    register_label_source(app, "suppression", suppressed_addresses)
    register_scope_source(app, scopes_for)
    from subscribers.audit_labels import init_change_labels

    init_change_labels(app)
