"""Partner-facing pages: the preference centre (/p/<token>) and one-click unsubscribe (/u/<token>).

No password: the signed token is the key. Pages speak the contact's language (or `?lang=`),
and any token that does not open a door (unknown, tampered, expired, revoked, erased contact)
gets the same friendly page, which says nothing about whether an address exists.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.lists import format_list
from flask import Blueprint, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from content.services import active_interest_areas
from core.config import LOCALE_NAMES, LOCALES
from core.db import db, utc_now
from core.extensions import csrf, limiter
from subscribers.forms import ConfirmForm, PauseForm, PreferenceForm, ResubscribeForm
from subscribers.links import PREFERENCES, UNSUBSCRIBE, contact_from_token
from subscribers.models import ConsentSource, Contact, ContactStatus, Partner
from subscribers.partners import contact_person
from subscribers.reasons import last_newsletter_reasons
from subscribers.schedule import Frequency, next_newsletter_at
from subscribers.services import (
    PreferenceChoice,
    PreferenceError,
    local_today,
    pause_contact,
    resubscribe,
    resume_contact,
    unsubscribe,
    update_preferences,
)

bp = Blueprint("public", __name__)


def _(text: str, **values: object) -> str:
    translated: str = gettext(text, **values)
    return translated


ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")
# Guessing tokens is pointless (they are signed) but costs us queries: after 30 links that
# open nothing, one address waits for the rest of the minute. Working links are not counted.
token_limit = limiter.shared_limit(
    "30 per minute", scope="contact-links", deduct_when=lambda response: response.status_code == 404
)


class UnknownLink(Exception):
    """The token opens nothing; rendered as the friendly 404 page."""


def _use_page_locale(contact: Contact | None) -> None:
    chosen = request.args.get("lang", "")
    if chosen in LOCALES:
        g.locale = chosen
    elif contact is not None and contact.locale in LOCALES:
        g.locale = contact.locale


# Whom the preference centre names (`contact_person`) and the contact's topics, loaded with the contact in
# its one query rather than by a lazy query each. Measured in-process: the joins cost fewer Python calls than
# the queries they replace (a `selectinload` of the topics cost more: it is a query of its own), and each
# query saved is a database round trip less on a page that opens from every email.
CENTRE_LOADS = (
    joinedload(Contact.partner).options(joinedload(Partner.account_manager), joinedload(Partner.distributor_team)),
    joinedload(Contact.interests),
)


def _contact_or_404(token: str, purpose: str) -> Contact:
    contact = contact_from_token(db.session, token, purpose, options=CENTRE_LOADS if purpose == PREFERENCES else ())
    _use_page_locale(contact)
    if contact is None:
        raise UnknownLink
    return contact


@bp.errorhandler(UnknownLink)
def _unknown_link(_error: UnknownLink) -> ResponseReturnValue:
    return render_template("subscribers/public/link_invalid.html", languages=LOCALE_NAMES), 404


def page_locale() -> str:
    locale: str = g.get("locale") or request.accept_languages.best_match(LOCALES) or "en"
    return locale


def _last_sent(contact: Contact, locale: str) -> str:
    """When the last newsletter went out, as a day in the contact's own zone ("" if none yet)."""
    if contact.last_newsletter_at is None:
        return ""
    return format_date(contact.last_newsletter_at.astimezone(ZoneInfo(contact.timezone)), "full", locale=locale)


def next_newsletter_line(contact: Contact, locale: str) -> str:
    """'Your next newsletter: Tuesday 3 March, 09:00, about Storage and Cloud', in the contact's words."""
    if not contact.status.receives_mail:
        return _("You are unsubscribed: we send you no newsletters.")
    if not contact.interests:
        return _("You have not chosen any topics, so there is nothing to send you. Choose at least one below.")
    moment = next_newsletter_at(contact, utc_now())
    if moment is None:
        return _("You are unsubscribed: we send you no newsletters.")
    local = moment.astimezone(ZoneInfo(contact.timezone))
    when = format_date(local, "full", locale=locale) + ", " + format_time(local, "short", locale=locale)
    areas = format_list([area.name(locale) for area in contact.interests], locale=locale)
    line = _("Your next newsletter: %(when)s, about %(areas)s.", when=when, areas=areas)
    if contact.status is ContactStatus.PAUSED and contact.paused_until is not None:
        until = format_date(contact.paused_until, "long", locale=locale)
        line = _("Newsletters are paused until %(date)s.", date=until) + " " + line
    return line


def _render_centre(token: str, contact: Contact, *, form: PreferenceForm | None = None, **forms: object) -> str:
    locale = page_locale()
    if form is None:
        form = PreferenceForm(
            data={
                "interests": [area.id for area in contact.interests],
                "frequency": contact.frequency.value,
                "preferred_weekday": contact.preferred_weekday,
                "preferred_hour": contact.preferred_hour,
                "locale": contact.locale,
            }
        )
    areas = active_interest_areas(db.session)
    form.offer(areas, locale)
    descriptions = {area.id: area.description(locale) for area in areas}
    return render_template(
        "subscribers/public/preferences.html",
        token=token,
        contact=contact,
        form=form,
        pause_form=forms.get("pause_form") or PauseForm(today=local_today(contact)),
        resubscribe_form=forms.get("resubscribe_form") or ResubscribeForm(),
        confirm_form=ConfirmForm(),
        descriptions=descriptions,
        person=contact_person(contact.partner),
        next_line=next_newsletter_line(contact, locale),
        last_sent=_last_sent(contact, locale),
        reasons=last_newsletter_reasons(db.session, contact, locale),
        saved=request.args.get("saved"),
        languages=LOCALE_NAMES,
        page_lang=locale,
    )


