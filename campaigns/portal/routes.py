"""The partner portal's pages. Thin: parse, authorise (the portal session, the partner), call a service."""

from __future__ import annotations

import io
import mimetypes
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from campaigns.delivery.models import EventKind
from campaigns.kits.builds import partner_kits, portal_campaigns
from campaigns.kits.models import Kit, KitStatus
from campaigns.planning.models import Campaign
from campaigns.portal.brand_page import brand_preview_response, colour_advice_response, logo_sha, save_brand_form
from campaigns.portal.forms import BrandForm, ConfirmForm, SignInForm
from campaigns.portal.kit_page import read_kit_page
from campaigns.portal.kit_views import (
    KitUnavailable,
    PortalKitUrls,
    email_with_inline_images,
    kit_email_parts,
    kit_file,
    kit_zip_response,
    open_kit,
    preview_response,
    record_kit_download,
)
from campaigns.portal.mail import KIT_EMAIL_IMAGES, send_kit_test, send_now, send_preference_link, send_sign_in_link
from campaigns.tracking.activity import record_portal_event
from core.audit import record
from core.config import LOCALE_NAMES, LOCALES, Settings
from core.db import db, utc_now
from core.extensions import limiter
from core.mail.addresses import normalise_email
from core.web import email_preview_response
from subscribers.audit import record_contact
from subscribers.brand_editor import BrandCheck, brand_values, check_brand
from subscribers.forms import FREQUENCY_LABELS
from subscribers.models import Contact, PartnerUser
from subscribers.partners import contact_person
from subscribers.portal import (
    current_portal_user,
    end_portal_session,
    partner_contacts,
    partner_users,
    portal_login_required,
    portal_user_by_email,
    record_failed_sign_in,
    sign_in_token,
    start_portal_session,
    use_sign_in_link,
)
from subscribers.programme.standing import holds_competency, portal_standing

bp = Blueprint("portal", __name__, url_prefix="/portal")
_ = gettext


def _settings() -> Settings:
    settings: Settings = current_app.config["CHANNELCAST"]
    return settings


def _user() -> PartnerUser:
    user = current_portal_user()
    assert user is not None  # portal_login_required ran first
    return user


@bp.context_processor
def _named_person() -> dict[str, Any]:
    """Every signed-in portal page names the partner's person at the vendor, with phone and email."""
    user = current_portal_user()
    return {"named_person": contact_person(user.partner)} if user is not None else {}


def _page_locale() -> None:
    """Signed-out pages: `?lang=` or the browser's language (signed-in pages use the user's)."""
    chosen = request.args.get("lang", "")
    if chosen in LOCALES:
        g.locale = chosen


def _per_address() -> str:
    return "portal-sign-in:" + normalise_email(request.form.get("email", ""))


# ------------------------------------------------------------------------------------------- sign-in


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: f"{_settings().portal_sign_in_per_hour} per hour", key_func=_per_address, methods=["POST"])
@limiter.limit("30 per hour", methods=["POST"])
def sign_in() -> ResponseReturnValue:
    """Ask for a link. The answer is the same whether or not the address belongs to anyone."""
    _page_locale()
    form = SignInForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("portal/sign_in.html", form=form, languages=LOCALE_NAMES), status
    user = portal_user_by_email(db.session, form.email.data or "")
    if user is not None:
        link = _settings().public_base_url + url_for(".open_link", token=sign_in_token(user))
        delivery_id = send_sign_in_link(db.session, user, link)
        db.session.commit()
        send_now(db.session, delivery_id)
    return redirect(url_for(".link_sent", lang=request.args.get("lang")))


@bp.get("/sign-in/sent")
def link_sent() -> ResponseReturnValue:
    _page_locale()
    return render_template("portal/link_sent.html", languages=LOCALE_NAMES)


@bp.get("/sign-in/<token>")
def open_link(token: str) -> ResponseReturnValue:
    """Mail scanners open links: a GET only asks; the button below spends the link."""
    _page_locale()
    return render_template("portal/confirm_sign_in.html", form=ConfirmForm(), token=token, languages=LOCALE_NAMES)


@bp.post("/sign-in/<token>")
@limiter.limit("30 per minute", deduct_when=lambda response: response.status_code == 410)
def use_link(token: str) -> ResponseReturnValue:
    _page_locale()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".open_link", token=token))
    user = use_sign_in_link(db.session, token, now=utc_now())
    if user is None:
        record_failed_sign_in(db.session)
        db.session.commit()
        return render_template("portal/link_expired.html", form=SignInForm(), languages=LOCALE_NAMES), 410
    record_portal_event(db.session, EventKind.PORTAL_SIGN_IN, user, {})
    db.session.commit()
    start_portal_session(user)
    return redirect(url_for(".home"))


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        end_portal_session()
    return redirect(url_for(".sign_in"))


