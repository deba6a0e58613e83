"""Vendor admin: add and edit contacts, pause and resume them, move them to another partner.

The form offers everything the preference centre does (and checks it with the same services);
every change staff make is in the contact's consent log (source `admin`, with who) and in the
audit trail. Admins and marketers act on every contact; account managers on their partners' own.
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from content.services import active_interest_areas
from core.auth import require_role
from core.db import db
from core.display import localdate
from core.timezones import all_timezones
from subscribers.access import contact_to_change, partner_to_change
from subscribers.admin import bp
from subscribers.contact_editing import (
    ContactDraft,
    ContactInvalid,
    create_contact,
    move_contact,
    pause_by_staff,
    resume_by_staff,
    update_contact,
)
from subscribers.forms import ConfirmForm, ContactForm, MoveForm, PauseByStaffForm
from subscribers.importer import COUNTRY_DEFAULTS
from subscribers.models import Contact, Partner
from subscribers.partners import may_change_partner, visible_partners
from subscribers.schedule import Frequency
from subscribers.services import PreferenceChoice

# The preference centre's field name for a pause date, and the admin form's.
_FIELD_NAMES = {"pause_until": "paused_until", "opt_in": "paused_until"}


def _contact_form(contact: Contact | None, partner: Partner) -> ContactForm:
    data = None
    if request.method == "GET" and contact is not None:
        data = {
            "email": contact.email, "name": contact.name, "job_role": contact.job_role, "timezone": contact.timezone,
            "interests": [area.id for area in contact.interests], "frequency": contact.frequency.value,
            "preferred_weekday": contact.preferred_weekday, "preferred_hour": contact.preferred_hour,
            "locale": contact.locale, "paused_until": contact.paused_until,
        }  # fmt: skip
    elif request.method == "GET":
        zone = COUNTRY_DEFAULTS.get(partner.country, ("", "Europe/Amsterdam"))[1]
        data = {"locale": partner.default_locale, "timezone": zone, "frequency": Frequency.MONTHLY.value,
                "preferred_weekday": 1, "preferred_hour": 9}  # fmt: skip
    form = ContactForm(data=data)
    form.offer(active_interest_areas(db.session), current_user.locale or "en")
    return form


def _draft(form: ContactForm) -> ContactDraft:
    areas = {area.id: area for area in active_interest_areas(db.session)}
    choice = PreferenceChoice(
        interests=[areas[ident] for ident in form.interests.data or [] if ident in areas],
        frequency=Frequency(form.frequency.data), preferred_weekday=form.preferred_weekday.data,
        preferred_hour=form.preferred_hour.data, locale=form.locale.data, timezone=(form.timezone.data or "").strip(),
    )  # fmt: skip
    return ContactDraft(email=form.email.data or "", name=form.name.data or "", job_role=form.job_role.data or "",
                        choice=choice, paused_until=form.paused_until.data)  # fmt: skip


def _render_form(
    form: ContactForm, partner: Partner, contact: Contact | None, status: int = 200
) -> ResponseReturnValue:
    page = render_template(
        "subscribers/admin/contact_form.html", form=form, partner=partner, contact=contact, timezones=all_timezones()
    )
    return page, status


def _show_errors(form: ContactForm, error: ContactInvalid) -> None:
    for name, message in error.errors.items():
        form[_FIELD_NAMES.get(name, name)].errors = [message]


@bp.route("/partners/<int:partner_id>/contacts/new", methods=["GET", "POST"])
@require_role()
def contact_new(partner_id: int) -> ResponseReturnValue:
    partner = partner_to_change(db.session, partner_id, current_user)
    form = _contact_form(None, partner)
    if not form.validate_on_submit():
        return _render_form(form, partner, None, 400 if request.method == "POST" else 200)
    try:
        contact = create_contact(db.session, partner, _draft(form), by=current_user, ip=request.remote_addr)
    except ContactInvalid as error:
        db.session.rollback()
        _show_errors(form, error)
        return _render_form(form, partner, None, 400)
    db.session.commit()
    if contact.status.receives_mail:
        flash(_("%(email)s is added to %(partner)s.", email=contact.email, partner=partner.name), "success")
    else:
        flash(_("%(email)s is added, stopped: the address is on the suppression list.", email=contact.email),
              "warning")  # fmt: skip
    return redirect(url_for(".contact", contact_id=contact.id))


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@require_role()
def contact_edit(contact_id: int) -> ResponseReturnValue:
    contact = contact_to_change(db.session, contact_id, current_user)
    form = _contact_form(contact, contact.partner)
    if not form.validate_on_submit():
        return _render_form(form, contact.partner, contact, 400 if request.method == "POST" else 200)
    try:
        changed = update_contact(db.session, contact, _draft(form), by=current_user, ip=request.remote_addr)
    except ContactInvalid as error:
        db.session.rollback()
        _show_errors(form, error)
        return _render_form(form, contact.partner, contact, 400)
    db.session.commit()
    flash(_("Changes saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".contact", contact_id=contact.id))


@bp.post("/contacts/<int:contact_id>/pause")
@require_role()
def contact_pause(contact_id: int) -> ResponseReturnValue:
    contact = contact_to_change(db.session, contact_id, current_user)
    form = PauseByStaffForm()
    until: dt.date | None = form.until.data if form.validate_on_submit() else None
    try:
        if until is None:
            raise ContactInvalid({"paused_until": _("Choose the date the newsletters should start again.")})
        pause_by_staff(db.session, contact, until, by=current_user, ip=request.remote_addr)
    except ContactInvalid as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())), "error")
    else:
        db.session.commit()
        paused = _("Newsletters to %(email)s are paused until %(date)s.", email=contact.email, date=localdate(until))
        flash(paused, "success")
    return redirect(url_for(".contact", contact_id=contact.id))


@bp.post("/contacts/<int:contact_id>/resume")
@require_role()
def contact_resume(contact_id: int) -> ResponseReturnValue:
    contact = contact_to_change(db.session, contact_id, current_user)
    if ConfirmForm().validate_on_submit() and resume_by_staff(db.session, contact, by=current_user,
                                                                ip=request.remote_addr):  # fmt: skip
        db.session.commit()
        flash(_("Newsletters to %(email)s resume with the next one due.", email=contact.email), "success")
    return redirect(url_for(".contact", contact_id=contact.id))


def _move_targets(contact: Contact) -> list[Partner]:
    """Active partners the user may change, other than the contact's own."""
    statement = visible_partners(current_user).where(Partner.archived_at.is_(None), Partner.id != contact.partner_id)
    partners = db.session.scalars(statement.order_by(Partner.name, Partner.country))
    return [partner for partner in partners if may_change_partner(partner, current_user)]


