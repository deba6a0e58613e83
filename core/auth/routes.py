from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from core.auth.forms import SignInForm, TimezoneForm
from core.auth.services import authenticate, set_timezone
from core.db import db
from core.extensions import limiter
from core.timezones import all_timezones

bp = Blueprint("auth", __name__)


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
        form.password.errors = ["Wrong email or password. Check both and try again."]
        return render_template("web/login.html", form=form), 401
    db.session.commit()
    login_user(user, remember=bool(form.remember.data))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """The signed-in user's own settings: the time zone every date is shown and entered in."""
    form = TimezoneForm(timezone=current_user.timezone)
    form.timezone.choices = list(all_timezones())
    if not form.validate_on_submit():
        return render_template("web/account.html", form=form), 400 if request.method == "POST" else 200
    set_timezone(db.session, current_user, form.timezone.data or "")
    db.session.commit()
    flash(f"Times are now shown in {current_user.timezone}.", "success")
    return redirect(url_for("auth.account"))
