"""Vendor admin: the badge of each partner tier, for the partners' own promotion (kits carry it).

Everyone signed in sees the badges; admins upload and remove them.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from content.media import MediaLimits
from core.auth import Role, get_or_404, require_role
from core.config import LOCALE_NAMES
from core.db import db
from core.extensions import csrf
from core.storage import storage_for
from subscribers.admin import MB, bp
from subscribers.badges import BadgeInvalid, remove_tier_badge, save_tier_badge, tier_badges
from subscribers.forms import ConfirmForm, TierBadgeForm
from subscribers.models import TierBadge


def _tiers() -> tuple[str, ...]:
    tiers: tuple[str, ...] = current_app.config["CHANNELCAST"].partner_tiers
    return tiers


def _render(form: TierBadgeForm, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "subscribers/admin/tier_badges.html", badges=tier_badges(db.session), form=form,
        confirm_form=ConfirmForm(formdata=None), tiers=_tiers(), languages=LOCALE_NAMES,
        may_change=current_user.has_role(Role.ADMIN),
    )  # fmt: skip
    return page, status


@bp.get("/tier-badges")
@require_role()
def tier_badges_page() -> ResponseReturnValue:
    return _render(TierBadgeForm(formdata=None).setup(_tiers()))


@bp.post("/tier-badges")
@csrf.exempt  # the global check would parse an over-limit body into an error page; TierBadgeForm checks the token
@require_role(Role.ADMIN)
def tier_badge_upload() -> ResponseReturnValue:
    limits = MediaLimits.from_settings(current_app.config["CHANNELCAST"])
    try:
        form = TierBadgeForm().setup(_tiers())
    except RequestEntityTooLarge:  # the body is over the upload limit: said on the field, not an error page
        form = TierBadgeForm(formdata=None).setup(_tiers())
        form.file.errors = [_("The file is larger than %(mb)s MB. Choose a smaller image.", mb=limits.max_bytes // MB)]
        return _render(form, 413)
    if not form.validate_on_submit():
        return _render(form, 400)
    try:
        badge = save_tier_badge(
            db.session, storage_for(), form.file.data, tier=form.tier.data or "", locale=form.locale.data or "",
            tiers=_tiers(), uploaded_by=current_user, limits=limits,
        )  # fmt: skip
    except BadgeInvalid as error:
        db.session.rollback()
        form[error.field].errors = [error.message]
        return _render(form, 400)
    db.session.commit()
    tier = badge.tier.capitalize()
    flash(_("The %(tier)s badge is saved; kits of %(tier)s partners are rebuilt with it.", tier=tier), "success")
    return redirect(url_for(".tier_badges_page"))


@bp.post("/tier-badges/<int:badge_id>/remove")
@require_role(Role.ADMIN)
def tier_badge_remove(badge_id: int) -> ResponseReturnValue:
    badge = get_or_404(db.session, TierBadge, badge_id, current_user)
    if ConfirmForm().validate_on_submit():
        remove_tier_badge(db.session, badge)
        db.session.commit()
        flash(_("The badge is removed."), "success")
    return redirect(url_for(".tier_badges_page"))
