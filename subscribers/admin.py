"""Vendor admin pages: partners, contacts, import, support links and data rights.

Everyone signed in reads (account managers only their own partners); viewers change nothing.
Creating and changing partners, contacts and distributor teams: admin_partners, admin_contacts
and admin_teams, on this blueprint.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from babel.dates import get_day_names
from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.auth import EDITORS, Role, require_role
from core.csv_export import csv_text
from core.db import db
from core.extensions import csrf
from subscribers.access import get_contact_or_404, get_partner_or_404
from subscribers.audit import record_contact, record_partner
from subscribers.forms import CONSENT_SOURCE_LABELS, ConfirmForm, EraseForm, ImportForm, PauseByStaffForm
from subscribers.importer import ImportRefused, check_size, import_contacts
from subscribers.links import preference_url, unsubscribe_url
from subscribers.models import ConsentSource, Contact
from subscribers.partners import may_change_partner
from subscribers.rights import erase_contact, export_contact
from subscribers.services import revoke_links

bp = Blueprint("subscribers_admin", __name__, url_prefix="/admin")
STAFF = (Role.ADMIN, Role.MARKETER, Role.ACCOUNT_MANAGER)  # may act for a contact; viewers only read
MB = 1024 * 1024
ContactSection = Callable[[Session, Contact], Markup]
_SECTIONS = "channelcast.contact_sections"


def register_contact_section(app: Flask, render: ContactSection) -> None:
    """Another package's part of a contact's admin page (the messages sent to them), rendered by it."""
    app.extensions.setdefault(_SECTIONS, []).append(render)


def _slugs(contact: Contact) -> str:
    return "|".join(area.slug for area in contact.interests)


@bp.get("/partners/<int:partner_id>/contacts.csv")
@require_role()
def partner_contacts_csv(partner_id: int) -> ResponseReturnValue:
    found = get_partner_or_404(db.session, partner_id, current_user)
    header = ["email", "name", "job_role", "locale", "timezone", "status", "frequency", "interests"]
    rows = [
        [c.email, c.name, c.job_role, c.locale, c.timezone, c.status.value, c.frequency.value, _slugs(c)]
        for c in found.contacts
    ]
    record_partner(db.session, "partner.contacts_export", found, detail=f"{len(rows)} contacts as CSV")
    db.session.commit()
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="partner-{found.id}-contacts.csv"'},
    )


def _render_contact(contact_id: int, **extra: object) -> str:
    contact = get_contact_or_404(db.session, contact_id, current_user)
    sections: list[ContactSection] = current_app.extensions.get(_SECTIONS, [])
    return render_template(
        "subscribers/admin/contact.html",
        contact=contact,
        confirm_form=ConfirmForm(),
        pause_form=PauseByStaffForm(formdata=None),
        erase_form=extra.pop("erase_form", None) or EraseForm(),
        may_act=current_user.has_role(*STAFF),
        may_change=may_change_partner(contact.partner, current_user),
        is_admin=current_user.has_role(Role.ADMIN),
        sections=[render(db.session, contact) for render in sections],
        weekdays=get_day_names("wide", locale=current_user.locale or "en"),
        consent_sources=CONSENT_SOURCE_LABELS,
        **extra,
    )


@bp.get("/contacts/<int:contact_id>")
@require_role()
def contact(contact_id: int) -> ResponseReturnValue:
    return _render_contact(contact_id)


@bp.post("/contacts/<int:contact_id>/links")
@require_role(*STAFF)
def contact_links(contact_id: int) -> ResponseReturnValue:
    found = get_contact_or_404(db.session, contact_id, current_user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".contact", contact_id=contact_id))
    links = {"Preferences": preference_url(found), "Unsubscribe": unsubscribe_url(found)}
    record_contact(db.session, "contact.links_shown", found)
    db.session.commit()
    return _render_contact(contact_id, links=links)


@bp.post("/contacts/<int:contact_id>/revoke-links")
@require_role(*STAFF)
def contact_revoke_links(contact_id: int) -> ResponseReturnValue:
    found = get_contact_or_404(db.session, contact_id, current_user)
    if ConfirmForm().validate_on_submit():
        revoke_links(db.session, found, source=ConsentSource.ADMIN, ip=request.remote_addr, by=current_user)
        db.session.commit()
        flash(_("Every link sent to this contact so far no longer works."), "success")
    return redirect(url_for(".contact", contact_id=contact_id))


@bp.get("/contacts/<int:contact_id>/export.json")
@require_role(Role.ADMIN)
def contact_export(contact_id: int) -> ResponseReturnValue:
    found = get_contact_or_404(db.session, contact_id, current_user)
    document = export_contact(db.session, found, current_app._get_current_object())  # type: ignore[attr-defined]
    db.session.commit()  # the export's audit entry
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="contact-{found.id}.json"'},
    )


@bp.post("/contacts/<int:contact_id>/erase")
@require_role(Role.ADMIN)
def contact_erase(contact_id: int) -> ResponseReturnValue:
    found = get_contact_or_404(db.session, contact_id, current_user)
    form = EraseForm()
    if not form.validate_on_submit() or (form.confirm_email.data or "").strip().lower() != found.email:
        form.confirm_email.errors = ["Type the contact's exact email address to confirm the erasure."]
        return _render_contact(contact_id, erase_form=form), 400
    partner_id = found.partner_id
    erase_contact(db.session, found, current_app._get_current_object(), source="admin")  # type: ignore[attr-defined]
    db.session.commit()
    flash(_("The contact is erased; the address stays on the suppression list as a hash."), "success")
    return redirect(url_for(".partner", partner_id=partner_id))


@bp.route("/contacts/import", methods=["GET", "POST"])
@csrf.exempt  # the global check would parse the body under MAX_UPLOAD_MB; ImportForm checks the token itself
@require_role(*EDITORS)
def import_contacts_page() -> ResponseReturnValue:
    settings = current_app.config["CHANNELCAST"]
    request.max_content_length = settings.import_max_mb * MB  # CSV files may be larger than other uploads
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("subscribers/admin/import.html", form=form), 400 if request.method == "POST" else 200
    upload = form.file.data
    try:
        check_size(request.content_length or 0, settings.import_max_mb)
        report = import_contacts(
            db.session,
            upload.read(),
            file_name=upload.filename or "upload.csv",
            tiers=settings.partner_tiers,
            delimiter=form.delimiter.data or None,
            dry_run=bool(form.dry_run.data),
            notice_days=settings.tier_downgrade_notice_days,
        )
    except ImportRefused as error:
        form.file.errors = [str(error)]
        return render_template("subscribers/admin/import.html", form=form), 400
    if report.written:
        db.session.commit()
    else:
        db.session.rollback()
    return render_template("subscribers/admin/import.html", form=form, report=report), 200 if report.ok else 400
