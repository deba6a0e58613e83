"""Contacts in the public API: list, read, upsert (by address or `external_id`, one or 1,000 at a time),
preferences, pause, unsubscribe.

Upserts use the CSV importer's rules (`subscribers.sync`); preferences, pause and unsubscribe use the
preference centre's own services. Every change is in the contact's consent log with source `api`
and the calling token, and in the audit trail with the token as the actor.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from content.models import InterestArea
from core.api import (
    ApiBlueprint,
    ApiProblem,
    ApiResult,
    FieldProblem,
    PageArgs,
    RequestSchema,
    check_if_match,
    documents_etag,
    etag_headers,
    idempotent,
    keyset_page,
    page_schema,
    require_scope,
    requires_if_match,
    row_id,
    writes,
)
from core.api.spec import ID
from core.config import LOCALES
from core.db import db
from core.mail.addresses import normalise_email
from subscribers.api_rows import BulkResultSchema, bulk_answer, bulk_schema, external_id_field, refuse_issues, tiers
from subscribers.audit import record_contact
from subscribers.contact_editing import contact_facts
from subscribers.models import ConsentSource, Contact, ContactStatus
from subscribers.schedule import Frequency
from subscribers.services import (
    PreferenceChoice,
    PreferenceError,
    current_choice,
    pause_contact,
    unsubscribe,
    update_preferences,
)
from subscribers.sync import RowOutcome, upsert_contacts

SCOPES = {
    "contacts:read": "Read contacts: address, partner, language, rhythm, interests and status.",
    "contacts:write": "Upsert contacts, change their preferences, pause and unsubscribe them.",
}

api = ApiBlueprint(
    "contacts",
    __name__,
    url_prefix="/contacts",
    description="People at partners who get the newsletter, and their choices.",
)


class ContactSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    external_id = ma.fields.String(required=True, allow_none=True, metadata={"description": "Your CRM's id."})
    email = ma.fields.String(required=True)
    partner_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    job_role = ma.fields.String(required=True)
    locale = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    status = ma.fields.Enum(ContactStatus, by_value=True, required=True)
    paused_until = ma.fields.Date(required=True, allow_none=True)
    frequency = ma.fields.Enum(Frequency, by_value=True, required=True)
    preferred_weekday = ma.fields.Integer(required=True, metadata={"description": "0 is Monday."})
    preferred_hour = ma.fields.Integer(required=True, metadata={"description": "0 to 23, in the contact's time zone."})
    interests = ma.fields.Method(
        "interest_slugs",
        required=True,
        metadata={"type": "array", "items": {"type": "string"}, "description": "Interest area slugs."},
    )
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)

    def interest_slugs(self, contact: Contact) -> list[str]:
        return [area.slug for area in contact.interests]


class ContactFields(RequestSchema):
    """A contact as an upsert sends it; what a row leaves out keeps its value (a new contact gets defaults)."""

    email = ma.fields.String(validate=ma.validate.Length(min=1, max=254))
    external_id = external_id_field()
    partner_id = row_id()
    partner_external_id = external_id_field()
    name = ma.fields.String(validate=ma.validate.Length(max=200))
    job_role = ma.fields.String(validate=ma.validate.Length(max=100))
    locale = ma.fields.String(
        validate=ma.validate.Length(max=10), metadata={"description": "en, nl, de, fr, sv or pl."}
    )
    timezone = ma.fields.String(
        validate=ma.validate.Length(max=64), metadata={"description": "IANA, e.g. Europe/Amsterdam."}
    )
    frequency = ma.fields.String(
        validate=ma.validate.Length(max=20), metadata={"description": "weekly, fortnightly, monthly or quarterly."}
    )
    preferred_weekday = ma.fields.Integer(strict=True, metadata={"description": "0 (Monday) to 6."})
    preferred_hour = ma.fields.Integer(strict=True, metadata={"description": "0 to 23."})
    interests = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=50)),
        validate=ma.validate.Length(max=100),
        metadata={"description": "Interest area slugs; [] clears them; left out, they stay."},
    )


class ContactRow(ContactFields):
    @ma.validates_schema
    def names_a_contact(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("email") and not data.get("external_id"):
            raise ma.ValidationError("Give email or external_id (or both).", "email")


class PreferencesInput(RequestSchema):
    interests = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=50)), validate=ma.validate.Length(max=100)
    )
    frequency = ma.fields.Enum(Frequency, by_value=True)
    preferred_weekday = ma.fields.Integer(strict=True, validate=ma.validate.Range(0, 6))
    preferred_hour = ma.fields.Integer(strict=True, validate=ma.validate.Range(0, 23))
    locale = ma.fields.String(validate=ma.validate.Length(max=10))
    timezone = ma.fields.String(validate=ma.validate.Length(max=64))


class PauseInput(RequestSchema):
    until = ma.fields.Date(required=True, metadata={"description": "Newsletters resume on this day (a future date)."})


class UnsubscribeInput(RequestSchema):
    detail = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=255), metadata={"description": "Why (for the consent log)."}
    )


class ContactListArgs(PageArgs):
    partner_id = row_id(load_default=None)
    status = ma.fields.Enum(ContactStatus, by_value=True, load_default=None)
    external_id = external_id_field(load_default=None)
    email = ma.fields.String(load_default=None, validate=ma.validate.Length(max=254))


ContactPage = page_schema(ContactSchema, "ContactPage")
ContactBulk = bulk_schema(ContactRow, "ContactBulk")


def _contacts() -> Select[tuple[Contact]]:
    return select(Contact).options(selectinload(Contact.interests))


def _contact_or_404(contact_id: int) -> Contact:
    contact = db.session.scalar(_contacts().where(Contact.id == contact_id))
    if contact is None:
        raise ApiProblem(404, detail=f"There is no contact {contact_id}.")
    return contact


def representation(contact: Contact) -> dict[str, Any]:
    return dict(ContactSchema().dump(contact))


def _answer(contact_id: int, status: int = 200) -> ApiResult:
    db.session.flush()
    db.session.expire_all()
    contact = _contact_or_404(contact_id)
    return contact, status, etag_headers(representation(contact))


@api.route("")
@require_scope("contacts:read")
@api.arguments(ContactListArgs, location="query")
@api.response(200, ContactPage)
def list_contacts(args: dict[str, Any]) -> ApiResult:
    """Contacts, oldest first; filter by partner, status, external_id or address."""
    statement = _contacts()
    for name in ("partner_id", "status", "external_id"):
        if args[name] is not None:
            statement = statement.where(getattr(Contact, name) == args[name])
    if args["email"] is not None:
        statement = statement.where(Contact.email == normalise_email(args["email"]))
    return keyset_page(
        db.session, statement, order=(Contact.id,), after=args["after"], limit=args["limit"], list_name="contacts"
    )


@api.route(f"/<{ID}:contact_id>")
@require_scope("contacts:read")
@documents_etag(200)
@api.response(200, ContactSchema)
def get_contact(contact_id: int) -> ApiResult:
    """One contact, with its ETag (send it as If-Match to change their preferences)."""
    contact = _contact_or_404(contact_id)
    return contact, 200, etag_headers(representation(contact))


# ------------------------------------------------------------------------------------------- upserts


def _upsert_one(row: dict[str, Any]) -> ApiResult:
    result = upsert_contacts(db.session, [row], tiers=tiers(), token_label=g.api_token.name)
    refuse_issues(result.issues, bulk=False)
    return _answer(result.ids[0], 201 if result.outcomes[0] is RowOutcome.CREATED else 200)


@api.route("/by-email/<string(maxlength=254):email>", methods=["PUT"])
@require_scope("contacts:write")
@writes
@api.arguments(ContactFields)
@documents_etag(200)
@api.response(200, ContactSchema, description="Changed, or already as sent (nothing written).")
@api.alt_response(201, schema=ContactSchema, description="Created.")
def upsert_by_email(data: dict[str, Any], email: str) -> ApiResult:
    """Create or update the contact with this address, with the CSV importer's rules."""
    if "email" in data and normalise_email(data["email"]) != normalise_email(email):
        raise ApiProblem.invalid([FieldProblem("email", "Differs from the address in the path.")])
    return _upsert_one({**data, "email": email})


