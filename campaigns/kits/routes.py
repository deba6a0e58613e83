"""Kit pieces in the campaign admin: one form per language, with live counts and a server-side check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from campaigns.delivery.outbox import OutboxError
from campaigns.delivery.proofs import queue_proof
from campaigns.delivery.worker import send_one_now
from campaigns.kits.builds import brand_kit, eligible_partners, vendor_info
from campaigns.kits.errors import KitInputError
from campaigns.kits.forms import (
    BULLET_FIELDS,
    PICTURE_FIELDS,
    PICTURE_LABELS,
    PIECE_GROUPS,
    SUBJECT_FIELDS,
    KitPieceForm,
    KitProofForm,
)
from campaigns.kits.inputs import SUBJECT_GUIDELINE, BrandKit, subject_lines_over_guideline
from campaigns.kits.models import Kit, KitPiece, KitStatus
from campaigns.kits.pieces import CLOSED, PieceDraft, delete_piece, kit_copy, pieces_of, save_piece
from campaigns.kits.preview import proof_email
from campaigns.kits.social import NETWORK_NAMES, SOCIAL_LIMITS, social_counts
from campaigns.planning.models import Campaign
from campaigns.planning.routes import READERS, get_campaign_or_404
from content.brand import InvalidField
from content.models import MediaAsset
from core.audit import record
from core.auth import EDITORS, User, require_role
from core.config import LOCALE_NAMES, LOCALES, Settings
from core.db import db
from core.storage import storage_for
from subscribers.brand_editor import DEFAULT_ACCENT, DEFAULT_PRIMARY
from subscribers.models import Partner
from subscribers.partners import visible_partners

bp = Blueprint("kits", __name__, url_prefix="/campaigns")
LIBRARY_IMAGES = 60


@bp.get("/<int:campaign_id>/kit")
@require_role(*READERS)
def kit_overview(campaign_id: int) -> ResponseReturnValue:
    campaign = get_campaign_or_404(campaign_id)
    counts = db.session.execute(
        select(Kit.locale, Kit.status, func.count(Kit.id))
        .where(Kit.campaign_id == campaign.id)
        .group_by(Kit.locale, Kit.status)
    ).all()
    kits = partner_kits_for(db.session, campaign, current_user)
    pieces = pieces_of(db.session, campaign)
    return render_template(
        "campaigns/kit_overview.html",
        campaign=campaign,
        pieces=pieces,
        kit_counts={(locale, status.value): count for locale, status, count in counts},
        languages=LOCALE_NAMES,
        closed=campaign.status in CLOSED,
        kits=kits,
        failed=[
            (kit, failure_in_words(InvalidField.from_record(kit.error)))
            for kit in kits
            if kit.status is KitStatus.FAILED
        ],
        proof_form=_proof_form(campaign, list(pieces)),
    )


def _proof_form(campaign: Campaign, locales: list[str]) -> KitProofForm:
    form = KitProofForm()
    form.locale.choices = [(locale, LOCALE_NAMES[locale]) for locale in locales]
    partners = [(str(p.id), f"{p.name} ({p.country})") for p in eligible_partners(db.session, campaign)]
    form.partner_id.choices = [("", _("A sample partner (default colours, no logo)")), *partners]
    return form


def _settings() -> Settings:
    settings: Settings = current_app.config["CHANNELCAST"]
    return settings


def _proof_brand(partner: Partner | None) -> tuple[BrandKit, str | None]:
    """The chosen partner's brand and the public address of its logo, or a sample brand."""
    if partner is None:
        return BrandKit(
            partner_name=_("Your partner"), primary_colour=DEFAULT_PRIMARY, accent_colour=DEFAULT_ACCENT
        ), None
    sha = partner.logo_path.rsplit("/", 1)[-1].split(".", 1)[0] if partner.logo_path else ""
    logo_url = _settings().public_base_url + url_for("media.rendition", sha=sha, kind="thumb") if sha else None
    return brand_kit(partner, storage_for()), logo_url


