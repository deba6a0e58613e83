"""Vendor users, for administrators: invite by email, change roles, deactivate and reactivate.

Only admins reach these pages; anyone else gets 403, which the audit trail records.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core.auth.access import get_or_404, require_role
from core.auth.forms import ConfirmForm, InviteForm, RoleForm
from core.auth.mail import INVITE as INVITE_MAIL
from core.auth.mail import queue_account_mail, send_account_mail_now
from core.auth.models import ROLE_LABELS, Role, User
from core.auth.routes import account_mail
from core.auth.services import (
    INVITE_MAX_AGE,
    AccountError,
    change_role,
    deactivate_user,
    invite_user,
    reactivate_user,
    renew_invitation,
)
from core.config import LOCALE_NAMES
from core.db import db, utc_now

bp = Blueprint("users", __name__, url_prefix="/admin/users")

ROLE_HINTS = {
    Role.ADMIN: _l("Everything, including users, the audit trail and data rights."),
    Role.MARKETER: _l("Content, campaigns, kits, imports and delivery."),
    Role.ACCOUNT_MANAGER: _l("Their own partners and those partners' audit trail."),
    Role.VIEWER: _l("Reads everything, changes nothing."),
}


def user_state(user: User, now: dt.datetime) -> tuple[str, str]:
    """(css modifier, words) for the list: active, invited, invitation expired or deactivated."""
    if not user.is_active:
        return "cancelled", _("Deactivated")
    if not user.has_password:
        if user.invited_at is not None and now - user.invited_at > INVITE_MAX_AGE:
            return "draft", _("Invitation expired")
        return "scheduled", _("Invited")
    return "live", _("Active")


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


def _get_user_or_404(user_id: int) -> User:
    return get_or_404(db.session, User, user_id, current_user)


@bp.get("/")
@require_role(Role.ADMIN)
def index() -> ResponseReturnValue:
    users = db.session.scalars(select(User).order_by(User.is_active.desc(), User.name)).all()
    return render_template("web/users/list.html", users=users, state=user_state, now=utc_now(), roles=ROLE_LABELS)


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = _role_choices()
    form.locale.choices = list(LOCALE_NAMES.items())
    if request.method == "GET":
        form.role.data, form.locale.data = Role.MARKETER.value, current_user.locale
    return form


@bp.route("/invite", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def invite() -> ResponseReturnValue:
    form = _invite_form()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("web/users/invite.html", form=form, hints=ROLE_HINTS, roles=ROLE_LABELS), status
    try:
        user = invite_user(db.session, form.email.data or "", form.name.data or "", Role(form.role.data),
                           locale=form.locale.data or "en")  # fmt: skip
    except AccountError as error:
        db.session.rollback()
        form[error.field].errors = [error.message]
        return render_template("web/users/invite.html", form=form, hints=ROLE_HINTS, roles=ROLE_LABELS), 400
    _send_invitation(user)
    flash(_("%(email)s is invited: the link in their email works once, for 48 hours.", email=user.email), "success")
    return redirect(url_for(".detail", user_id=user.id))


def _send_invitation(user: User) -> None:
    """Queue the invitation in the outbox, commit, and send it at once (the outbox retries a failure)."""
    message_id = queue_account_mail(db.session, account_mail(user, INVITE_MAIL, invited_by=current_user.name))
    db.session.commit()
    send_account_mail_now(db.session, message_id)


def _render_detail(
    user: User, role_form: RoleForm | None = None, error: str = "", status: int = 200
) -> ResponseReturnValue:
    if role_form is None:
        role_form = RoleForm(role=user.role.value)
    role_form.role.choices = _role_choices()
    page = render_template(
        "web/users/detail.html", user=user, role_form=role_form, confirm=ConfirmForm(), error=error,
        state=user_state(user, utc_now()), roles=ROLE_LABELS, hints=ROLE_HINTS, languages=LOCALE_NAMES,
    )  # fmt: skip
    return page, status


@bp.get("/<int:user_id>")
@require_role(Role.ADMIN)
def detail(user_id: int) -> ResponseReturnValue:
    return _render_detail(_get_user_or_404(user_id))


@bp.post("/<int:user_id>/role")
@require_role(Role.ADMIN)
def role(user_id: int) -> ResponseReturnValue:
    user = _get_user_or_404(user_id)
    form = RoleForm()
    form.role.choices = _role_choices()
    if not form.validate_on_submit():
        return _render_detail(user, form, status=400)
    try:
        change_role(db.session, user, Role(form.role.data))
    except AccountError as error:
        db.session.rollback()
        form.role.errors = [error.message]
        return _render_detail(user, form, status=400)
    db.session.commit()
    flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/deactivate")
@require_role(Role.ADMIN)
def deactivate(user_id: int) -> ResponseReturnValue:
    user = _get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".detail", user_id=user.id))
    try:
        deactivate_user(db.session, user, by=current_user)
    except AccountError as error:
        db.session.rollback()
        return _render_detail(user, error=error.message, status=400)
    db.session.commit()
    flash(_("%(name)s is deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/reactivate")
@require_role(Role.ADMIN)
def reactivate(user_id: int) -> ResponseReturnValue:
    user = _get_user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        reactivate_user(db.session, user)
        db.session.commit()
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/<int:user_id>/resend-invitation")
@require_role(Role.ADMIN)
def resend_invitation(user_id: int) -> ResponseReturnValue:
    user = _get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".detail", user_id=user.id))
    try:
        renew_invitation(db.session, user)
    except AccountError as error:
        db.session.rollback()
        return _render_detail(user, error=error.message, status=400)
    _send_invitation(user)
    flash(_("A new invitation is on its way to %(email)s; older links no longer work.", email=user.email), "success")
    return redirect(url_for(".detail", user_id=user.id))
