from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from campaigns.digests.preview import preview_next_digest
from core.auth import Role, require_role
from core.db import db, utc_now
from core.web import email_preview_response
from subscribers.access import get_contact_or_404

bp = Blueprint("digests", __name__, url_prefix="/newsletters")
STAFF = (Role.ADMIN, Role.MARKETER, Role.ACCOUNT_MANAGER, Role.VIEWER)


@bp.get("/contacts/<int:contact_id>")
@require_role(*STAFF)
def contact_preview(contact_id: int) -> ResponseReturnValue:
    """What this contact receives next, and when, at phone and desktop widths."""
    contact = get_contact_or_404(db.session, contact_id, current_user)
    preview = preview_next_digest(db.session, current_app._get_current_object(), contact, utc_now())  # type: ignore[attr-defined]
    return render_template("digests/preview.html", contact=contact, preview=preview)


@bp.get("/contacts/<int:contact_id>/email.html")
@require_role(*STAFF)
def contact_preview_email(contact_id: int) -> ResponseReturnValue:
    contact = get_contact_or_404(db.session, contact_id, current_user)
    preview = preview_next_digest(db.session, current_app._get_current_object(), contact, utc_now())  # type: ignore[attr-defined]
    return email_preview_response(preview.html or "<p>Nothing new for this contact yet.</p>")
