"""Vendor user accounts: creation and password sign-in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.models import Role, User
from core.db import utc_now
from core.mail.addresses import normalise_email
from core.timezones import is_zone

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(session: Session, email: str, name: str, role: Role, password: str) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 255:
        raise AccountError("email", f"{email!r} is not an email address.")
    if find_user_by_email(session, email) is not None:
        raise AccountError("email", f"A user with the email {email} already exists.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    user = User(email=email, name=name.strip() or email, role=role, password_hash="")
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer for either mistake)."""
    user = find_user_by_email(session, email)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    user.last_login_at = utc_now()
    session.flush()
    return user


def set_timezone(session: Session, user: User, zone: str) -> None:
    if not is_zone(zone):
        raise AccountError("timezone", f"{zone!r} is not a time zone; choose one from the list, e.g. Europe/Amsterdam.")
    user.timezone = zone
    session.flush()
