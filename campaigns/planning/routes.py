from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.planning.calendar import month_bounds, month_grid
from campaigns.planning.forms import CampaignForm, LiveCampaignForm
from campaigns.planning.models import Campaign, CampaignStatus
from campaigns.planning.services import (
    CampaignDraft,
    CampaignError,
    LiveEdit,
    LiveEditRefused,
    attachable_content,
    campaign_history,
    campaigns_between,
    create_campaign,
    list_campaigns,
    move_campaign,
    update_campaign,
    update_live_campaign,
)
from campaigns.planning.targeting import PARTNER_TYPES, campaign_reach
from content.competencies import all_competencies
from content.services import active_interest_areas
from core.audit import action_label
from core.auth import EDITORS, get_or_404, require_role
from core.auth.models import Role
from core.config import LOCALE_NAMES
from core.db import db, utc_now
from core.display import reader_locale
from core.timezones import all_timezones, utc_to_local
from subscribers.admin_partners import TYPE_LABELS

bp = Blueprint("planning", __name__, url_prefix="/campaigns")
READERS = (Role.ADMIN, Role.MARKETER, Role.ACCOUNT_MANAGER, Role.VIEWER)
MOVES = {"schedule": CampaignStatus.SCHEDULED, "unschedule": CampaignStatus.DRAFT, "cancel": CampaignStatus.CANCELLED}


def get_campaign_or_404(campaign_id: int) -> Campaign:
    """Every vendor user may see every campaign; the role decides who may change one."""
    return get_or_404(db.session, Campaign, campaign_id, current_user)


def _campaign_form(campaign: Campaign | None = None, *, live: bool = False) -> CampaignForm:
    form = LiveCampaignForm(obj=None) if live else CampaignForm(obj=None)
    settings = current_app.config["CHANNELCAST"]
    form.interest_areas.choices = [(area.id, area.name(reader_locale())) for area in active_interest_areas(db.session)]
    form.content_items.choices = [
        (item.id, f"{item.title} ({item.status.value.replace('_', ' ')})") for item in attachable_content(db.session)
    ]
    form.tiers.choices = [(tier, tier.capitalize()) for tier in settings.partner_tiers]
    form.partner_types.choices = [(kind, str(TYPE_LABELS.get(kind, kind))) for kind in PARTNER_TYPES]
    form.locales.choices = list(LOCALE_NAMES.items())
    if isinstance(form, CampaignForm):
        form.required_competency_id.choices = [
            ("", "None: every targeted partner"),
            *((c.id, c.name()) for c in all_competencies(db.session)),
        ]
    if campaign is not None and request.method == "GET":
        if isinstance(form, CampaignForm):
            form.name.data, form.goal.data, form.timezone.data = campaign.name, campaign.goal, campaign.timezone
            form.launch_at.data = utc_to_local(campaign.launch_at, campaign.timezone)
            form.required_competency_id.data = campaign.required_competency_id
        form.ends_at.data = utc_to_local(campaign.ends_at, campaign.timezone)
        form.interest_areas.data = [area.id for area in campaign.interest_areas]
        form.content_items.data = [item.id for item in campaign.content_items]
        form.tiers.data, form.partner_types.data = campaign.target_tiers, campaign.target_partner_types
        form.locales.data, form.countries.data = campaign.target_locales, ", ".join(campaign.target_countries)
    return form


def _draft_from(form: CampaignForm) -> CampaignDraft:
    return CampaignDraft(
        name=form.name.data or "",
        goal=form.goal.data or "",
        timezone=form.timezone.data or "",
        launch_local=form.launch_at.data,
        ends_local=form.ends_at.data,
        interest_area_ids=list(form.interest_areas.data or []),
        content_item_ids=list(form.content_items.data or []),
        tiers=list(form.tiers.data or []),
        partner_types=list(form.partner_types.data or []),
        countries=form.country_codes(),
        locales=list(form.locales.data or []),
        required_competency_id=form.required_competency_id.data,
    )


def _show_error(form: CampaignForm, error: CampaignError) -> None:
    target = getattr(form, error.field, None)
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


@bp.get("/")
@require_role(*READERS)
def campaign_list() -> ResponseReturnValue:
    status = request.args.get("status", "")
    chosen = CampaignStatus(status) if status in CampaignStatus.__members__.values() else None
    campaigns = list_campaigns(db.session, status=chosen)
    return render_template("campaigns/list.html", campaigns=campaigns, status=chosen, statuses=list(CampaignStatus))


