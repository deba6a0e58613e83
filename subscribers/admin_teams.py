"""Vendor admin: distributor channel teams, each kept once and picked from a list on the partner form.

Everyone signed in reads the list; admins and marketers add and edit teams.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import EDITORS, get_or_404, require_role
from core.db import db
from subscribers.admin import bp
from subscribers.forms import TeamForm
from subscribers.models import DistributorTeam
from subscribers.teams import TeamDraft, TeamInvalid, create_team, teams_with_partner_counts, update_team


def _draft(form: TeamForm) -> TeamDraft:
    return TeamDraft(name=form.name.data or "", email=form.email.data or "", phone=form.phone.data or "",
                     countries=form.country_codes())  # fmt: skip


def _render_list(form: TeamForm, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "subscribers/admin/teams.html", teams=teams_with_partner_counts(db.session), form=form,
        may_change=current_user.has_role(*EDITORS),
    )  # fmt: skip
    return page, status


@bp.get("/distributor-teams")
@require_role()
def teams() -> ResponseReturnValue:
    return _render_list(TeamForm(formdata=None))


@bp.post("/distributor-teams")
@require_role(*EDITORS)
def team_create() -> ResponseReturnValue:
    form = TeamForm()
    if not form.validate_on_submit():
        return _render_list(form, 400)
    try:
        team = create_team(db.session, _draft(form))
    except TeamInvalid as error:
        db.session.rollback()
        for name, message in error.errors.items():
            form[name].errors = [message]
        return _render_list(form, 400)
    db.session.commit()
    flash(_("%(name)s is added; choose it on a partner's form.", name=team.name), "success")
    return redirect(url_for(".teams"))


@bp.route("/distributor-teams/<int:team_id>/edit", methods=["GET", "POST"])
@require_role(*EDITORS)
def team_edit(team_id: int) -> ResponseReturnValue:
    team = get_or_404(db.session, DistributorTeam, team_id, current_user)
    form = TeamForm(data={"name": team.name, "email": team.email, "phone": team.phone,
                          "countries": ", ".join(team.countries)} if request.method == "GET" else None)  # fmt: skip
    if form.validate_on_submit():
        try:
            update_team(db.session, team, _draft(form))
        except TeamInvalid as error:
            db.session.rollback()
            for name, message in error.errors.items():
                form[name].errors = [message]
        else:
            db.session.commit()
            flash(_("%(name)s is saved; its partners show the new details.", name=team.name), "success")
            return redirect(url_for(".teams"))
    status = 400 if request.method == "POST" else 200
    return render_template("subscribers/admin/team_form.html", form=form, team=team), status
