"""The API page for administrators: make, list and revoke tokens (the webhooks page sits beside it).

Admins only; anyone else gets 403, which the audit trail records. A new token's secret is shown
once, in the answer to the form (never in a redirect, a flash or the session cookie).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.api.models import ApiToken
from core.api.scopes import known_scopes
from core.api.tokens import NAME_MAX, TokenError, create_token, label, list_tokens, revoke_token
from core.auth.access import get_or_404, require_role
from core.auth.models import Role
from core.db import db, utc_now

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api")

EXPIRY_CHOICES = [
    SelectChoice("30", _l("In 30 days")),
    SelectChoice("90", _l("In 90 days")),
    SelectChoice("365", _l("In a year")),
    SelectChoice("", _l("Never")),
]


class ScopeChecks(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    scopes = ScopeChecks(_l("What it may do"))
    expires_days = SelectField(_l("Expires"), choices=EXPIRY_CHOICES, default="90")


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking needs no input."""


def _token_form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [SelectChoice(name, f"{name}: {text}") for name, text in known_scopes().items()]
    return form


def _page(form: TokenForm, *, new_secret: str | None = None, new_token: ApiToken | None = None) -> ResponseReturnValue:
    page = render_template(
        "api/tokens.html",
        form=form,
        tokens=list_tokens(db.session),
        now=utc_now(),
        revoke_form=RevokeForm(),
        new_secret=new_secret,
        new_token=new_token,
        label=label,
    )
    # The page may hold a secret: never keep it in a cache or the browser's history.
    return page, 200 if form.errors == {} else 400, {"Cache-Control": "no-store"}


@bp.get("/")
@require_role(Role.ADMIN)
def tokens() -> ResponseReturnValue:
    return _page(_token_form())


@bp.post("/tokens")
@require_role(Role.ADMIN)
def create() -> ResponseReturnValue:
    form = _token_form()
    if not form.validate_on_submit():
        return _page(form)
    days = int(form.expires_days.data) if form.expires_days.data else None
    try:
        made = create_token(
            db.session,
            name=form.name.data or "",
            scopes=form.scopes.data or [],
            by=current_user,
            known_scopes=known_scopes(current_app),
            now=utc_now(),
            expires_in_days=days,
        )
    except TokenError as error:
        getattr(form, error.field).errors = [error.message]
        return _page(form)
    db.session.commit()
    return _page(_token_form(), new_secret=made.secret, new_token=made.token)


@bp.post("/tokens/<int:token_id>/revoke")
@require_role(Role.ADMIN)
def revoke(token_id: int) -> ResponseReturnValue:
    token = get_or_404(db.session, ApiToken, token_id, current_user)
    if not RevokeForm().validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return redirect(url_for(".tokens"))
    if revoke_token(db.session, token, by=current_user, now=utc_now()):
        db.session.commit()
        flash(_("%(token)s is revoked: calls with it are refused from now on.", token=label(token)), "success")
    return redirect(url_for(".tokens"))
