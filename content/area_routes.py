"""Interest areas: every signed-in user sees the list; administrators change it."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from sqlalchemy.orm import Session

from content.forms import AreaForm
from content.models import InterestArea
from content.services import (
    ContentError,
    all_interest_areas,
    create_area,
    get_area_or_404,
    move_area,
    restore_area,
    retire_area,
    update_area,
)
from core.auth import Role, require_role
from core.config import LOCALE_NAMES, LOCALES
from core.db import db
from core.display import reader_locale

bp = Blueprint("areas", __name__, url_prefix="/content/areas")


@bp.get("/")
@require_role()
def index() -> ResponseReturnValue:
    return render_template(
        "content/areas.html", areas=all_interest_areas(db.session), can_change=current_user.has_role(Role.ADMIN)
    )


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def new() -> ResponseReturnValue:
    form = AreaForm()
    if form.validate_on_submit():
        try:
            area = create_area(db.session, form.slug.data or "", form.names(), form.descriptions())
        except ContentError as error:
            return _form_error(form, None, error)
        db.session.commit()
        flash(_("Interest area %(name)s added at the end of the list.", name=area.name(reader_locale())), "success")
        return redirect(url_for(".index"))
    return _render_form(form, None), 400 if request.method == "POST" else 200


@bp.route("/<int:area_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit(area_id: int) -> ResponseReturnValue:
    area = get_area_or_404(db.session, area_id, current_user)
    form = AreaForm()
    if request.method == "GET":
        form.fill_from(area)
    elif form.validate_on_submit():
        try:
            update_area(db.session, area, form.names(), form.descriptions())
        except ContentError as error:
            return _form_error(form, area, error)
        db.session.commit()
        flash(_("Interest area %(name)s saved.", name=area.name(reader_locale())), "success")
        return redirect(url_for(".index"))
    return _render_form(form, area), 400 if request.method == "POST" else 200


def _form_error(form: AreaForm, area: InterestArea | None, error: ContentError) -> ResponseReturnValue:
    db.session.rollback()
    form[error.field].errors = [*form[error.field].errors, error.message]
    return _render_form(form, area), 400


def _render_form(form: AreaForm, area: InterestArea | None) -> str:
    return render_template("content/area_form.html", form=form, area=area, locales=LOCALES, locale_names=LOCALE_NAMES)


@bp.post("/<int:area_id>/move")
@require_role(Role.ADMIN)
def move(area_id: int) -> ResponseReturnValue:
    area = get_area_or_404(db.session, area_id, current_user)
    move_area(db.session, area, offset=-1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for(".index", _anchor=f"area-{area.id}"))


@bp.post("/<int:area_id>/retire")
@require_role(Role.ADMIN)
def retire(area_id: int) -> ResponseReturnValue:
    return _change_state(
        area_id, retire_area, _l("%(name)s is retired: contacts and editors no longer see it; old items keep it.")
    )


@bp.post("/<int:area_id>/restore")
@require_role(Role.ADMIN)
def restore(area_id: int) -> ResponseReturnValue:
    return _change_state(area_id, restore_area, _l("%(name)s is active again."))


def _change_state(
    area_id: int, change: Callable[[Session, InterestArea], None], message: LazyString
) -> ResponseReturnValue:
    area = get_area_or_404(db.session, area_id, current_user)
    change(db.session, area)
    db.session.commit()
    flash(str(message) % {"name": area.name(reader_locale())}, "success")
    return redirect(url_for(".index"))
