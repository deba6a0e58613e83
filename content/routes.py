"""The library and the editor: list and filter, write in several languages, preview, move through the workflow."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from content.cards import ItemCard, build_card, card_for, render_preview
from content.competencies import all_competencies
from content.forms import FilterForm, ItemForm, PreviewForm
from content.languages import configured_fallbacks, reading_order
from content.media import MediaError, MediaLimits, asset_by_sha, store_upload
from content.models import ContentItem, ContentKind, ContentStatus, MediaAsset
from content.services import (
    ContentInvalid,
    LibraryFilter,
    active_interest_areas,
    all_interest_areas,
    check_item_input,
    get_item_or_404,
    library_page,
    save_item,
)
from content.workflow import WorkflowError, can_edit, move_item, moves_from
from core.auth import EDITORS, require_role
from core.config import LOCALE_NAMES, LOCALES, Settings
from core.db import db
from core.storage import storage_for
from core.web import email_preview_response

bp = Blueprint("content", __name__, url_prefix="/content")

# The preview is a whole email document in a frame: its own inline styles, never a script.


def _settings() -> Settings:
    settings: Settings = current_app.config["CHANNELCAST"]
    return settings


@bp.get("/")
@require_role()
def library() -> ResponseReturnValue:
    filters_form = FilterForm(request.args).setup(all_interest_areas(db.session), _settings().partner_tiers)
    page = library_page(db.session, _library_filter(filters_form), page=request.args.get("page", 1, type=int))
    return render_template(
        "content/library.html",
        page=page,
        filters=filters_form,
        locales=LOCALES,
        locale_names=LOCALE_NAMES,
        can_edit=can_edit(current_user),
    )


def _library_filter(form: FilterForm) -> LibraryFilter:
    """Unknown values in the query string are ignored rather than refused: it is only a filter."""
    form.validate()
    area = form.area.data if not form.area.errors else ""
    return LibraryFilter(
        area_id=int(area) if area and area.isdigit() else None,
        kind=ContentKind(form.kind.data) if form.kind.data and not form.kind.errors else None,
        status=ContentStatus(form.status.data) if form.status.data and not form.status.errors else None,
        missing_locale=form.missing.data if form.missing.data in LOCALES else None,
        tier=form.tier.data if form.tier.data and not form.tier.errors else None,
        search=form.q.data or "",
    )


@bp.get("/new")
@require_role(*EDITORS)
def new() -> ResponseReturnValue:
    return _render_editor(_item_form(), None)


@bp.post("/new")
@require_role(*EDITORS)
def create() -> ResponseReturnValue:
    return _save(_item_form(), None)


@bp.get("/<int:item_id>")
@require_role()
def edit(item_id: int) -> ResponseReturnValue:
    item = get_item_or_404(db.session, item_id, current_user)
    form = _item_form()
    form.fill_from(item, current_user.timezone)
    return _render_editor(form, item)


@bp.post("/<int:item_id>")
@require_role(*EDITORS)
def update(item_id: int) -> ResponseReturnValue:
    return _save(_item_form(), get_item_or_404(db.session, item_id, current_user))


def _item_form() -> ItemForm:
    form = ItemForm().setup(active_interest_areas(db.session), _settings().partner_tiers, all_competencies(db.session))
    form.zone = current_user.timezone
    return form


def _save(form: ItemForm, item: ContentItem | None) -> ResponseReturnValue:
    if not form.validate_on_submit():
        return _render_editor(form, item), 400
    data = form.to_input(current_user.timezone)
    errors = check_item_input(data, tiers=_settings().partner_tiers)
    try:
        if errors:
            raise ContentInvalid(errors)
        image = _stored_image(form)
        saved = save_item(
            db.session,
            item,
            data,
            by=current_user,
            tiers=_settings().partner_tiers,
            hero_image=image,
            remove_image=bool(form.remove_image.data),
        )
    except (ContentInvalid, MediaError) as error:
        db.session.rollback()
        if isinstance(error, MediaError):
            form.image.errors = [str(error)]
        else:
            form.add_errors(error.errors)
        return _render_editor(form, item), 400
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".edit", item_id=saved.id))


def _stored_image(form: ItemForm) -> MediaAsset | None:
    upload = form.image.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    limits = MediaLimits.from_settings(_settings())
    return store_upload(db.session, storage_for(), upload, uploaded_by=current_user, limits=limits)


def _render_editor(form: ItemForm, item: ContentItem | None) -> str:
    present = {variant.locale for variant in item.variants} if item else set()
    return render_template(
        "content/editor.html",
        form=form,
        item=item,
        can_edit=can_edit(current_user),
        moves=moves_from(item.status) if item else (),
        locales=LOCALES,
        locale_names=LOCALE_NAMES,
        present=present,
        retired_areas=[area for area in item.interest_areas if not area.is_active] if item else [],
        zone=current_user.timezone,
        max_upload_mb=_settings().max_upload_mb,
    )


@bp.post("/<int:item_id>/move")
@require_role(*EDITORS)
def move(item_id: int) -> ResponseReturnValue:
    item = get_item_or_404(db.session, item_id, current_user)
    try:
        target = ContentStatus(request.form.get("to", ""))
        move_item(db.session, item, target, by=current_user)
    except (ValueError, WorkflowError) as error:
        db.session.rollback()
        message = str(error) if isinstance(error, WorkflowError) else "That is not a workflow step."
        flash(message, "error")
        return redirect(url_for(".edit", item_id=item_id))
    db.session.commit()
    flash(_("The item is now: %(status)s.", status=target.display_name), "success")
    return redirect(url_for(".edit", item_id=item_id))


@bp.get("/<int:item_id>/preview")
@require_role()
def saved_preview(item_id: int) -> ResponseReturnValue:
    item = get_item_or_404(db.session, item_id, current_user)
    locale = request.args.get("locale", item.default_locale)
    variant, _fallback = item.variant_for(reading_order(locale, configured_fallbacks()))
    if variant is None:
        return email_preview_response(
            render_preview(
                build_card(kind=item.kind, title="(no text yet)", summary="", body="", cta_label="", cta_url="")
            )
        )
    return email_preview_response(render_preview(card_for(item, variant, image_url=_image_url(item.hero_image))))


@bp.post("/preview")
@require_role(*EDITORS)
def live_preview() -> ResponseReturnValue:
    """The editor's unsaved texts as a card; the frame shows it, nothing is stored."""
    form = PreviewForm()
    if not form.validate_on_submit():
        return email_preview_response(render_template("content/preview_error.html"), status=400)
    image = asset_by_sha(db.session, form.image_sha.data or "")
    card: ItemCard = build_card(
        kind=ContentKind(form.kind.data),
        title=form.title.data or "(no title yet)",
        summary=form.summary.data or "",
        body=form.body.data or "",
        cta_label=form.cta_label.data or "",
        cta_url=form.cta_url.data or "",
        image_url=_image_url(image),
    )
    return email_preview_response(render_preview(card))


def _image_url(asset: MediaAsset | None) -> str:
    return url_for("media.rendition", sha=asset.sha256, kind="email-1200") if asset else ""
