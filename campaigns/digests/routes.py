from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.delivery.proofs import queue_proof
from campaigns.delivery.worker import send_one_now
from campaigns.digests.preview import preview_next_digest
from core.auth import Role, require_role
from core.db import db, utc_now
from core.web import email_preview_response
from subscribers.access import get_contact_or_404
from subscribers.audit import record_contact
from subscribers.forms import ConfirmForm

bp = Blueprint("digests", __name__, url_prefix="/newsletters")
STAFF = (Role.ADMIN, Role.MARKETER, Role.ACCOUNT_MANAGER, Role.VIEWER)
SENDERS = (Role.ADMIN, Role.MARKETER, Role.ACCOUNT_MANAGER)  # may send themselves a test


@bp.get("/contacts/<int:contact_id>")
@require_role(*STAFF)
def contact_preview(contact_id: int) -> ResponseReturnValue:
    """What this contact receives next, and when, at phone and desktop widths."""
    contact = get_contact_or_404(db.session, contact_id, current_user)
    preview = preview_next_digest(db.session, current_app._get_current_object(), contact, utc_now())  # type: ignore[attr-defined]
    return render_template(
        "digests/preview.html", contact=contact, preview=preview, form=ConfirmForm(),
        may_send=current_user.has_role(*SENDERS),
    )  # fmt: skip


@bp.get("/contacts/<int:contact_id>/email.html")
@require_role(*STAFF)
def contact_preview_email(contact_id: int) -> ResponseReturnValue:
    contact = get_contact_or_404(db.session, contact_id, current_user)
    preview = preview_next_digest(db.session, current_app._get_current_object(), contact, utc_now())  # type: ignore[attr-defined]
    return email_preview_response(preview.html or "<p>Nothing new for this contact yet.</p>")


@bp.post("/contacts/<int:contact_id>/test-send")
@require_role(*SENDERS)
def contact_preview_test_send(contact_id: int) -> ResponseReturnValue:
    """This newsletter, as the contact would get it, to the signed-in user; its links lead to the contact's page."""
    contact = get_contact_or_404(db.session, contact_id, current_user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".contact_preview", contact_id=contact.id))
    base_url: str = current_app.config["CHANNELCAST"].public_base_url
    safe_link = base_url + url_for("subscribers_admin.contact", contact_id=contact.id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    preview = preview_next_digest(db.session, app, contact, utc_now(), links=safe_link)
    if preview.is_empty:
        flash(_("There is nothing to send: %(email)s gets no newsletter at that moment.", email=contact.email),
              "warning")  # fmt: skip
        return redirect(url_for(".contact_preview", contact_id=contact.id))
    delivery_id = queue_proof(
        db.session, to_email=current_user.email, to_name=current_user.name, subject=preview.subject,
        html=preview.html, text=preview.text, links_to=safe_link, kind=f"newsletter:{contact.id}",
    )  # fmt: skip
    record_contact(db.session, "contact.newsletter_test_sent", contact, detail=f"to {current_user.name}")
    db.session.commit()
    send_one_now(db.session, current_app.config["CHANNELCAST"], delivery_id)
    flash(_("A test of this newsletter is on its way to you (%(email)s).", email=current_user.email), "success")
    return redirect(url_for(".contact_preview", contact_id=contact.id))
