"""Vendor users: the people at the vendor who sign in to the admin."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import Base, enum_column, int_pk, str_255, utc_created

DEFAULT_TIMEZONE = "Europe/Amsterdam"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    ACCOUNT_MANAGER = "account_manager"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        """The role's English name, for the audit trail and the command line (pages use ROLE_LABELS)."""
        return self.value.replace("_", " ").capitalize()


# The role's name on a page, in the reader's language.
ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.MARKETER: _l("Marketer"),
    Role.ACCOUNT_MANAGER: _l("Account manager"),
    Role.VIEWER: _l("Viewer"),
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int_pk]
    email: Mapped[str_255] = mapped_column(unique=True)
    name: Mapped[str_255]
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    password_hash: Mapped[str_255]
    phone: Mapped[str] = mapped_column(String(50), default="")
    # IANA zone the user enters and reads times in (publish dates, schedules); stored times stay UTC.
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE, server_default=DEFAULT_TIMEZONE)
    # The admin pages' language (one of core.config.LOCALES); the locale selector uses it.
    locale: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # Set when an admin invited them by email; the password stays empty until they follow the link.
    invited_at: Mapped[dt.datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change, deactivation or a new invite: old session cookies and old
    # invite and password-reset links (signed for this version) stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[utc_created]
    last_login_at: Mapped[dt.datetime | None]

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return self.has_password and check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        """False for someone invited who has not chosen a password yet: they cannot sign in."""
        return bool(self.password_hash)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