@bp.route("/contacts/<int:contact_id>/move", methods=["GET", "POST"])
@require_role()
def contact_move(contact_id: int) -> ResponseReturnValue:
    """Choose the partner, see what moving means, confirm; both partners must be the user's to change."""
    contact = contact_to_change(db.session, contact_id, current_user)
    form = MoveForm()
    form.partner_id.choices = [("", _("Choose a partner")),
                               *((p.id, f"{p.name} ({p.country})") for p in _move_targets(contact))]  # fmt: skip
    target = None
    if form.validate_on_submit() and form.partner_id.data:
        target = partner_to_change(db.session, form.partner_id.data, current_user)
        if form.confirmed.data == "yes":
            try:
                move_contact(db.session, contact, target, by=current_user, ip=request.remote_addr)
            except ContactInvalid as error:
                db.session.rollback()
                form.partner_id.errors = list(error.errors.values())
                target = None
            else:
                db.session.commit()
                flash(_("%(email)s is now a contact of %(partner)s.", email=contact.email, partner=target.name),
                      "success")  # fmt: skip
                return redirect(url_for(".contact", contact_id=contact.id))
    elif request.method == "POST":
        form.partner_id.errors = [_("Choose the partner to move this contact to.")]
    status = 400 if request.method == "POST" and target is None else 200
    page = render_template("subscribers/admin/contact_move.html", contact=contact, form=form, target=target)
    return page, status