@bp.post("/<int:campaign_id>/kit/test-send")
@require_role(*EDITORS)
def kit_test_send(campaign_id: int) -> ResponseReturnValue:
    """The kit's co-branded email in one language, with a partner's brand, to the signed-in user."""
    campaign = get_campaign_or_404(campaign_id)
    pieces = pieces_of(db.session, campaign)
    form = _proof_form(campaign, list(pieces))
    back = redirect(url_for(".kit_overview", campaign_id=campaign.id))
    if not form.validate_on_submit() or form.locale.data not in pieces:
        flash(_("Choose a language that has kit pieces."), "error")
        return back
    chosen = form.partner_id.data or ""
    partner = db.session.get(Partner, int(chosen)) if chosen.isdigit() else None
    try:
        brand, logo_url = _proof_brand(partner)
        locale = form.locale.data or ""
        email = proof_email(kit_copy(campaign, pieces[locale], locale), brand, vendor_info(_settings()),
                            logo_url=logo_url)  # fmt: skip
        link = _settings().public_base_url + url_for(".kit_overview", campaign_id=campaign.id)
        delivery_id = queue_proof(
            db.session, to_email=current_user.email, to_name=current_user.name, subject=email.subject,
            html=email.html, text=email.text, links_to=link, kind=f"kit:{campaign.id}:{locale}",
        )  # fmt: skip
    except (InvalidField, OutboxError) as error:
        db.session.rollback()
        reason = failure_in_words(error) if isinstance(error, InvalidField) else str(error)
        flash(_("The test could not be made: %(reason)s", reason=reason), "error")
        return back
    detail = f"{LOCALE_NAMES[locale]}, {brand.partner_name}, to {current_user.name}"
    record(db.session, "campaign.kit_test_sent", object_type="campaign", object_id=campaign.id,
           object_label=campaign.name, detail=detail)  # fmt: skip
    db.session.commit()
    send_one_now(db.session, _settings(), delivery_id)
    flash(_("A test of the kit email is on its way to you (%(email)s).", email=current_user.email), "success")
    return back


def partner_kits_for(session: Session, campaign: Campaign, user: User) -> list[Kit]:
    """The campaign's kits of the partners `user` may see (account managers: their own), by partner name."""
    visible = visible_partners(user).with_only_columns(Partner.id)
    query = (
        select(Kit)
        .join(Partner, Partner.id == Kit.partner_id)
        .where(Kit.campaign_id == campaign.id, Kit.partner_id.in_(visible))
        .order_by(Partner.name, Kit.locale)
        .options(contains_eager(Kit.partner))
    )
    return list(session.scalars(query))


# What a failed kit's field means to a marketer: the engine names fields, people read these.
FAILURE_FIELDS = {
    "website": _l("The website in their brand"),
    "email": _l("The email address in their brand"),
    "phone": _l("The phone number in their brand"),
    "postal_address": _l("The postal address in their brand"),
    "tagline": _l("The tagline in their brand"),
    "contact_name": _l("The person to ask for in their brand"),
    "primary_colour": _l("The primary colour in their brand"),
    "accent_colour": _l("The accent colour in their brand"),
    "logo": _l("Their logo"),
    "partner_name": _l("Their company name"),
    "medium_copy": _l("The medium copy (kit pieces)"),
    "flyer_text": _l("The flyer's call to action (kit pieces)"),
    "flyer_title": _l("The flyer title (kit pieces)"),
    "bullets": _l("The flyer's key points (kit pieces)"),
}


