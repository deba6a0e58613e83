"""The brand editor for vendor staff: a partner's logo, colours and contact block, on the partner's behalf.

The same checks and the same saving as the portal's editor (`campaigns.portal.brand_page`, built on
`subscribers.brand_editor`), and the same live preview. Admins, marketers and the partner's own
account managers edit it; anyone else gets 403, which the audit trail records.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.portal.brand_page import brand_preview_response, colour_advice_response, logo_sha, save_brand_form
from campaigns.portal.forms import BrandForm
from core.auth import require_role
from core.db import db
from subscribers.access import partner_to_change
from subscribers.brand_editor import BrandCheck, brand_values, check_brand
from subscribers.models import Partner

bp = Blueprint("partner_brand_admin", __name__, url_prefix="/admin/partners/<int:partner_id>/brand")


def _render(partner: Partner, form: BrandForm, check: BrandCheck, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "campaigns/partner_brand.html", partner=partner, form=form, check=check, logo_sha=logo_sha(partner)
    )
    return page, status


@bp.get("/")
@require_role()
def edit(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    values = brand_values(partner)
    return _render(partner, BrandForm(data=values), check_brand(values, country=partner.country))


@bp.post("/")
@require_role()
def save(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    form, check, saved = save_brand_form(partner)
    if not saved:
        return _render(partner, form, check, 400)
    db.session.commit()
    flash(_("The brand of %(partner)s is saved; its kits are rebuilt within a minute.", partner=partner.name),
          "success")  # fmt: skip
    return redirect(url_for("subscribers_admin.partner", partner_id=partner.id))


@bp.post("/preview")
@require_role()
def preview(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    return brand_preview_response(partner, partner.default_locale)


@bp.get("/advice")
@require_role()
def advice(partner_id: int) -> ResponseReturnValue:
    partner_to_change(db.session, partner_id, current_user)
    return colour_advice_response(request.args.get("colour", ""))
