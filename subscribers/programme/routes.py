"""Vendor pages of the partner programme: the competency matrix, who needs training, competencies,
the requirements table, certifications (on the partner page, and a CSV import), tier history.

Everyone signed in reads (account managers only their own partners); admins keep the catalogue
and the requirements; admins and marketers import; whoever may change a partner changes its
certifications and may keep its tier during a pending downgrade.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from content.competencies import CompetencyInvalid, all_competencies, create_competency, update_competency
from content.models import Competency
from content.services import all_interest_areas
from core.auth import EDITORS, Role, get_or_404, require_role
from core.config import LOCALE_NAMES, LOCALES
from core.db import db, utc_now
from core.extensions import csrf
from subscribers.access import contact_to_change, partner_to_change
from subscribers.admin_partners import render_partner_page
from subscribers.forms import ConfirmForm, ImportForm
from subscribers.importer import ImportRefused, check_size
from subscribers.models import Contact
from subscribers.partner_editing import tier_rules
from subscribers.partners import account_managers, may_see_partner
from subscribers.programme.cert_import import import_certifications
from subscribers.programme.certifications import (
    ProgrammeInvalid,
    add_certification,
    remove_certification,
    requirement_table,
    save_requirements,
)
from subscribers.programme.forms import (
    CertificationForm,
    CompetencyForm,
    KeepTierForm,
    RequirementsForm,
)
from subscribers.programme.models import Certification
from subscribers.programme.tiers import change_tier, pending_downgrade
from subscribers.programme.views import MatrixFilter, competency_matrix, needs_training

bp = Blueprint("programme", __name__, url_prefix="/admin/programme")
MB = 1024 * 1024


def _tiers() -> tuple[str, ...]:
    tiers: tuple[str, ...] = current_app.config["CHANNELCAST"].partner_tiers
    return tiers


def _number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/")
@require_role()
def matrix() -> ResponseReturnValue:
    tier = request.args.get("tier", "")
    chosen = MatrixFilter(
        tier=tier if tier in _tiers() else "", manager_id=_number("manager"), page=_number("page") or 1
    )
    found = competency_matrix(db.session, current_user, chosen, utc_now().date())
    return render_template(
        "subscribers/programme/matrix.html", matrix=found, chosen=chosen, tiers=_tiers(),
        managers=account_managers(db.session),
    )  # fmt: skip


@bp.get("/training")
@require_role()
def training() -> ResponseReturnValue:
    manager_id = _number("manager")
    groups = needs_training(db.session, current_user, utc_now().date(), manager_id=manager_id)
    return render_template(
        "subscribers/programme/training.html", groups=groups, chosen_manager=manager_id,
        managers=account_managers(db.session), sees_all=not current_user.has_role(Role.ACCOUNT_MANAGER),
    )  # fmt: skip


# ------------------------------------------------------------------------------------ competencies


@bp.get("/competencies")
@require_role()
def competencies() -> ResponseReturnValue:
    return render_template(
        "subscribers/programme/competencies.html", competencies=all_competencies(db.session),
        can_change=current_user.has_role(Role.ADMIN),
    )  # fmt: skip


def _competency_form(competency: Competency | None) -> CompetencyForm:
    form = CompetencyForm()
    form.area_ids.choices = [(area.id, area.name()) for area in all_interest_areas(db.session) if area.is_active]
    if competency is not None and request.method == "GET":
        form.area_ids.data = [area.id for area in competency.interest_areas]
        for locale in LOCALES:
            form[f"name_{locale}"].data = competency.names.get(locale, "")
    return form


def _render_competency(form: CompetencyForm, competency: Competency | None, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "subscribers/programme/competency_form.html", form=form, competency=competency, locales=LOCALES,
        locale_names=LOCALE_NAMES,
    )  # fmt: skip
    return page, status


@bp.route("/competencies/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def competency_new() -> ResponseReturnValue:
    form = _competency_form(None)
    if not form.validate_on_submit():
        return _render_competency(form, None, 400 if request.method == "POST" else 200)
    try:
        found = create_competency(db.session, form.slug.data or "", form.names(), form.area_ids.data or [])
    except CompetencyInvalid as error:
        db.session.rollback()
        return _competency_errors(form, None, error)
    db.session.commit()
    flash(_("Competency %(name)s added.", name=found.name()), "success")
    return redirect(url_for(".competencies"))


@bp.route("/competencies/<int:competency_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def competency_edit(competency_id: int) -> ResponseReturnValue:
    found = get_or_404(db.session, Competency, competency_id, current_user)
    form = _competency_form(found)
    if not form.validate_on_submit():
        return _render_competency(form, found, 400 if request.method == "POST" else 200)
    try:
        update_competency(db.session, found, form.names(), form.area_ids.data or [])
    except CompetencyInvalid as error:
        db.session.rollback()
        return _competency_errors(form, found, error)
    db.session.commit()
    flash(_("Competency %(name)s saved.", name=found.name()), "success")
    return redirect(url_for(".competencies"))


def _competency_errors(form: CompetencyForm, found: Competency | None, error: CompetencyInvalid) -> ResponseReturnValue:
    for name, message in error.errors.items():
        form[name].errors = [message]
    return _render_competency(form, found, 400)


# ------------------------------------------------------------------------------------ requirements


def _render_requirements(table: dict[str, str], errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "subscribers/programme/requirements.html", form=RequirementsForm(), competencies=all_competencies(db.session),
        tiers=_tiers(), table=table, errors=errors, can_change=current_user.has_role(Role.ADMIN),
        elsewhere=[message for key, message in errors.items() if key.split("-")[1] not in _tiers()],
    )  # fmt: skip
    return page, status


@bp.get("/requirements")
@require_role()
def requirements() -> ResponseReturnValue:
    table = {f"people-{tier}-{cid}": str(people) for (tier, cid), people in requirement_table(db.session).items()}
    return _render_requirements(table, {})


@bp.post("/requirements")
@require_role(Role.ADMIN)
def requirements_save() -> ResponseReturnValue:
    wanted = _requirement_cells()
    table = {f"people-{tier}-{cid}": text for (tier, cid), text in wanted.items()}
    if not RequirementsForm().validate_on_submit():
        return _render_requirements(table, {}, 400)
    try:
        changed = save_requirements(db.session, wanted, tiers=_tiers(), competencies=all_competencies(db.session))
    except ProgrammeInvalid as error:
        db.session.rollback()
        return _render_requirements(table, error.errors, 400)
    db.session.commit()
    flash(_("Requirements saved (%(count)s changed).", count=changed), "success")
    return redirect(url_for(".requirements"))


def _requirement_cells() -> dict[tuple[str, int], str]:
    """Every `people-<tier>-<competency id>` field posted, as typed (a tier name has no dash)."""
    cells: dict[tuple[str, int], str] = {}
    for name, value in request.form.items():
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "people" and parts[2].isdigit():
            cells[(parts[1], int(parts[2]))] = value
    return cells


# ------------------------------------------------------------------------------------ certifications


@bp.post("/partners/<int:partner_id>/certifications")
@require_role()
def certification_add(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    form = CertificationForm()
    if form.validate_on_submit():
        contact = db.session.get(Contact, form.contact_id.data) if form.contact_id.data else None
        if contact is None or contact.partner_id != partner.id:
            form.contact_id.errors = [_("Choose one of %(partner)s's people.", partner=partner.name)]
        else:
            try:
                add_certification(
                    db.session, contact, competency_id=form.competency_id.data, name=form.name.data or "",
                    earned_on=form.earned_on.data, expires_on=form.expires_on.data, today=utc_now().date(),
                )  # fmt: skip
            except ProgrammeInvalid as error:
                db.session.rollback()
                for name, message in error.errors.items():
                    form[name].errors = [message]
            else:
                db.session.commit()
                flash(_("Certification saved."), "success")
                return redirect(url_for("subscribers_admin.partner", partner_id=partner.id, _anchor="certified"))
    return render_partner_page(partner, certification_form=form), 400


@bp.post("/certifications/<int:certification_id>/remove")
@require_role()
def certification_remove(certification_id: int) -> ResponseReturnValue:
    certification = get_or_404(
        db.session, Certification, certification_id, current_user,
        allowed=lambda found, who: may_see_partner(found.contact.partner, who),
    )  # fmt: skip
    contact = contact_to_change(db.session, certification.contact_id, current_user)
    if ConfirmForm().validate_on_submit():
        remove_certification(db.session, certification)
        db.session.commit()
        flash(_("Certification removed."), "success")
    return redirect(url_for("subscribers_admin.partner", partner_id=contact.partner_id, _anchor="certified"))


@bp.route("/certifications/import", methods=["GET", "POST"])
@csrf.exempt  # the global check would parse the body under MAX_UPLOAD_MB; the form checks the token itself
@require_role(*EDITORS)
def certifications_import() -> ResponseReturnValue:
    settings = current_app.config["CHANNELCAST"]
    request.max_content_length = settings.import_max_mb * MB
    form = ImportForm()
    if not form.validate_on_submit():
        page = render_template("subscribers/programme/import.html", form=form)
        return page, 400 if request.method == "POST" else 200
    upload = form.file.data
    try:
        check_size(request.content_length or 0, settings.import_max_mb)
        report = import_certifications(
            db.session, upload.read(), file_name=upload.filename or "upload.csv", today=utc_now().date(),
            delimiter=form.delimiter.data or None, dry_run=bool(form.dry_run.data),
        )  # fmt: skip
    except ImportRefused as error:
        form.file.errors = [str(error)]
        return render_template("subscribers/programme/import.html", form=form), 400
    if report.written:
        db.session.commit()
    else:
        db.session.rollback()
    return render_template("subscribers/programme/import.html", form=form, report=report), 200 if report.ok else 400


# ------------------------------------------------------------------------------------ tiers


@bp.post("/partners/<int:partner_id>/keep-tier")
@require_role()
def keep_tier(partner_id: int) -> ResponseReturnValue:
    """Cancel the pending downgrade: the partner keeps the tier it has."""
    partner = partner_to_change(db.session, partner_id, current_user)
    form = KeepTierForm()
    if form.validate_on_submit() and pending_downgrade(db.session, partner) is not None:
        rules = tier_rules(_tiers(), notice_days=current_app.config["CHANNELCAST"].tier_downgrade_notice_days)
        change_tier(db.session, partner, partner.tier, rules, reason=form.reason.data or "", by=current_user)
        db.session.commit()
        flash(_("The downgrade is cancelled: %(name)s keeps its tier.", name=partner.name), "success")
    return redirect(url_for("subscribers_admin.partner", partner_id=partner.id, _anchor="tier-history"))