@api.route("/by-external-id/<string(maxlength=100):external_id>", methods=["PUT"])
@require_scope("contacts:write")
@writes
@api.arguments(ContactFields)
@documents_etag(200)
@api.response(200, ContactSchema, description="Changed, or already as sent (nothing written).")
@api.alt_response(201, schema=ContactSchema, description="Created.")
def upsert_by_external_id(data: dict[str, Any], external_id: str) -> ApiResult:
    """Create or update the contact your CRM knows as `external_id` (a new one needs email and partner)."""
    if data.get("external_id", external_id) != external_id:
        raise ApiProblem.invalid([FieldProblem("external_id", "Differs from the external_id in the path.")])
    return _upsert_one({**data, "external_id": external_id})


@api.route("/bulk", methods=["POST"])
@require_scope("contacts:write")
@idempotent
@api.arguments(ContactBulk)
@api.response(200, BulkResultSchema)
def bulk_upsert(data: dict[str, Any]) -> ApiResult:
    """Upsert up to 1,000 contacts by external_id or address: all of them, or none (422 naming each row's errors)."""
    result = upsert_contacts(db.session, data["rows"], tiers=tiers(), token_label=g.api_token.name)
    refuse_issues(result.issues, bulk=True)
    return bulk_answer(result)


# ------------------------------------------------------------------------------------------- their choices