@bp.get("/calendar")
@require_role(*READERS)
def campaign_calendar() -> ResponseReturnValue:
    today = utc_now().date()
    month = _parse_month(request.args.get("month", f"{today:%Y-%m}"))
    first, last = month_bounds(month.year, month.month)
    # A day of margin on each side: campaigns are placed in their own time zones.
    start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), dt.UTC)
    weeks = month_grid(month.year, month.month, campaigns_between(db.session, start, end), today)
    previous_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return render_template(
        "campaigns/calendar.html", weeks=weeks, month=month, previous_month=previous_month, next_month=next_month
    )


def _parse_month(text: str) -> dt.date:
    year, _, month = text.partition("-")
    if not (year.isdigit() and month.isdigit() and 2000 <= int(year) <= 2100 and 1 <= int(month) <= 12):
        abort(404)
    return dt.date(int(year), int(month), 1)


@bp.get("/<int:campaign_id>")
@require_role(*READERS)
def campaign_detail(campaign_id: int) -> ResponseReturnValue:
    campaign = get_campaign_or_404(campaign_id)
    return render_template(
        "campaigns/detail.html", campaign=campaign, reach=campaign_reach(db.session, campaign),
        history=campaign_history(db.session, campaign), action_label=action_label,
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def campaign_new() -> ResponseReturnValue:
    form = _campaign_form()
    if form.validate_on_submit():
        try:
            campaign = create_campaign(db.session, _draft_from(form), by=current_user, now=utc_now(), **_vocabulary())
        except CampaignError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Campaign “%(name)s” saved as a draft.", name=campaign.name), "success")
            return redirect(url_for(".campaign_detail", campaign_id=campaign.id))
    status = 400 if request.method == "POST" else 200
    return render_template("campaigns/form.html", form=form, campaign=None, timezones=all_timezones()), status


def _live_edit_from(form: LiveCampaignForm) -> LiveEdit:
    return LiveEdit(
        ends_local=form.ends_at.data, interest_area_ids=list(form.interest_areas.data or []),
        content_item_ids=list(form.content_items.data or []), tiers=list(form.tiers.data or []),
        partner_types=list(form.partner_types.data or []), countries=form.country_codes(),
        locales=list(form.locales.data or []),
    )  # fmt: skip


def _edit_live(campaign: Campaign) -> ResponseReturnValue:
    """A live campaign: its end, its content, and targeting that narrows (never widens)."""
    form = _campaign_form(campaign, live=True)
    if form.validate_on_submit():
        try:
            changes = update_live_campaign(db.session, campaign, _live_edit_from(form), now=utc_now(), **_vocabulary())
        except LiveEditRefused as error:
            db.session.rollback()
            for name, message in error.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        except CampaignError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved; they apply from the next newsletter and kit build.") if changes
                  else _("Nothing changed."), "success")  # fmt: skip
            return redirect(url_for(".campaign_detail", campaign_id=campaign.id))
    status = 400 if request.method == "POST" else 200
    page = render_template("campaigns/form.html", form=form, campaign=campaign, live=True, timezones=all_timezones())
    return page, status


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@require_role(*EDITORS)
def campaign_edit(campaign_id: int) -> ResponseReturnValue:
    campaign = get_campaign_or_404(campaign_id)
    if campaign.status is CampaignStatus.LIVE:
        return _edit_live(campaign)
    form = _campaign_form(campaign)
    if form.validate_on_submit():
        try:
            update_campaign(db.session, campaign, _draft_from(form), now=utc_now(), **_vocabulary())
        except CampaignError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".campaign_detail", campaign_id=campaign.id))
    status = 400 if request.method == "POST" else 200
    return render_template("campaigns/form.html", form=form, campaign=campaign, timezones=all_timezones()), status


@bp.post("/<int:campaign_id>/<any(schedule, unschedule, cancel):move>")
@require_role(*EDITORS)
def campaign_move(campaign_id: int, move: str) -> ResponseReturnValue:
    campaign = get_campaign_or_404(campaign_id)
    try:
        move_campaign(db.session, campaign, MOVES[move], by=current_user, now=utc_now())
    except CampaignError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The campaign is now: %(status)s.", status=campaign.status.display_name), "success")
    return redirect(url_for(".campaign_detail", campaign_id=campaign_id))


def _vocabulary() -> dict[str, tuple[str, ...]]:
    return {"tiers": current_app.config["CHANNELCAST"].partner_tiers, "partner_types": PARTNER_TYPES}
