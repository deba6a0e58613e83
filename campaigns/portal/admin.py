"""Portal users of one partner, for vendor staff: list, add, deactivate, reactivate, send a sign-in link.

Everyone who may see the partner sees the list. Admins, marketers and the partner's own account
managers (and stand-ins) change it; a viewer, or an account manager posting for a partner that is
not theirs, gets 403 and the attempt is in the audit trail. It lives in campaigns because the
sign-in link goes out through the delivery outbox.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from campaigns.portal.mail import send_now, send_sign_in_link
from core.auth import Role, require_role
from core.config import LOCALE_NAMES
from core.db import db
from core.extensions import limiter
from subscribers.access import get_partner_or_404
from subscribers.audit import record_portal_user
from subscribers.models import Partner, PartnerUser
from subscribers.portal import (
    PortalUserError,
    add_partner_user,
    deactivate_partner_user,
    partner_users,
    reactivate_partner_user,
    sign_in_token,
)

bp = Blueprint("portal_users_admin", __name__, url_prefix="/admin/partners/<int:partner_id>/portal-users")
STAFF = (Role.ADMIN, Role.MARKETER, Role.ACCOUNT_MANAGER)


class PortalUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    locale = SelectField(_l("Language of the portal and its emails"))
    send_link = BooleanField(_l("Email them a sign-in link now"), default=True)


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


def _form(partner: Partner) -> PortalUserForm:
    form = PortalUserForm()
    form.locale.choices = list(LOCALE_NAMES.items())
    if request.method == "GET":
        form.locale.data = partner.default_locale
    return form


def _portal_user_or_404(partner: Partner, user_id: int) -> PartnerUser:
    user = db.session.get(PartnerUser, user_id)
    if user is None or user.partner_id != partner.id:
        abort(404)
    return user


def _render(partner: Partner, form: PortalUserForm, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "campaigns/portal_users.html", partner=partner, users=partner_users(db.session, partner), form=form,
        confirm=ConfirmForm(), may_change=current_user.has_role(*STAFF), languages=LOCALE_NAMES,
    )  # fmt: skip
    return page, status


@bp.get("/")
@require_role()
def index(partner_id: int) -> ResponseReturnValue:
    partner = get_partner_or_404(db.session, partner_id, current_user)
    return _render(partner, _form(partner))


@bp.post("/")
@require_role(*STAFF)
def add(partner_id: int) -> ResponseReturnValue:
    partner = get_partner_or_404(db.session, partner_id, current_user)
    form = _form(partner)
    if not form.validate_on_submit():
        return _render(partner, form, 400)
    try:
        user = add_partner_user(db.session, partner, form.email.data or "", name=form.name.data or "",
                                locale=form.locale.data or "")  # fmt: skip
    except PortalUserError as error:
        db.session.rollback()
        form[error.field].errors = [error.message]
        return _render(partner, form, 400)
    if form.send_link.data and partner.archived_at is None:
        _send_link(user)
        flash(_("%(email)s can use the portal; a sign-in link is on its way.", email=user.email), "success")
    else:
        db.session.commit()
        flash(_("%(email)s can sign in to the portal with their address.", email=user.email), "success")
    return redirect(url_for(".index", partner_id=partner.id))


def _send_link(user: PartnerUser) -> None:
    """Queue the portal's own sign-in mail, commit, then send it at once (the outbox retries a failure)."""
    base_url: str = current_app.config["CHANNELCAST"].public_base_url
    link = base_url + url_for("portal.open_link", token=sign_in_token(user))
    delivery_id = send_sign_in_link(db.session, user, link)
    record_portal_user(db.session, "portal_user.sign_in_link_sent", user, detail="sent by vendor staff")
    db.session.commit()
    send_now(db.session, delivery_id)


@bp.post("/<int:user_id>/send-link")
@require_role(*STAFF)
@limiter.limit("20 per hour")
def send_link(partner_id: int, user_id: int) -> ResponseReturnValue:
    partner = get_partner_or_404(db.session, partner_id, current_user)
    user = _portal_user_or_404(partner, user_id)
    if ConfirmForm().validate_on_submit():
        if partner.archived_at is not None:
            flash(_("%(partner)s is archived: its portal users cannot sign in.", partner=partner.name), "warning")
        elif not user.is_active:
            flash(_("%(email)s is deactivated: reactivate them first.", email=user.email), "warning")
        else:
            _send_link(user)
            flash(_("A sign-in link is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for(".index", partner_id=partner.id))


@bp.post("/<int:user_id>/deactivate")
@require_role(*STAFF)
def deactivate(partner_id: int, user_id: int) -> ResponseReturnValue:
    partner = get_partner_or_404(db.session, partner_id, current_user)
    user = _portal_user_or_404(partner, user_id)
    if ConfirmForm().validate_on_submit():
        deactivate_partner_user(db.session, user)
        db.session.commit()
        flash(_("%(email)s can no longer sign in; their session has ended.", email=user.email), "success")
    return redirect(url_for(".index", partner_id=partner.id))


@bp.post("/<int:user_id>/reactivate")
@require_role(*STAFF)
def reactivate(partner_id: int, user_id: int) -> ResponseReturnValue:
    partner = get_partner_or_404(db.session, partner_id, current_user)
    user = _portal_user_or_404(partner, user_id)
    if ConfirmForm().validate_on_submit():
        reactivate_partner_user(db.session, user)
        db.session.commit()
        flash(_("%(email)s can sign in to the portal again.", email=user.email), "success")
    return redirect(url_for(".index", partner_id=partner.id))
