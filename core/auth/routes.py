"""Signing in and out, forgotten passwords, invitation links, and each user's own account page."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from core.audit import record
from core.auth.forms import ForgotPasswordForm, PasswordChangeForm, ProfileForm, SetPasswordForm, SignInForm
from core.auth.mail import INVITE as INVITE_MAIL
from core.auth.mail import PASSWORD_RESET as RESET_MAIL
from core.auth.mail import AccountMail, queue_account_mail, send_account_mail_now
from core.auth.models import User
from core.auth.services import (
    INVITE,
    PASSWORD_RESET,
    AccountError,
    authenticate,
    change_password,
    find_user_by_email,
    link_token,
    record_failed_sign_in,
    set_password_from_link,
    update_profile,
    user_from_link,
)
from core.config import LOCALE_NAMES
from core.db import current_db, db
from core.extensions import limiter
from core.mail.addresses import normalise_email
from core.timezones import all_timezones

bp = Blueprint("auth", __name__)
log = logging.getLogger("channelcast.auth")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's ?next=https://evil.example is ignored."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"], deduct_when=lambda response: response.status_code == 401)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("web/login.html", form=form), 400 if request.method == "POST" else 200
    user = authenticate(db.session, form.email.data or "", form.password.data or "")
    if user is None:
        db.session.rollback()
        record_failed_sign_in(db.session, form.email.data or "")
        db.session.commit()
        form.password.errors = [_("Wrong email or password. Check both and try again.")]
        return render_template("web/login.html", form=form), 401
    db.session.commit()
    login_user(user, remember=bool(form.remember.data))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


# ------------------------------------------------------------------------------ account mail and links


def _absolute(endpoint: str, token: str | None = None) -> str:
    path = url_for(endpoint, token=token) if token else url_for(endpoint)
    return str(current_app.config["CHANNELCAST"].public_base_url) + path


def account_mail(user: User, folder: str, *, invited_by: str = "") -> AccountMail:
    """The invitation or password-reset mail for `user`, with a link signed for their current session version."""
    purpose, endpoint = (INVITE, "auth.accept_invite") if folder == INVITE_MAIL else (PASSWORD_RESET, "auth.reset")
    return AccountMail(
        folder=folder, user_id=user.id, to_email=user.email, to_name=user.name, locale=user.locale,
        link=_absolute(endpoint, token=link_token(user, purpose)), sign_in_url=_absolute("auth.login"),
        invited_by=invited_by,
    )  # fmt: skip


def send_after_response(response: Response, message_id: int) -> None:
    """Hand the queued mail to the transport once the answer has gone out, so a known address does not
    answer slower than an unknown one (the outbox retries it if this fails)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            try:
                send_account_mail_now(current_db().session, message_id)
            except Exception:
                log.exception("could not send account mail %s at once; the outbox will retry it", message_id)

    response.call_on_close(send)


def _per_address() -> str:
    return "password-reset:" + normalise_email(request.form.get("email", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", key_func=_per_address, methods=["POST"])
@limiter.limit("30 per hour", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("web/forgot_password.html", form=form), 400 if request.method == "POST" else 200
    response = redirect(url_for(".password_link_sent"))
    user = find_user_by_email(db.session, form.email.data or "")
    if user is not None and user.is_active:
        message_id = queue_account_mail(db.session, account_mail(user, RESET_MAIL))
        record(db.session, "user.password_reset_requested", object_type="user", object_id=user.id,
               object_label=user.name)  # fmt: skip
        db.session.commit()
        send_after_response(response, message_id)
    return response


@bp.get("/password/sent")
def password_link_sent() -> ResponseReturnValue:
    return render_template("web/password_link_sent.html")


def _choose_password(token: str, purpose: str) -> ResponseReturnValue:
    """GET shows the form (mail scanners open links: a GET spends nothing); POST sets the password."""
    template = "web/set_password.html"
    user = user_from_link(db.session, token, purpose)
    if user is None:
        return render_template("web/link_expired.html", purpose=purpose), 410
    form = SetPasswordForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template(template, form=form, user=user, purpose=purpose), status
    try:
        set_password_from_link(db.session, user, form.password.data or "", purpose=purpose)
    except AccountError as error:
        db.session.rollback()
        form.password.errors = [error.message]
        return render_template(template, form=form, user=user, purpose=purpose), 400
    db.session.commit()
    login_user(user)  # whoever was signed in in this browser before, it is now the person the link was for
    flash(_("Your password is set. Welcome, %(name)s.", name=user.name), "success")
    return redirect(url_for("web.home"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"], deduct_when=lambda response: response.status_code == 410)
def accept_invite(token: str) -> ResponseReturnValue:
    return _choose_password(token, INVITE)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"], deduct_when=lambda response: response.status_code == 410)
def reset(token: str) -> ResponseReturnValue:
    return _choose_password(token, PASSWORD_RESET)


# ------------------------------------------------------------------------------ the user's own account


def _render_account(profile: ProfileForm | None = None, password: PasswordChangeForm | None = None) -> str:
    profile = profile or ProfileForm(name=current_user.name, locale=current_user.locale,
                                     timezone=current_user.timezone)  # fmt: skip
    profile.locale.choices = list(LOCALE_NAMES.items())
    profile.timezone.choices = list(all_timezones())
    return render_template("web/account.html", profile=profile, password=password or PasswordChangeForm())


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    return _render_account()


@bp.post("/account")
@login_required
def save_account() -> ResponseReturnValue:
    """Name, the admin pages' language and the time zone every date is shown and entered in."""
    form = ProfileForm()
    form.locale.choices = list(LOCALE_NAMES.items())
    form.timezone.choices = list(all_timezones())
    if not form.validate_on_submit():
        return _render_account(profile=form), 400
    try:
        update_profile(db.session, current_user, name=form.name.data or "", locale=form.locale.data or "",
                       timezone=form.timezone.data or "")  # fmt: skip
    except AccountError as error:
        db.session.rollback()
        form[error.field].errors = [error.message]
        return _render_account(profile=form), 400
    db.session.commit()
    flash(_("Saved. Times are shown in %(zone)s.", zone=current_user.timezone), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/password")
@login_required
def save_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _render_account(password=form), 400
    user: User = current_user._get_current_object()
    try:
        change_password(db.session, user, form.current_password.data or "", form.new_password.data or "")
    except AccountError as error:
        db.session.rollback()
        form[error.field].errors = [error.message]
        return _render_account(password=form), 400
    db.session.commit()
    login_user(user)  # this browser stays signed in under the new session version; every other one is out
    flash(_("Your password is changed. Other devices where you were signed in are signed out."), "success")
    return redirect(url_for("auth.account"))