# ------------------------------------------------------------------------------------------- home


@bp.get("/")
@portal_login_required
def home() -> ResponseReturnValue:
    user = _user()
    campaigns = portal_campaigns(db.session, user.partner, utc_now())
    kits = partner_kits(db.session, user.partner, [campaign.id for campaign in campaigns])
    standing = portal_standing(db.session, user.partner, _settings().partner_tiers, utc_now().date())
    return render_template(
        "portal/home.html", user=user, campaigns=campaigns, kits=kits, languages=LOCALE_NAMES, standing=standing
    )


# ------------------------------------------------------------------------------------------- brand


def _render_brand(form: BrandForm, check: BrandCheck, status: int = 200) -> ResponseReturnValue:
    user = _user()
    page = render_template(
        "portal/brand.html", form=form, check=check, partner=user.partner, user=user, logo_sha=logo_sha(user.partner)
    )
    return page, status


@bp.get("/brand/advice")
@portal_login_required
def colour_advice() -> ResponseReturnValue:
    return colour_advice_response(request.args.get("colour", ""))


@bp.get("/brand")
@portal_login_required
def brand() -> ResponseReturnValue:
    partner = _user().partner
    values = brand_values(partner)
    form = BrandForm(data=values)
    return _render_brand(form, check_brand(values, country=partner.country))


@bp.post("/brand")
@portal_login_required
def save_brand_page() -> ResponseReturnValue:
    form, check, saved = save_brand_form(_user().partner)
    if not saved:
        return _render_brand(form, check, 400)
    db.session.commit()
    flash(_("Your brand is saved. Your kits are rebuilt with it within a minute."), "success")
    return redirect(url_for(".brand"))


@bp.post("/brand/preview")
@portal_login_required
def brand_preview() -> ResponseReturnValue:
    """What the editor's form would make, unsaved: the co-branded email with the banner above it."""
    user = _user()
    return brand_preview_response(user.partner, user.locale)


# ------------------------------------------------------------------------------------------- contacts


def contact_statuses() -> dict[str, str]:
    return {
        "active": _("Receives the newsletter"),
        "paused": _("Paused"),
        "unsubscribed": _("Unsubscribed"),
        "bounced": _("Address bounced"),
        "complained": _("Marked us as spam"),
    }


