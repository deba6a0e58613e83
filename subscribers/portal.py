"""Partner marketers in the portal: magic-link sign-in and a session of their own.

A sign-in link is signed for one partner user and their current `link_version`, and is valid for
15 minutes; using it bumps the version, so it opens the door once. The portal keeps its user's id
under its own session key (`portal_user_id`), never Flask-Login's: a vendor user is never a portal
user and a portal user never a vendor user, whatever the cookie holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, redirect, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record, use_actor
from core.auth import InvalidLink, signer
from core.config import LOCALES
from core.db import current_db, utc_now
from core.mail.addresses import normalise_email
from subscribers.audit import portal_actor, record_portal_user
from subscribers.models import Contact, Partner, PartnerUser

SIGN_IN = "portal-sign-in"
SIGN_IN_MAX_AGE = dt.timedelta(minutes=15)
SESSION_KEY = "portal_user_id"
F = TypeVar("F", bound=Callable[..., Any])


def sign_in_token(user: PartnerUser) -> str:
    return signer(current_app).sign(SIGN_IN, user.id, user.link_version)


def may_sign_in(user: PartnerUser | None) -> bool:
    """An active portal user of a partner that is not archived."""
    return user is not None and user.is_active and user.partner.archived_at is None


def portal_user_by_email(session: Session, email: str) -> PartnerUser | None:
    """The partner user with this address who may sign in, if any (the caller must answer the same either way)."""
    user = session.scalar(select(PartnerUser).where(PartnerUser.email == normalise_email(email)))
    return user if may_sign_in(user) else None


def use_sign_in_link(session: Session, token: str, *, now: dt.datetime) -> PartnerUser | None:
    """The user a genuine, fresh, unused link was made for, with the link spent; None otherwise."""

    def current_version(user_id: int) -> int | None:
        return session.scalar(
            select(PartnerUser.link_version)
            .join(Partner, Partner.id == PartnerUser.partner_id)
            .where(PartnerUser.id == user_id, PartnerUser.is_active.is_(True), Partner.archived_at.is_(None))
        )

    try:
        user_id = signer(current_app).verify(token, SIGN_IN, current_version, max_age=SIGN_IN_MAX_AGE)
    except InvalidLink:
        return None
    user = session.get(PartnerUser, user_id)
    if user is None:
        return None
    user.link_version += 1  # single use: the same link now fails like an invented one
    user.last_sign_in_at = now
    session.flush()
    record_portal_user(session, "portal_user.sign_in", user, actor=portal_actor(user))
    return user


def record_failed_sign_in(session: Session) -> None:
    """A sign-in link pressed that was made up, tampered with, expired or used: whose it was is unknown."""
    record(
        session, "portal_user.sign_in_failed", object_type="portal_user", object_id=None,
        detail="the sign-in link was unknown, expired or already used",
    )  # fmt: skip


def start_portal_session(user: PartnerUser) -> None:
    session.pop(SESSION_KEY, None)
    session[SESSION_KEY] = user.id
    session.permanent = False


def end_portal_session() -> None:
    session.pop(SESSION_KEY, None)


def current_portal_user() -> PartnerUser | None:
    """The signed-in partner user of this request (cached on `g`), or None."""
    if "portal_user" not in g:
        user_id = session.get(SESSION_KEY)
        user = current_db().session.get(PartnerUser, user_id) if isinstance(user_id, int) else None
        g.portal_user = user if may_sign_in(user) else None  # archiving the partner ends the session at once
    found: PartnerUser | None = g.portal_user
    return found


def portal_login_required(view: F) -> F:
    """Like Flask-Login's login_required, for the portal's own session; pages speak the user's language."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_portal_user()
        if user is None:
            return redirect(url_for("portal.sign_in", next=request.full_path if request.method == "GET" else None))
        if user.locale in LOCALES:
            g.locale = user.locale
        use_actor(portal_actor(user))  # on portal pages the portal user acts, whoever else the cookie holds
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def partner_contacts(session: Session, partner: Partner) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.partner_id == partner.id).order_by(Contact.email)))


def create_partner_user(
    session: Session, partner: Partner, email: str, *, name: str = "", locale: str = ""
) -> PartnerUser:
    user = PartnerUser(
        partner=partner,
        email=normalise_email(email),
        name=name,
        locale=locale if locale in LOCALES else partner.default_locale,
        created_at=utc_now(),
    )
    session.add(user)
    session.flush()
    record_portal_user(session, "portal_user.create", user, changes={"email": (None, user.email), "name": (None, name),
                       "locale": (None, user.locale)})  # fmt: skip
    return user


def deactivate_partner_user(session: Session, user: PartnerUser) -> None:
    """They cannot sign in any more; their session ends at once and unused sign-in links die."""
    if not user.is_active:
        return
    user.is_active = False
    user.link_version += 1
    session.flush()
    record_portal_user(session, "portal_user.deactivate", user, changes={"active": (True, False)})


def reactivate_partner_user(session: Session, user: PartnerUser) -> None:
    if user.is_active:
        return
    user.is_active = True
    session.flush()
    record_portal_user(session, "portal_user.reactivate", user, changes={"active": (False, True)})


class PortalUserError(ValueError):
    """A portal user that cannot be added as asked; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def add_partner_user(
    session: Session, partner: Partner, email: str, *, name: str = "", locale: str = ""
) -> PartnerUser:
    """Let a marketer of `partner` sign in to the portal; refuses a bad or already used address."""
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise PortalUserError("email", gettext("%(email)s is not an email address.", email=email.strip())) from None
    existing = session.scalar(select(PartnerUser).where(PartnerUser.email == normalise_email(address)))
    if existing is not None:
        where = existing.partner.name if existing.partner_id != partner.id else gettext("this partner")
        raise PortalUserError("email", gettext("%(email)s is already a portal user of %(partner)s.",
                                               email=existing.email, partner=where))  # fmt: skip
    if locale and locale not in LOCALES:
        raise PortalUserError("locale", gettext("Choose one of the languages in the list."))
    return create_partner_user(session, partner, address, name=name.strip()[:200], locale=locale)


def partner_users(session: Session, partner: Partner, *, active_only: bool = False) -> list[PartnerUser]:
    statement = select(PartnerUser).where(PartnerUser.partner_id == partner.id)
    if active_only:
        statement = statement.where(PartnerUser.is_active.is_(True))
    return list(session.scalars(statement.order_by(PartnerUser.is_active.desc(), PartnerUser.name, PartnerUser.email)))