def failure_in_words(error: InvalidField) -> str:
    """A refused input as a marketer reads it, in their language: `The website in their brand: use a full...`."""
    field, message = error.field, error.message
    if field.startswith("social."):
        network = NETWORK_NAMES.get(field[7:], field[7:])
        return str(_("The %(network)s post (kit pieces): %(reason)s", network=network, reason=message))
    if field.startswith("image."):
        name = field[6:].rsplit(".", 1)[0]
        return str(_("The picture %(name)s (kit pieces): %(reason)s", name=name, reason=message))
    label = FAILURE_FIELDS.get(field)
    return str(_("%(field)s: %(reason)s", field=label, reason=message)) if label else message


def _image_groups(campaign: Campaign, piece: KitPiece | None) -> tuple[list[MediaAsset], list[MediaAsset]]:
    """(this campaign's pictures: its content items' images and those its pieces already use,
    the rest of the library's newest images): the first are offered first, the rest on request."""
    own_ids = [item.hero_image_id for item in campaign.content_items if item.hero_image_id]
    own_ids += list(piece.image_ids) if piece is not None else []
    own = {a.id: a for a in db.session.scalars(select(MediaAsset).where(MediaAsset.id.in_(own_ids)))}
    library = db.session.scalars(select(MediaAsset).order_by(MediaAsset.id.desc()).limit(LIBRARY_IMAGES))
    return [own[i] for i in dict.fromkeys(own_ids) if i in own], [a for a in library if a.id not in own]


def _focal_points(piece: KitPiece | None) -> dict[int, tuple[float, float]]:
    """Posted focal points (percent across and down, per chosen image), else the saved ones."""
    if request.method == "POST":
        points = {}
        for key, value in request.form.items():
            if key.startswith("focal_x-") and key[8:].isdigit():
                image_id = int(key[8:])
                try:
                    points[image_id] = (float(value) / 100, float(request.form.get(f"focal_y-{image_id}", "50")) / 100)
                except ValueError:
                    raise KitInputError(f"focal_{image_id}", _l("Give the focal point in percent, 0 to 100.")) from None
        return points
    saved = piece.focal_points if piece is not None else {}
    return {int(image_id): (point[0], point[1]) for image_id, point in (saved or {}).items()}


def _piece_form(piece: KitPiece | None, assets: list[MediaAsset]) -> KitPieceForm:
    form = KitPieceForm()
    form.image_ids.choices = [
        (asset.id, asset.original_filename or _("Image %(number)s", number=asset.id)) for asset in assets
    ]
    for name in PICTURE_FIELDS.values():
        getattr(form, name).choices = [(0, _("No picture: a plain co-branded header")), *form.image_ids.choices]
    if piece is not None and request.method == "GET":
        for name, bullet in zip(BULLET_FIELDS, piece.bullets or [], strict=False):
            getattr(form, name).data = bullet
        for role, name in PICTURE_FIELDS.items():
            getattr(form, name).data = (piece.pictures or {}).get(role, 0)
        for name, line in zip(SUBJECT_FIELDS, piece.subject_lines, strict=False):
            getattr(form, name).data = line
        for name in ("preheader", "short_copy", "medium_copy", "long_copy", "cta_label", "cta_url", "flyer_title"):
            getattr(form, name).data = getattr(piece, name)
        form.flyer_text.data = piece.flyer_text
        for network, post in piece.social_posts.items():
            getattr(form, f"social_{network}").data = post
        form.image_ids.data = list(piece.image_ids)
    return form


def _draft(form: KitPieceForm, focal_points: dict[int, tuple[float, float]]) -> PieceDraft:
    return PieceDraft(
        subject_lines=form.subject_lines(),
        preheader=form.preheader.data or "",
        short_copy=form.short_copy.data or "",
        medium_copy=form.medium_copy.data or "",
        long_copy=form.long_copy.data or "",
        social_posts=form.social_posts(),
        image_ids=list(form.image_ids.data or []),
        cta_label=form.cta_label.data or "",
        cta_url=form.cta_url.data or "",
        flyer_title=form.flyer_title.data or "",
        flyer_text=form.flyer_text.data or "",
        bullets=form.bullets(),
        pictures=form.pictures(),
        focal_points=focal_points,
    )


