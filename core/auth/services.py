"""Vendor user accounts: creation, invitations, passwords, roles, deactivation and sign-in.

Every change is written to the audit trail here, so the pages, the CLI and the demo all record it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import Actor, record, user_actor
from core.auth.links import InvalidLink, LinkSigner
from core.auth.models import Role, User
from core.auth.passwords import password_problem
from core.config import LOCALES
from core.db import utc_now
from core.mail.addresses import normalise_email
from core.timezones import is_zone

INVITE = "vendor-invite"
INVITE_MAX_AGE = dt.timedelta(hours=48)
PASSWORD_RESET = "password-reset"  # noqa: S105 (a link purpose)
PASSWORD_RESET_MAX_AGE = dt.timedelta(hours=1)
LINK_MAX_AGE = {INVITE: INVITE_MAX_AGE, PASSWORD_RESET: PASSWORD_RESET_MAX_AGE}


class AccountError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _record(
    session: Session,
    action: str,
    user: User,
    *,
    changes: Mapping[str, tuple[object, object]] | None = None,
    detail: str = "",
    actor: Actor | None = None,
) -> None:
    record(session, action, object_type="user", object_id=user.id, object_label=user.name, changes=changes,
           detail=detail, actor=actor)  # fmt: skip


def _check_new_email(session: Session, email: str) -> str:
    email = normalise_email(email)
    if "@" not in email or len(email) > 255 or " " in email:
        raise AccountError("email", _("%(email)s is not an email address.", email=repr(email)))
    existing = find_user_by_email(session, email)
    if existing is not None:
        if existing.invited_at is not None and not existing.has_password:
            raise AccountError("email", _("%(email)s is already invited: send the invitation again from their page.",
                                          email=email))  # fmt: skip
        raise AccountError("email", _("%(email)s already has an account.", email=email))
    return email


def check_password(password: str, user: User | None = None, *, field: str = "password") -> None:
    """Raise AccountError on `field` when the password breaks the rule (see core.auth.passwords)."""
    personal = (user.email, user.name) if user is not None else ()
    problem = password_problem(password, personal=personal)
    if problem is not None:
        raise AccountError(field, problem)


def create_user(
    session: Session, email: str, name: str, role: Role, password: str, *, locale: str = "en", demo: bool = False
) -> User:
    """A user with a password straight away (the CLI's first admin, the demo).

    `demo=True` skips the password rule: the demo's password is printed in the README, so no rule
    could make it secret, and its users exist only to be shown around.
    """
    email = _check_new_email(session, email)
    user = User(email=email, name=name.strip() or email, role=role, password_hash="", locale=_locale(locale))
    if not demo:
        check_password(password, user)
    user.set_password(password)
    session.add(user)
    session.flush()
    _record(session, "user.create", user, changes={"role": (None, role.label), "email": (None, email)})
    return user


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "en"


def invite_user(session: Session, email: str, name: str, role: Role, *, locale: str = "en") -> User:
    """A user without a password yet; they choose one through the emailed invitation link."""
    email = _check_new_email(session, email)
    user = User(email=email, name=name.strip() or email, role=role, password_hash="", locale=_locale(locale),
                invited_at=utc_now(), session_version=1)  # fmt: skip
    session.add(user)
    session.flush()
    _record(session, "user.invite", user, changes={"role": (None, role.label), "email": (None, email)})
    return user


def renew_invitation(session: Session, user: User) -> None:
    """A fresh 48 hours; any older invitation link stops working."""
    if user.has_password:
        raise AccountError("", _("%(name)s has already set a password.", name=user.name))
    user.session_version += 1
    user.invited_at = utc_now()
    session.flush()
    _record(session, "user.invite_resent", user)


def link_token(user: User, purpose: str, *, signer: LinkSigner | None = None) -> str:
    """An invitation or password-reset link token, void once the user's session version moves on."""
    chosen: LinkSigner = signer or current_app.extensions["channelcast.links"]
    return chosen.sign(purpose, user.id, user.session_version)


def user_from_link(session: Session, token: str, purpose: str) -> User | None:
    """The active user a genuine, fresh, unused invitation or reset link was made for; None otherwise."""

    def current_version(user_id: int) -> int | None:
        user = session.get(User, user_id)
        if user is None or not user.is_active or (purpose == INVITE and user.has_password):
            return None
        return user.session_version

    signer: LinkSigner = current_app.extensions["channelcast.links"]
    try:
        user_id = signer.verify(token, purpose, current_version, max_age=LINK_MAX_AGE[purpose])
    except InvalidLink:
        return None
    return session.get(User, user_id)


def set_password_from_link(session: Session, user: User, password: str, *, purpose: str) -> None:
    """The invitee chooses their first password, or someone who forgot theirs a new one; the link is spent."""
    check_password(password, user)
    user.set_password(password)  # bumps session_version: this link, older ones and other sessions end
    session.flush()
    action = "user.invite_accepted" if purpose == INVITE else "user.password_reset"
    _record(session, action, user, actor=user_actor(user))


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("current_password", _("That is not your current password."))
    if new == current:
        raise AccountError("new_password", _("Choose a password different from the current one."))
    check_password(new, user, field="new_password")
    user.set_password(new)
    session.flush()
    _record(session, "user.password_change", user)


def update_profile(session: Session, user: User, *, name: str, locale: str, timezone: str) -> None:
    """The user's own name, admin-page language and time zone."""
    if not name.strip():
        raise AccountError("name", _("Give your name as colleagues know it."))
    if locale not in LOCALES:
        raise AccountError("locale", _("Choose one of the languages in the list."))
    if not is_zone(timezone):
        message = _(
            "%(zone)s is not a time zone; choose one from the list, e.g. Europe/Amsterdam.", zone=repr(timezone)
        )
        raise AccountError("timezone", message)
    before = {"name": user.name, "locale": user.locale, "timezone": user.timezone}
    user.name, user.locale, user.timezone = name.strip()[:255], locale, timezone
    session.flush()
    after = {"name": user.name, "locale": user.locale, "timezone": user.timezone}
    changes = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    if changes:
        _record(session, "user.profile_update", user, changes=changes)


def set_timezone(session: Session, user: User, zone: str) -> None:
    update_profile(session, user, name=user.name, locale=user.locale, timezone=zone)


def _other_active_admins(session: Session, user: User) -> int:
    """Admins who can sign in, besides `user`. Their rows are locked (FOR UPDATE) until the caller commits,
    so two admins demoting each other at the same moment cannot leave nobody in charge."""
    admins = session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True), User.password_hash != "")
        .order_by(User.id).with_for_update()
    ).all()  # fmt: skip
    return len([ident for ident in admins if ident != user.id])


