"""Vendor admin: the partners list and page; create, edit, archive and restore partners, change many at once.

Admins and marketers change every partner; account managers the ones they manage or stand in
for; viewers nothing. A refusal is a 403 naming the partner, and it is in the audit trail.
"""

from __future__ import annotations

import dataclasses

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from content.competencies import all_competencies
from core.auth import EDITORS, require_role
from core.config import LOCALE_NAMES
from core.db import db, utc_now
from subscribers.access import get_partner_or_404, partner_to_change
from subscribers.admin import bp
from subscribers.countries import country_choices, country_name
from subscribers.engagement import Band, band_of, decayed
from subscribers.forms import BulkForm, ConfirmForm, PartnerForm
from subscribers.models import Partner, PartnerType
from subscribers.partner_editing import (
    BULK_ARCHIVE,
    BULK_MANAGER,
    BULK_TIER,
    PartnerDraft,
    PartnerInvalid,
    apply_bulk,
    archive_partner,
    create_partner,
    plan_bulk,
    restore_partner,
    update_partner,
)
from subscribers.partners import (
    PAGE_SIZE,
    SHOW_ACTIVE,
    SHOW_ALL,
    SHOW_ARCHIVED,
    SORT_ENGAGEMENT,
    SORT_NAME,
    PartnerFilter,
    account_managers,
    contact_person,
    may_change_partner,
    may_change_partners,
    partner_countries,
    partner_page,
)
from subscribers.programme.forms import CertificationForm, KeepTierForm
from subscribers.programme.standing import partner_programme
from subscribers.programme.tiers import pending_downgrade
from subscribers.teams import all_teams

TYPE_LABELS = {
    PartnerType.SOLUTION.value: _l("Solution"),
    PartnerType.SALES.value: _l("Sales"),
    PartnerType.SERVICE.value: _l("Service"),
    PartnerType.INFLUENCER.value: _l("Influencer"),
}
BAND_LABELS = {
    Band.ENGAGED.value: _l("Engaged"),
    Band.COOLING.value: _l("Cooling"),
    Band.SILENT.value: _l("Silent"),
}
BULK_LABELS = {
    BULK_MANAGER: _l("Account manager"),
    BULK_TIER: _l("Tier"),
    BULK_ARCHIVE: _l("Archive them"),
}


def _number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _filter_from_args() -> PartnerFilter:
    show = request.args.get("show", SHOW_ACTIVE)
    return PartnerFilter(
        tier=request.args.get("tier", ""),
        type=request.args.get("type", ""),
        country=request.args.get("country", ""),
        manager_id=_number("manager"),
        team_id=_number("team"),
        show=show if show in (SHOW_ACTIVE, SHOW_ARCHIVED, SHOW_ALL) else SHOW_ACTIVE,
        page=_number("page") or 1,
        engagement=request.args.get("engagement", "") if request.args.get("engagement") in set(Band) else "",
        sort=SORT_ENGAGEMENT if request.args.get("sort") == SORT_ENGAGEMENT else SORT_NAME,
    )


