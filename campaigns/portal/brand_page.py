"""The brand editor's page logic, for one partner: used by the portal (the partner's own marketers) and
by the admin (vendor staff editing on the partner's behalf), so both check and save exactly alike.

The checks and the saving are `subscribers.brand_editor`'s; this adds what a page needs around
them: the form's values from the request, the uploaded logo, and the live preview.
"""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from campaigns.kits.builds import brand_kit, portal_campaigns, vendor_info
from campaigns.kits.inputs import BrandKit, KitCopy
from campaigns.kits.pieces import kit_copy, pieces_of
from campaigns.kits.preview import SAMPLE_COPY, brand_preview_html
from campaigns.portal.forms import BrandForm
from content.brand import InvalidField, advise_colour
from content.languages import configured_fallbacks, first_available, reading_order
from content.media import MediaError, MediaLimits
from core.config import Settings
from core.db import db, utc_now
from core.storage import storage_for
from core.web import email_preview_response
from subscribers.brand_editor import BrandCheck, check_brand, remove_logo, save_brand
from subscribers.models import Partner


def _settings() -> Settings:
    settings: Settings = current_app.config["CHANNELCAST"]
    return settings


def brand_form_values() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in BrandForm().data if name not in ("logo", "csrf_token")}


def uploaded_logo() -> FileStorage | None:
    logo = request.files.get("logo")
    return logo if logo is not None and logo.filename else None


def logo_sha(partner: Partner) -> str:
    """The logo's content hash, which names its thumbnail (`/media/<sha>/thumb`)."""
    return partner.logo_path.rsplit("/", 1)[-1].split(".", 1)[0] if partner.logo_path else ""


def colour_advice_response(colour: str) -> ResponseReturnValue:
    """The editor's live contrast line for one colour (WCAG ratio of white text, nearest readable shade)."""
    try:
        advice = advise_colour(colour)
    except InvalidField:
        return jsonify(error="not a colour"), 400
    message = _("White text on this colour: contrast %(ratio)s:1.", ratio=advice.ratio)
    if not advice.readable:
        message += " " + _("Below 4.5:1, hard to read. Nearest readable shade: %(shade)s.", shade=advice.suggestion)
    return jsonify(ratio=advice.ratio, readable=advice.readable, suggestion=advice.suggestion, message=message)


def save_brand_form(partner: Partner) -> tuple[BrandForm, BrandCheck, bool]:
    """Check the posted brand and, if it is good, save it (flushed): (form, check, saved)."""
    form = BrandForm()
    check = check_brand(brand_form_values(), country=partner.country)
    if not form.validate_on_submit() or not check.ok:
        return form, check, False
    if request.form.get("remove_logo"):
        remove_logo(db.session, partner)
    try:
        save_brand(
            db.session, partner, check.values, logo=uploaded_logo(), storage=storage_for(),
            limits=MediaLimits.from_settings(_settings()),
        )  # fmt: skip
    except MediaError as error:
        db.session.rollback()
        check.errors["logo"] = str(error)
        return form, check, False
    return form, check, True


def _preview_copy(partner: Partner, locale: str) -> KitCopy:
    """The partner's first campaign's pieces in `locale` (or its fallback), else a sample text."""
    for campaign in portal_campaigns(db.session, partner, utc_now()):
        pieces = pieces_of(db.session, campaign)
        found = first_available(reading_order(locale, configured_fallbacks()), pieces)
        piece = pieces[found] if found else None
        if piece is not None:
            try:
                return kit_copy(campaign, piece, piece.locale)
            except InvalidField:
                continue
    return SAMPLE_COPY


def _preview_brand(partner: Partner, check: BrandCheck) -> BrandKit:
    saved = brand_kit(partner, storage_for())
    uploaded = uploaded_logo()
    logo = uploaded.read(MediaLimits.from_settings(_settings()).max_bytes + 1) if uploaded else saved.logo
    if request.form.get("remove_logo"):
        logo = None
    values = check.values
    return BrandKit(
        partner_name=partner.name, primary_colour=values["primary_color"], accent_colour=values["accent_color"],
        logo=logo, website=values["website"], phone=values["phone"], email=values["email"],
        postal_address=values["postal_address"], tagline=values["tagline"], contact_name=values["contact_name"],
    )  # fmt: skip


def brand_preview_response(partner: Partner, locale: str) -> ResponseReturnValue:
    """What the posted form would make, unsaved: the co-branded email with the banner above it."""
    check = check_brand(brand_form_values(), country=partner.country)
    if not BrandForm().validate_on_submit() or not check.ok:
        return email_preview_response(render_template("portal/preview_error.html", errors=check.errors), 400)
    try:
        html = brand_preview_html(
            _preview_copy(partner, locale), _preview_brand(partner, check), vendor_info(_settings()),
            banner_alt=_("Banner preview with your logo"),
        )  # fmt: skip
    except InvalidField as error:
        return email_preview_response(render_template("portal/preview_error.html", errors={"logo": error.message}), 400)
    return email_preview_response(html)