def _contact_or_404(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.partner_id != _user().partner_id:
        abort(404)
    return contact


@bp.get("/contacts")
@portal_login_required
def contacts() -> ResponseReturnValue:
    user = _user()
    return render_template(
        "portal/contacts.html",
        user=user,
        contacts=partner_contacts(db.session, user.partner),
        form=ConfirmForm(),
        statuses=contact_statuses(),
        frequencies=FREQUENCY_LABELS,
        languages=LOCALE_NAMES,
    )


@bp.post("/contacts/<int:contact_id>/send-link")
@portal_login_required
@limiter.limit("20 per hour")
def send_contact_link(contact_id: int) -> ResponseReturnValue:
    contact = _contact_or_404(contact_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not contact.status.receives_mail:
        flash(_("%(email)s has unsubscribed: we send them nothing.", email=contact.email), "warning")
        return redirect(url_for(".contacts"))
    delivery_id = send_preference_link(db.session, contact, sent_by=_user())
    record_contact(db.session, "contact.preference_link_sent", contact, detail="sent from the partner portal")
    db.session.commit()
    send_now(db.session, delivery_id)
    flash(_("We sent %(email)s the link to their preferences.", email=contact.email), "success")
    return redirect(url_for(".contacts"))


# ------------------------------------------------------------------------------------------- colleagues


@bp.get("/colleagues")
@portal_login_required
def colleagues() -> ResponseReturnValue:
    """The partner's other marketers who use the portal (read-only: the vendor adds and removes them)."""
    user = _user()
    team = partner_users(db.session, user.partner, active_only=True)
    return render_template("portal/colleagues.html", user=user, team=team, languages=LOCALE_NAMES)


# ------------------------------------------------------------------------------------------- kits


def _kit_or_404(kit_id: int) -> Kit:
    """Only the user's own partner's built kits, of campaigns requiring no competency it lacks (today);
    another partner's kit id is as unknown as a made-up one."""
    kit = db.session.get(Kit, kit_id)
    if kit is None or kit.partner_id != _user().partner_id or not kit.storage_key:
        abort(404)
    required = db.session.scalar(select(Campaign.required_competency_id).where(Campaign.id == kit.campaign_id))
    if not holds_competency(db.session, _user().partner, required, utc_now().date()):
        abort(404)
    return kit


def _record_download(kit: Kit, piece: str | None) -> None:
    user = _user()
    detail: dict[str, Any] = {
        "kit_id": kit.id, "campaign_id": kit.campaign_id, "partner_id": kit.partner_id, "locale": kit.locale,
        "partner_user_id": user.id, "file": piece,
    }  # fmt: skip
    record_kit_download(kit, detail, user)


@bp.errorhandler(KitUnavailable)
def _kit_unavailable(_error: KitUnavailable) -> ResponseReturnValue:
    page = render_template("portal/kit_unavailable.html", user=_user(), languages=LOCALE_NAMES)
    return page, 503, {"Retry-After": "60"}


YEAR = 365 * 24 * 3600


@bp.get("/kits/<int:kit_id>")
@portal_login_required
def kit_page(kit_id: int) -> ResponseReturnValue:
    kit = _kit_or_404(kit_id)
    with open_kit(kit) as archive:
        page = read_kit_page(archive)
    return render_template("portal/kit.html", user=_user(), kit=kit, page=page, languages=LOCALE_NAMES,
                           stale=kit.status is KitStatus.FAILED, preview=False, urls=PortalKitUrls(kit))  # fmt: skip


@bp.get("/kits/<int:kit_id>/email")
@portal_login_required
def kit_email(kit_id: int) -> ResponseReturnValue:
    """The kit's email for the page's frames, its pictures inline (the frame is sandboxed)."""
    with open_kit(_kit_or_404(kit_id)) as archive:
        return email_preview_response(email_with_inline_images(archive))


@bp.get("/kits/<int:kit_id>/previews/<path:name>")
@portal_login_required
def kit_file_preview(kit_id: int, name: str) -> ResponseReturnValue:
    """A picture made small, or the flyer's first page as PNG: made on first request, kept beside the kit."""
    kit = _kit_or_404(kit_id)
    return preview_response(kit, name)


@bp.post("/kits/<int:kit_id>/send-test")
@portal_login_required
@limiter.limit("10 per hour")
def send_kit_test_mail(kit_id: int) -> ResponseReturnValue:
    """The kit's email to the signed-in marketer, through the outbox and sent at once."""
    kit, user = _kit_or_404(kit_id), _user()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with open_kit(kit) as archive:
        html, text, subject = kit_email_parts(archive)
    delivery_id = send_kit_test(db.session, kit, user, html, text, subject)
    record(db.session, "kit.test_sent", object_type="kit", object_id=kit.id, object_label=kit.campaign.name,
           detail=f"to {user.email}", scope=f"partner:{kit.partner_id}")  # fmt: skip
    db.session.commit()
    send_now(db.session, delivery_id)
    flash(_("We sent a test of the email to %(email)s.", email=user.email), "success")
    return redirect(url_for(".kit_page", kit_id=kit.id, _anchor="email"))


@bp.get("/kit-mail/<sha>/<name>")
@limiter.exempt
def kit_mail_image(sha: str, name: str) -> ResponseReturnValue:
    """The logo and picture of a test email: public (mail clients fetch them), named by the ZIP's sha256."""
    if name not in KIT_EMAIL_IMAGES or not re.fullmatch(r"[0-9a-f]{64}", sha):
        abort(404)
    kit = db.session.scalar(select(Kit).where(Kit.sha256 == sha).limit(1))
    if kit is None:
        abort(404)
    with open_kit(kit) as archive:
        if f"email/{name}" not in archive.namelist():
            abort(404)
        data = archive.read(f"email/{name}")
    response = send_file(io.BytesIO(data), mimetype=mimetypes.guess_type(name)[0], max_age=YEAR)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.get("/kits/<int:kit_id>/download")
@portal_login_required
def download_kit(kit_id: int) -> ResponseReturnValue:
    """Streamed in chunks from storage, or (STORAGE_DOWNLOADS=presigned, S3) a redirect to a 5-minute URL."""
    kit = _kit_or_404(kit_id)
    if request.if_none_match.contains(kit.sha256):
        return "", 304
    stored = kit_file(kit)
    _record_download(kit, None)
    return kit_zip_response(kit, stored)


PIECE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


@bp.get("/kits/<int:kit_id>/files/<path:name>")
@portal_login_required
def kit_piece(kit_id: int, name: str) -> ResponseReturnValue:
    """One file of the kit, to look at (inline) or to save (`?download=1`); names come from the ZIP only."""
    kit = _kit_or_404(kit_id)
    with open_kit(kit) as archive:
        if name not in archive.namelist():
            abort(404)
        data = archive.read(name)
    download = request.args.get("download") == "1"
    if download:
        _record_download(kit, name)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if mimetype.startswith("text/") or name.endswith((".md", ".json", ".eml")):
        mimetype = "text/html; charset=utf-8" if name.endswith(".html") else "text/plain; charset=utf-8"
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=download, download_name=name.rsplit("/", 1)[-1],
        max_age=0,
    )  # fmt: skip
    response.headers["Content-Security-Policy"] = PIECE_CSP
    return response
