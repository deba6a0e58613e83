"""The vendor's view of a partner's kit page: read-only, marked as a preview, in the partner's language.

Authorised like the rest of the admin through the partner (`get_partner_or_404`): account managers
open only the kits of the partners they look after. Nothing here is sent, and downloads are not
counted as the partner's.
"""

from __future__ import annotations

import io
import mimetypes

from flask import Blueprint, abort, g, render_template, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.kits.models import Kit, KitStatus
from campaigns.planning.routes import READERS
from campaigns.portal.kit_page import read_kit_page
from campaigns.portal.kit_views import (
    KitUnavailable,
    PreviewKitUrls,
    email_with_inline_images,
    kit_file,
    open_kit,
    preview_response,
)
from core.auth import require_role
from core.config import LOCALE_NAMES
from core.db import db
from core.web import email_preview_response, render_error
from subscribers.access import get_partner_or_404

bp = Blueprint("kit_preview", __name__, url_prefix="/admin/kits/<int:kit_id>/preview")


def get_kit_or_404(kit_id: int) -> Kit:
    """A built kit of a partner the signed-in user may see."""
    kit = db.session.get(Kit, kit_id)
    if kit is None or not kit.storage_key:
        abort(404)
    get_partner_or_404(db.session, kit.partner_id, current_user)
    return kit


@bp.errorhandler(KitUnavailable)
def _kit_unavailable(_error: KitUnavailable) -> ResponseReturnValue:
    response = render_error(503, _("The file store does not answer; the kit is safe. Try again in a minute."))
    response.headers["Retry-After"] = "60"
    return response


@bp.get("/")
@require_role(*READERS)
def page(kit_id: int) -> ResponseReturnValue:
    kit = get_kit_or_404(kit_id)
    g.locale = kit.partner.default_locale  # the page as the partner reads it
    with open_kit(kit) as archive:
        return render_template(
            "portal/kit.html", user=None, kit=kit, page=read_kit_page(archive), languages=LOCALE_NAMES,
            stale=kit.status is KitStatus.FAILED, preview=True, urls=PreviewKitUrls(kit),
        )  # fmt: skip


@bp.get("/email")
@require_role(*READERS)
def email(kit_id: int) -> ResponseReturnValue:
    with open_kit(get_kit_or_404(kit_id)) as archive:
        return email_preview_response(email_with_inline_images(archive))


@bp.get("/previews/<path:name>")
@require_role(*READERS)
def preview(kit_id: int, name: str) -> ResponseReturnValue:
    return preview_response(get_kit_or_404(kit_id), name)


@bp.get("/files/<path:name>")
@require_role(*READERS)
def file(kit_id: int, name: str) -> ResponseReturnValue:
    """One file of the kit (or the whole ZIP as `kit.zip`), as an attachment; not a partner download."""
    kit = get_kit_or_404(kit_id)
    if name == "kit.zip":
        stored = kit_file(kit)
        try:
            data = stored.stream.read()
        finally:
            stored.stream.close()
        download_name = kit.filename or f"kit-{kit.id}.zip"
    else:
        with open_kit(kit) as archive:
            if name not in archive.namelist():
                abort(404)
            data, download_name = archive.read(name), name.rsplit("/", 1)[-1]
    mimetype = mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0)