# KitCopy field -> form field, to put an engine error beside the right input.
_ERROR_FIELDS = {"subject_lines": "subject_1", "social": "social_linkedin", "locale": ""}


def _show_error(form: KitPieceForm, error: KitInputError) -> None:
    name = error.field
    if name.startswith("subject_lines."):
        name = f"subject_{name.split('.')[1]}"
    elif name.startswith("bullets."):
        name = f"bullet_{name.split('.')[1]}"
    elif name.startswith("social."):
        name = f"social_{name.split('.')[1]}"
    name = _ERROR_FIELDS.get(name, name)
    target = getattr(form, name, None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, error.message[:1].upper() + error.message[1:]]
    else:
        flash(error.message, "error")


@bp.route("/<int:campaign_id>/kit/<locale>", methods=["GET", "POST"])
@require_role(*EDITORS)
def kit_pieces(campaign_id: int, locale: str) -> ResponseReturnValue:
    campaign = get_campaign_or_404(campaign_id)
    if locale not in LOCALES:
        abort(404)
    piece = pieces_of(db.session, campaign).get(locale)
    own, library = _image_groups(campaign, piece)
    form = _piece_form(piece, [*own, *library])
    if form.validate_on_submit():
        try:
            save_piece(db.session, campaign, locale, _draft(form, _focal_points(piece)))
        except KitInputError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Kit pieces in %(language)s saved; kits are rebuilt on the next minute.",
                    language=LOCALE_NAMES[locale],
                ),
                "success",
            )
            return redirect(url_for(".kit_pieces", campaign_id=campaign.id, locale=locale))
    return _pieces_page(campaign, locale, piece, form, own, library), 400 if request.method == "POST" else 200


def _pieces_page(
    campaign: Campaign,
    locale: str,
    piece: KitPiece | None,
    form: KitPieceForm,
    own: list[MediaAsset],
    library: list[MediaAsset],
) -> str:
    try:
        focal_points = _focal_points(piece)
    except KitInputError:  # already shown beside its field: show the saved points
        focal_points = {int(k): (v[0], v[1]) for k, v in ((piece.focal_points or {}) if piece else {}).items()}
    return render_template(
        "campaigns/kit_pieces.html",
        campaign=campaign,
        locale=locale,
        language=LOCALE_NAMES[locale],
        piece=piece,
        form=form,
        subject_fields=SUBJECT_FIELDS,
        guideline=SUBJECT_GUIDELINE,
        long_subjects=dict(subject_lines_over_guideline(form.subject_lines())),
        counts={count.network: count for count in social_counts(form.social_posts())},
        limits=SOCIAL_LIMITS,
        networks=NETWORK_NAMES,
        assets={asset.id: asset for asset in [*own, *library]},
        own_images=own,
        library_images=library,
        picture_fields=PICTURE_FIELDS,
        picture_labels=PICTURE_LABELS,
        piece_groups=PIECE_GROUPS,
        bullet_fields=BULLET_FIELDS,
        focal_points=focal_points,
        chosen=list(dict.fromkeys([*(form.image_ids.data or []), *form.pictures().values()])),
        closed=campaign.status in CLOSED,
    )


@bp.post("/<int:campaign_id>/kit/<locale>/delete")
@require_role(*EDITORS)
def kit_pieces_delete(campaign_id: int, locale: str) -> ResponseReturnValue:
    campaign = get_campaign_or_404(campaign_id)
    piece = pieces_of(db.session, campaign).get(locale)
    if piece is None or campaign.status in CLOSED:
        abort(404)
    delete_piece(db.session, campaign, piece)
    db.session.commit()
    flash(_("Kit pieces in %(language)s removed.", language=LOCALE_NAMES[locale]), "success")
    return redirect(url_for(".kit_overview", campaign_id=campaign.id))
