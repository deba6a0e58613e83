"""The webhooks page for administrators: register receivers, see each delivery and its attempts.

Admins only (others get 403, recorded). A new or rotated signing secret is shown once, in the
answer to the form that made it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.auth.access import get_or_404, require_role
from core.auth.models import Role
from core.db import db, utc_now
from core.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from core.webhooks.registry import event_types
from core.webhooks.services import (
    WebhookError,
    create_endpoint,
    delete_endpoint,
    rotate_secret,
    send_again,
    update_endpoint,
)

bp = Blueprint("webhooks_admin", __name__, url_prefix="/admin/webhooks")
DELIVERIES_SHOWN = 50


class EventChecks(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(_l("Receiver URL"), validators=[DataRequired(), Length(max=2000)])
    description = StringField(_l("Description"), validators=[Length(max=200)])
    event_types = EventChecks(_l("Events to send"))
    is_active = BooleanField(_l("Active (untick to pause sending; deliveries wait)"), default=True)


class ActionForm(FlaskForm):
    """Only the CSRF token."""


def _endpoint_form(endpoint: WebhookEndpoint | None = None) -> EndpointForm:
    form = EndpointForm(obj=endpoint)
    # The form shows what each event means; its payload is in the README and the registry text.
    form.event_types.choices = [
        SelectChoice(name, f"{name}: {text.partition(' Payload:')[0]}") for name, text in event_types().items()
    ]
    return form


def _https_only() -> bool:
    return bool(current_app.config["CHANNELCAST"].is_production)


def _counts() -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count()).group_by(
            WebhookDelivery.endpoint_id, WebhookDelivery.status
        )
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, status, number in rows:
        counts.setdefault(endpoint_id, {})[WebhookStatus(status).value] = number
    return counts


def _index(form: EndpointForm, *, new_endpoint: WebhookEndpoint | None = None) -> ResponseReturnValue:
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    page = render_template(
        "api/webhooks.html",
        form=form,
        endpoints=endpoints,
        counts=_counts(),
        new_endpoint=new_endpoint,
        types=event_types(),
    )
    return page, 400 if form.errors else 200, {"Cache-Control": "no-store"}


@bp.get("/")
@require_role(Role.ADMIN)
def index() -> ResponseReturnValue:
    return _index(_endpoint_form())


@bp.post("/")
@require_role(Role.ADMIN)
def create() -> ResponseReturnValue:
    form = _endpoint_form()
    if not form.validate_on_submit():
        return _index(form)
    try:
        endpoint = create_endpoint(
            db.session,
            url=form.url.data or "",
            description=form.description.data or "",
            event_types=form.event_types.data or [],
            known_types=event_types(),
            by=current_user,
            https_only=_https_only(),
        )
    except WebhookError as error:
        getattr(form, error.field).errors = [error.message]
        return _index(form)
    db.session.commit()
    return _index(_endpoint_form(), new_endpoint=endpoint)


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    return get_or_404(db.session, WebhookEndpoint, endpoint_id, current_user)


def _detail(endpoint: WebhookEndpoint, form: EndpointForm, *, new_secret: str | None = None) -> ResponseReturnValue:
    deliveries = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(DELIVERIES_SHOWN)
        .options(selectinload(WebhookDelivery.attempt_log))
    ).all()
    page = render_template(
        "api/webhook.html",
        endpoint=endpoint,
        form=form,
        deliveries=deliveries,
        action_form=ActionForm(),
        new_secret=new_secret,
        counts=_counts().get(endpoint.id, {}),
    )
    return page, 400 if form.errors else 200, {"Cache-Control": "no-store"}


@bp.get("/<int:endpoint_id>")
@require_role(Role.ADMIN)
def detail(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _endpoint_or_404(endpoint_id)
    return _detail(endpoint, _endpoint_form(endpoint))


@bp.post("/<int:endpoint_id>")
@require_role(Role.ADMIN)
def update(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _endpoint_or_404(endpoint_id)
    form = _endpoint_form()
    if not form.validate_on_submit():
        return _detail(endpoint, form)
    try:
        update_endpoint(
            db.session,
            endpoint,
            url=form.url.data or "",
            description=form.description.data or "",
            event_types=form.event_types.data or [],
            is_active=bool(form.is_active.data),
            known_types=event_types(),
            https_only=_https_only(),
        )
    except WebhookError as error:
        db.session.rollback()
        getattr(form, error.field).errors = [error.message]
        return _detail(endpoint, form)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".detail", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/secret")
@require_role(Role.ADMIN)
def new_secret(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _endpoint_or_404(endpoint_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".detail", endpoint_id=endpoint.id))
    secret = rotate_secret(db.session, endpoint)
    db.session.commit()
    return _detail(endpoint, _endpoint_form(endpoint), new_secret=secret)


@bp.post("/<int:endpoint_id>/delete")
@require_role(Role.ADMIN)
def delete(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _endpoint_or_404(endpoint_id)
    if ActionForm().validate_on_submit():
        delete_endpoint(db.session, endpoint)
        db.session.commit()
        flash(_("The receiver is removed, with its queued deliveries."), "success")
    return redirect(url_for(".index"))


@bp.post("/deliveries/<int:delivery_id>/again")
@require_role(Role.ADMIN)
def again(delivery_id: int) -> ResponseReturnValue:
    delivery = get_or_404(db.session, WebhookDelivery, delivery_id, current_user)
    if ActionForm().validate_on_submit() and send_again(db.session, delivery, now=utc_now()):
        db.session.commit()
        flash(_("The delivery is queued again."), "success")
    return redirect(url_for(".detail", endpoint_id=delivery.endpoint_id))