@bp.get("/partners")
@require_role()
def partners() -> ResponseReturnValue:
    chosen = _filter_from_args()
    settings = current_app.config["CHANNELCAST"]
    rows, total = partner_page(db.session, current_user, chosen, cooling_percent=settings.engagement_cooling_percent)
    now = utc_now()
    return render_template(
        "subscribers/admin/partners.html",
        rows=rows,
        total=total,
        chosen=chosen,
        pages=max(1, -(-total // PAGE_SIZE)),
        tiers=current_app.config["CHANNELCAST"].partner_tiers,
        types=TYPE_LABELS,
        countries=partner_countries(db.session),
        managers=account_managers(db.session),
        teams=all_teams(db.session),
        contact_person=contact_person,
        country_name=country_name,
        may_change=may_change_partners(current_user),
        bulk=bulk_form(),
        bands=BAND_LABELS,
        band_of=lambda score: band_of(
            decayed(score.score, score.as_of, now, settings.engagement_half_life_days) if score else 0.0,
            score.baseline if score else 0.0,
            settings.engagement_cooling_percent,
        ),
        score_now=lambda score: (
            decayed(score.score, score.as_of, now, settings.engagement_half_life_days) if score else 0.0
        ),
    )


@bp.get("/partners/<int:partner_id>")
@require_role()
def partner(partner_id: int) -> ResponseReturnValue:
    return render_partner_page(get_partner_or_404(db.session, partner_id, current_user))


def render_partner_page(found: Partner, *, certification_form: CertificationForm | None = None) -> str:
    """The partner's page, with its programme standing (certified people, competencies, tier history)."""
    form = certification_form or CertificationForm(formdata=None)
    form.contact_id.choices = [("", _("Choose a person")), *((c.id, c.name or c.email) for c in found.contacts)]
    form.competency_id.choices = [
        ("", _("Choose a competency")),
        *((c.id, c.name()) for c in all_competencies(db.session)),
    ]
    return render_template(
        "subscribers/admin/partner.html", partner=found, person=contact_person(found), types=TYPE_LABELS,
        country_name=country_name, may_change=may_change_partner(found, current_user), confirm_form=ConfirmForm(),
        programme=partner_programme(db.session, found, utc_now().date()), certification_form=form,
        keep_tier_form=KeepTierForm(formdata=None), today=utc_now().date(),
    )  # fmt: skip


def _tiers() -> tuple[str, ...]:
    tiers: tuple[str, ...] = current_app.config["CHANNELCAST"].partner_tiers
    return tiers


def _notice_days() -> int:
    days: int = current_app.config["CHANNELCAST"].tier_downgrade_notice_days
    return days


def _partner_form(partner: Partner | None) -> PartnerForm:
    reading = request.method == "GET"
    form = PartnerForm(data=dataclasses.asdict(PartnerDraft.of(partner)) if partner and reading else None)
    if partner is None and reading:
        form.tier.data, form.type.data, form.default_locale.data = _tiers()[0], PartnerType.SOLUTION.value, "en"
    form.tier.choices = [(tier, tier.capitalize()) for tier in _tiers()]
    form.type.choices = [(value, str(label)) for value, label in TYPE_LABELS.items()]
    form.country.choices = [("", _("Choose a country")), *country_choices()]
    form.default_locale.choices = list(LOCALE_NAMES.items())
    managers = [(user.id, user.name) for user in account_managers(db.session, active_only=True)]
    for current in (partner.account_manager, partner.backup_manager) if partner else ():
        if current is not None and not current.is_active:  # shown, so saving does not drop them unasked
            managers.append((current.id, _("%(name)s (deactivated)", name=current.name)))
    form.account_manager_id.choices = [("", _("Nobody")), *managers]
    form.backup_manager_id.choices = [("", _("Nobody")), *managers]
    form.distributor_team_id.choices = [("", _("No team")), *((team.id, team.name) for team in all_teams(db.session))]
    return form


def _draft(form: PartnerForm) -> PartnerDraft:
    return PartnerDraft(
        name=form.name.data or "", tier=form.tier.data or "", type=form.type.data or "",
        country=form.country.data or "", default_locale=form.default_locale.data or "",
        subcategory=form.subcategory.data or "", account_manager_id=form.account_manager_id.data,
        backup_manager_id=form.backup_manager_id.data, distributor_team_id=form.distributor_team_id.data,
        tier_reason=form.tier_reason.data or "", tier_effective_on=form.tier_effective_on.data,
    )  # fmt: skip


def _render_form(form: PartnerForm, partner: Partner | None, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "subscribers/admin/partner_form.html", form=form, partner=partner, notice_days=_notice_days(),
        pending=pending_downgrade(db.session, partner) if partner else None,
    )  # fmt: skip
    return page, status


def _show_errors(form: PartnerForm, error: PartnerInvalid) -> None:
    for name, message in error.errors.items():
        form[name].errors = [message]


@bp.route("/partners/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def partner_new() -> ResponseReturnValue:
    form = _partner_form(None)
    if not form.validate_on_submit():
        return _render_form(form, None, 400 if request.method == "POST" else 200)
    try:
        partner = create_partner(db.session, _draft(form), tiers=_tiers())
    except PartnerInvalid as error:
        db.session.rollback()
        _show_errors(form, error)
        return _render_form(form, None, 400)
    db.session.commit()
    flash(_("%(name)s is added. Add its contacts below.", name=partner.name), "success")
    return redirect(url_for(".partner", partner_id=partner.id))


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@require_role()
def partner_edit(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    form = _partner_form(partner)
    if not form.validate_on_submit():
        return _render_form(form, partner, 400 if request.method == "POST" else 200)
    try:
        changes = update_partner(
            db.session, partner, _draft(form), tiers=_tiers(), notice_days=_notice_days(), by=current_user
        )
    except PartnerInvalid as error:
        db.session.rollback()
        _show_errors(form, error)
        return _render_form(form, partner, 400)
    pending = pending_downgrade(db.session, partner)
    db.session.commit()
    flash(_("Changes to %(name)s saved.", name=partner.name) if changes else _("Nothing changed."), "success")
    if "tier" in changes and pending is not None:
        flash(_("The downgrade to %(tier)s takes effect on %(date)s; %(name)s keeps its tier until then. "
                "Its account manager is told by email.", tier=pending.to_tier.capitalize(),
                date=format_date(pending.effective_on, "long"), name=partner.name), "success")  # fmt: skip
    return redirect(url_for(".partner", partner_id=partner.id))


@bp.post("/partners/<int:partner_id>/archive")
@require_role()
def partner_archive(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    if ConfirmForm().validate_on_submit() and archive_partner(db.session, partner):
        db.session.commit()
        flash(_("%(name)s is archived: no newsletters, no kits, and its portal users cannot sign in.",
                name=partner.name), "success")  # fmt: skip
    return redirect(url_for(".partner", partner_id=partner.id))


@bp.post("/partners/<int:partner_id>/restore")
@require_role()
def partner_restore(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    if ConfirmForm().validate_on_submit() and restore_partner(db.session, partner):
        db.session.commit()
        flash(_("%(name)s is active again: newsletters and kits resume.", name=partner.name), "success")
    return redirect(url_for(".partner", partner_id=partner.id))


# ------------------------------------------------------------------------------------------- bulk


def bulk_form() -> BulkForm:
    """The bulk bar under the partners list (also what its confirmation page posts back)."""
    form = BulkForm()
    form.action.choices = [("", _("Choose a change")), *((key, str(label)) for key, label in BULK_LABELS.items())]
    managers = [(str(user.id), user.name) for user in account_managers(db.session, active_only=True)]
    form.manager_id.choices = [("", _("Choose an account manager")), *managers]
    form.tier.choices = [("", _("Choose a tier")), *((tier, tier.capitalize()) for tier in _tiers())]
    return form


@bp.post("/partners/bulk")
@require_role()
def partners_bulk() -> ResponseReturnValue:
    """Ticked partners and a change: first a page listing every partner old -> new, then, confirmed, all of it."""
    form = bulk_form()
    if not form.validate_on_submit():
        return redirect(url_for(".partners"))
    partners = [partner_to_change(db.session, ident, current_user) for ident in dict.fromkeys(form.partner_ids.data)]
    action = form.action.data or ""
    value = form.manager_id.data if action == BULK_MANAGER else form.tier.data if action == BULK_TIER else ""
    plan = plan_bulk(db.session, partners, action, value or "", tiers=_tiers(), notice_days=_notice_days())
    if form.confirmed.data == "yes" and not plan.errors:
        try:
            count = apply_bulk(
                db.session, plan, tiers=_tiers(), now=utc_now(), notice_days=_notice_days(), by=current_user
            )
        except PartnerInvalid as error:  # someone changed a partner since the plan was checked: none of it
            db.session.rollback()
            plan.errors.extend(error.errors.values())
        else:
            db.session.commit()
            flash(ngettext("%(num)d partner changed.", "%(num)d partners changed.", count), "success")
            return redirect(url_for(".partners"))
    page = render_template(
        "subscribers/admin/bulk_confirm.html", plan=plan, form=form, action_label=BULK_LABELS.get(action, ""),
    )  # fmt: skip
    return page, 400 if plan.errors else 200