def _keep_an_admin(session: Session, user: User, field: str) -> None:
    if user.role is Role.ADMIN and user.is_active and user.has_password and _other_active_admins(session, user) == 0:
        raise AccountError(field, _("%(name)s is the last active administrator: make someone else an administrator "
                                    "first.", name=user.name))  # fmt: skip


def change_role(session: Session, user: User, role: Role) -> None:
    if role is user.role:
        return
    if role is not Role.ADMIN:
        _keep_an_admin(session, user, "role")
    before = user.role
    user.role = role
    session.flush()
    _record(session, "user.role_change", user, changes={"role": (before.label, role.label)})


def deactivate_user(session: Session, user: User, *, by: User | None = None) -> None:
    """They can no longer sign in, and every session they have ends at once (session version)."""
    if by is not None and by.id == user.id:
        raise AccountError("", _("You cannot deactivate your own account; ask another administrator."))
    if not user.is_active:
        return
    _keep_an_admin(session, user, "")
    user.is_active = False
    user.session_version += 1
    session.flush()
    _record(session, "user.deactivate", user, changes={"active": (True, False)})


def reactivate_user(session: Session, user: User) -> None:
    if user.is_active:
        return
    user.is_active = True
    session.flush()
    _record(session, "user.reactivate", user, changes={"active": (False, True)})


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer for either mistake)."""
    user = find_user_by_email(session, email)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    user.last_login_at = utc_now()
    session.flush()
    _record(session, "user.sign_in", user, actor=user_actor(user))
    return user


def record_failed_sign_in(session: Session, email: str) -> None:
    """A sign-in that failed, for the trail: whose account it named, if any, and why it failed."""
    user = find_user_by_email(session, email)
    if user is None:
        typed = normalise_email(email)
        # Only something that looks like an address is kept: people sometimes type a password here.
        label = typed[:255] if "@" in typed and " " not in typed else "(not an email address)"
        record(session, "user.sign_in_failed", object_type="user", object_id=None, object_label=label,
               detail="no account with this address")  # fmt: skip
        return
    reason = "the account is deactivated" if not user.is_active else "wrong password"
    if user.is_active and not user.has_password:
        reason = "invited, no password chosen yet"
    _record(session, "user.sign_in_failed", user, detail=reason)
