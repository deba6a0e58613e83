"""Vendor sign-in, roles and signed links."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.auth.access import EDITORS, get_or_404, require_role
from core.auth.links import InvalidLink, LinkSigner
from core.auth.models import ROLE_LABELS, Role, User
from core.auth.services import AccountError, create_user
from core.db import current_db
from core.extensions import login_manager

__all__ = ["EDITORS", "InvalidLink", "LinkSigner", "Role", "User", "get_or_404", "init_app", "require_role", "signer"]


def signer(app: Flask) -> LinkSigner:
    link_signer: LinkSigner = app.extensions["channelcast.links"]
    return link_signer


def _load_user(user_key: str) -> User | None:
    user_id, _, version = user_key.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = current_db().session.scalar(select(User).where(User.id == int(user_id)))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def init_app(app: Flask) -> None:
    from core.auth.routes import bp
    from core.auth.users_admin import bp as users_bp
    from core.web import register_nav

    app.extensions["channelcast.links"] = LinkSigner(app.config["SECRET_KEY"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    app.register_blueprint(bp)
    app.register_blueprint(users_bp)
    register_nav(app, _l("Users"), "users.index", roles=(Role.ADMIN,), order=90)
    app.jinja_env.globals["role_names"] = ROLE_LABELS
    app.cli.add_command(users_cli)
    _init_change_labels(app)


def _init_change_labels(app: Flask) -> None:
    """A user's recorded changes as the users page names them (the trail records a role's English name)."""
    from core.audit import YES_NO, form_labels, register_change_labels
    from core.auth.forms import InviteForm, ProfileForm
    from core.config import LOCALE_NAMES

    fields = {**form_labels(InviteForm, {"email": "email", "name": "name", "role": "role", "locale": "locale"}),
              **form_labels(ProfileForm, {"timezone": "timezone"}), "active": _l("Active")}  # fmt: skip
    roles = {role.label: ROLE_LABELS[role] for role in Role}
    register_change_labels(app, "user", fields=fields, values={"role": roles, "locale": LOCALE_NAMES, "active": YES_NO})


users_cli = AppGroup("users", help="Manage vendor users.")


@users_cli.command("create")
@click.option("--email", prompt=True)
@click.option("--name", default="", help="Display name (default: the email).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value, show_default=True)
@click.password_option(help="At least 12 characters, not a common or easily guessed one; prompted for when not given.")
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a vendor user (the first admin, for a new installation)."""
    database = current_db()
    try:
        user = create_user(database.session, email, name, Role(role), password)
    except AccountError as error:
        raise click.ClickException(f"{error.field}: {error.message}") from None
    database.session.commit()
    click.echo(f"Created {user.role.label.lower()} {user.email}.")