def _choice(contact: Contact, data: dict[str, Any]) -> PreferenceChoice:
    current = current_choice(contact)
    interests = current.interests
    if "interests" in data:
        found = {
            area.slug: area
            for area in db.session.scalars(select(InterestArea).where(InterestArea.slug.in_(data["interests"])))
        }
        unknown = [slug for slug in data["interests"] if slug not in found]
        if unknown:
            raise ApiProblem.invalid(
                [FieldProblem("interests", f"Unknown interest area {', '.join(map(repr, unknown))}.")]
            )
        interests = [found[slug] for slug in data["interests"]]
    return PreferenceChoice(
        interests=interests,
        frequency=data.get("frequency", current.frequency),
        preferred_weekday=data.get("preferred_weekday", current.preferred_weekday),
        preferred_hour=data.get("preferred_hour", current.preferred_hour),
        locale=data.get("locale", current.locale),
        timezone=data.get("timezone", current.timezone),
    )


def _audited_change(contact: Contact, before: dict[str, object]) -> None:
    db.session.flush()
    after = contact_facts(contact)
    changes = {name: (before[name], after[name]) for name in after if before.get(name) != after[name]}
    if changes:
        record_contact(db.session, "contact.update", contact, changes=changes, detail="through the API")


@api.route(f"/<{ID}:contact_id>/preferences", methods=["PUT"])
@require_scope("contacts:write")
@requires_if_match
@writes
@api.arguments(PreferencesInput)
@documents_etag(200)
@api.response(200, ContactSchema)
def change_preferences(data: dict[str, Any], contact_id: int) -> ApiResult:
    """Interests, rhythm, day, hour, language, time zone (those given; the rest stay). Needs If-Match."""
    contact = _contact_or_404(contact_id)
    check_if_match(representation(contact))
    choice, before = _choice(contact, data), contact_facts(contact)
    if "locale" in data and data["locale"] not in LOCALES:
        raise ApiProblem.invalid([FieldProblem("locale", f"Use one of: {', '.join(LOCALES)}.")])
    try:
        update_preferences(db.session, contact, choice, source=ConsentSource.API)
    except PreferenceError as error:
        raise ApiProblem.invalid([FieldProblem(error.field, error.message)]) from None
    _audited_change(contact, before)
    return _answer(contact.id)


@api.route(f"/<{ID}:contact_id>/pause", methods=["POST"])
@require_scope("contacts:write")
@idempotent
@api.arguments(PauseInput)
@documents_etag(200)
@api.response(200, ContactSchema)
def pause(data: dict[str, Any], contact_id: int) -> ApiResult:
    """No newsletters before `until`; then the contact's rhythm resumes."""
    contact = _contact_or_404(contact_id)
    before = contact_facts(contact)
    try:
        pause_contact(db.session, contact, data["until"], source=ConsentSource.API)
    except PreferenceError as error:
        raise ApiProblem.invalid([FieldProblem("until", error.message)]) from None
    _audited_change(contact, before)
    return _answer(contact.id)


@api.route(f"/<{ID}:contact_id>/unsubscribe", methods=["POST"])
@require_scope("contacts:write")
@idempotent
@api.arguments(UnsubscribeInput)
@documents_etag(200)
@api.response(200, ContactSchema)
def unsubscribe_contact(data: dict[str, Any], contact_id: int) -> ApiResult:
    """Stop all mail to the contact at once (and suppress the address); doing it again changes nothing."""
    contact = _contact_or_404(contact_id)
    before = contact_facts(contact)
    unsubscribe(db.session, contact, source=ConsentSource.API, detail=data["detail"] or "through the API")
    _audited_change(contact, before)
    return _answer(contact.id)