def _back(token: str, saved: str) -> Response:
    lang = request.args.get("lang")
    return redirect(url_for(".preferences", token=token, saved=saved, lang=lang if lang in LOCALES else None))


@bp.get("/p/<token>")
@token_limit
def preferences(token: str) -> ResponseReturnValue:
    return _render_centre(token, _contact_or_404(token, PREFERENCES))


@bp.post("/p/<token>")
@token_limit
def save_preferences(token: str) -> ResponseReturnValue:
    contact = _contact_or_404(token, PREFERENCES)
    form = PreferenceForm()
    offered = active_interest_areas(db.session)
    form.offer(offered, page_locale())
    if not form.validate_on_submit():
        return _render_centre(token, contact, form=form), 400
    areas = {area.id: area for area in offered}
    choice = PreferenceChoice(
        interests=[areas[area_id] for area_id in form.interests.data or []],
        frequency=Frequency(form.frequency.data),
        preferred_weekday=form.preferred_weekday.data,
        preferred_hour=form.preferred_hour.data,
        locale=form.locale.data,
    )
    update_preferences(db.session, contact, choice, source=ConsentSource.FORM, ip=request.remote_addr)
    db.session.commit()
    return _back(token, "preferences")


@bp.post("/p/<token>/pause")
@token_limit
def pause(token: str) -> ResponseReturnValue:
    contact = _contact_or_404(token, PREFERENCES)
    form = PauseForm(today=local_today(contact))
    if not form.validate_on_submit():
        return _render_centre(token, contact, pause_form=form), 400
    try:
        pause_contact(db.session, contact, form.resume_on(), source=ConsentSource.FORM, ip=request.remote_addr)
    except PreferenceError:
        db.session.rollback()
        form.until.errors = [_("You are unsubscribed; there is nothing to pause.")]
        return _render_centre(token, contact, pause_form=form), 400
    db.session.commit()
    return _back(token, "paused")


@bp.post("/p/<token>/resume")
@token_limit
def resume(token: str) -> ResponseReturnValue:
    contact = _contact_or_404(token, PREFERENCES)
    if ConfirmForm().validate_on_submit():
        resume_contact(db.session, contact, source=ConsentSource.FORM, ip=request.remote_addr)
        db.session.commit()
    return _back(token, "resumed")


@bp.post("/p/<token>/unsubscribe")
@token_limit
def unsubscribe_from_centre(token: str) -> ResponseReturnValue:
    contact = _contact_or_404(token, PREFERENCES)
    if ConfirmForm().validate_on_submit():
        unsubscribe(db.session, contact, source=ConsentSource.FORM, ip=request.remote_addr, detail="preference centre")
        db.session.commit()
    return _back(token, "unsubscribed")


@bp.post("/p/<token>/resubscribe")
@token_limit
def resubscribe_from_centre(token: str) -> ResponseReturnValue:
    contact = _contact_or_404(token, PREFERENCES)
    form = ResubscribeForm()
    if not form.validate_on_submit():
        return _render_centre(token, contact, resubscribe_form=form), 400
    try:
        resubscribe(
            db.session, contact, fresh_opt_in=bool(form.opt_in.data), source=ConsentSource.FORM, ip=request.remote_addr
        )
    except PreferenceError:
        db.session.rollback()
        form.opt_in.errors = [_("Tick the box to confirm that you want our newsletter again.")]
        return _render_centre(token, contact, resubscribe_form=form), 400
    db.session.commit()
    return _back(token, "resubscribed")


def _unsubscribe_page(contact: Contact, token: str, *, done: bool) -> str:
    return render_template(
        "subscribers/public/unsubscribe.html", contact=contact, token=token, done=done, languages=LOCALE_NAMES
    )


@bp.get("/u/<token>")
@token_limit
def unsubscribe_confirm(token: str) -> ResponseReturnValue:
    """Link scanners follow GETs: this only asks; the button POSTs."""
    return _unsubscribe_page(_contact_or_404(token, UNSUBSCRIBE), token, done=False)


@bp.post("/u/<token>")
@csrf.exempt
@token_limit
def unsubscribe_one_click(token: str) -> ResponseReturnValue:
    """RFC 8058: a mailbox provider POSTs `List-Unsubscribe=One-Click` with no cookie and no CSRF token."""
    contact = _contact_or_404(token, UNSUBSCRIBE)
    if request.form.get(ONE_CLICK_BODY[0]) != ONE_CLICK_BODY[1]:
        return _unsubscribe_page(contact, token, done=False), 400
    unsubscribe(db.session, contact, source=ConsentSource.FORM, ip=request.remote_addr, detail="one-click")
    db.session.commit()
    return _unsubscribe_page(contact, token, done=True)
