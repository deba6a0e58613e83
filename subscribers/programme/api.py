"""Certifications in the public API: list them (by partner, contact or competency), and upsert one.

An upsert names the person (`contact_id` or `contact_email`), the competency (`competency_id` or
`competency_slug`), the certificate's name and the day it was earned: the CSV import's key, so
sending the same certificate again changes nothing and a new expiry day updates it. It is checked
by the admin form's rules (`certification_problems`), each problem naming its field, and written
to the audit trail with the token as the actor.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from content.models import Competency
from core.api import (
    ApiBlueprint,
    ApiProblem,
    ApiResult,
    FieldProblem,
    PageArgs,
    RequestSchema,
    keyset_page,
    page_schema,
    require_scope,
    row_id,
    writes,
)
from core.audit import changes_between
from core.db import db, utc_now
from core.mail.addresses import normalise_email
from subscribers.audit import record_contact
from subscribers.models import Contact
from subscribers.programme.certifications import NAME_MAX, add_certification, certification_problems
from subscribers.programme.models import Certification

SCOPES = {
    "certifications:read": "Read the certifications of partners' people.",
    "certifications:write": "Add certifications and change their expiry day.",
}

api = ApiBlueprint(
    "certifications",
    __name__,
    url_prefix="/certifications",
    description="Partners' people certified in a competency, from the day earned until it expires.",
)


class CertificationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    contact_id = ma.fields.Integer(required=True)
    partner_id = ma.fields.Integer(required=True, attribute="contact.partner_id")
    competency_id = ma.fields.Integer(required=True)
    competency_slug = ma.fields.String(required=True, attribute="competency.slug")
    name = ma.fields.String(required=True, metadata={"description": "The certificate's own name."})
    earned_on = ma.fields.Date(required=True)
    expires_on = ma.fields.Date(required=True, allow_none=True, metadata={"description": "Null: it never expires."})
    created_at = ma.fields.AwareDateTime(required=True)


class CertificationInput(RequestSchema):
    contact_id = row_id(metadata={"description": "The person; or give contact_email."})
    contact_email = ma.fields.String(validate=ma.validate.Length(min=1, max=254))
    competency_id = row_id(metadata={"description": "The competency; or give competency_slug."})
    competency_slug = ma.fields.String(validate=ma.validate.Length(min=1, max=50))
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=NAME_MAX * 2))
    earned_on = ma.fields.Date(required=True)
    expires_on = ma.fields.Date(load_default=None, allow_none=True)

    @ma.validates_schema
    def names_one_of_each(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if ("contact_id" in data) == ("contact_email" in data):
            errors["contact_id"] = ["Give contact_id or contact_email (one of them)."]
        if ("competency_id" in data) == ("competency_slug" in data):
            errors["competency_id"] = ["Give competency_id or competency_slug (one of them)."]
        if errors:
            raise ma.ValidationError(errors)


class CertificationListArgs(PageArgs):
    partner_id = row_id(load_default=None, metadata={"description": "Only this partner's people."})
    contact_id = row_id(load_default=None, metadata={"description": "Only this person's."})
    competency_id = row_id(load_default=None, metadata={"description": "Only in this competency."})


CertificationPage = page_schema(CertificationSchema, "CertificationPage")


def _certifications() -> Select[tuple[Certification]]:
    return select(Certification).options(selectinload(Certification.contact), selectinload(Certification.competency))


@api.route("")
@require_scope("certifications:read")
@api.arguments(CertificationListArgs, location="query")
@api.response(200, CertificationPage)
def list_certifications(args: dict[str, Any]) -> ApiResult:
    """Certifications, oldest first; filter by partner, contact or competency."""
    statement = _certifications()
    if args["partner_id"] is not None:
        statement = statement.where(
            Certification.contact_id.in_(select(Contact.id).where(Contact.partner_id == args["partner_id"]))
        )
    for name in ("contact_id", "competency_id"):
        if args[name] is not None:
            statement = statement.where(getattr(Certification, name) == args[name])
    return keyset_page(
        db.session,
        statement,
        order=(Certification.id,),
        after=args["after"],
        limit=args["limit"],
        list_name="certifications",
    )


def _contact(data: dict[str, Any]) -> tuple[Contact | None, FieldProblem | None]:
    if "contact_id" in data:
        contact = db.session.get(Contact, data["contact_id"])
        return contact, None if contact else FieldProblem("contact_id", f"There is no contact {data['contact_id']}.")
    email = normalise_email(data["contact_email"])
    contact = db.session.scalar(select(Contact).where(Contact.email == email))
    problem = FieldProblem("contact_email", f"{email} is no contact here; add the contact first.")
    return contact, None if contact else problem


def _competency(data: dict[str, Any]) -> tuple[Competency | None, str]:
    if "competency_id" in data:
        return db.session.get(Competency, data["competency_id"]), "competency_id"
    slug = data["competency_slug"].strip().lower()
    return db.session.scalar(select(Competency).where(Competency.slug == slug)), "competency_slug"


@api.route("", methods=["PUT"])
@require_scope("certifications:write")
@writes
@api.arguments(CertificationInput)
@api.response(200, CertificationSchema, description="Its expiry day changed, or already as sent (nothing written).")
@api.alt_response(201, schema=CertificationSchema, description="Added.")
def upsert_certification(data: dict[str, Any]) -> ApiResult:
    """Add a certificate (201), or change the expiry of the one with this person, competency, name and day earned."""
    contact, contact_problem = _contact(data)
    competency, competency_field = _competency(data)
    name = " ".join(data["name"].split())
    today = utc_now().date()
    errors = certification_problems(competency, name, data["earned_on"], data["expires_on"], today)
    problems = [contact_problem] if contact_problem else []
    problems += [
        FieldProblem(competency_field if field == "competency_id" else field, message)
        for field, message in errors.items()
    ]
    if problems or contact is None or competency is None:
        raise ApiProblem.invalid(problems)
    existing = db.session.scalar(
        _certifications().where(
            Certification.contact_id == contact.id,
            Certification.competency_id == competency.id,
            Certification.name == name,
            Certification.earned_on == data["earned_on"],
        )
    )
    if existing is None:
        made = add_certification(
            db.session, contact, competency_id=competency.id, name=name, earned_on=data["earned_on"],
            expires_on=data["expires_on"], today=today,
        )  # fmt: skip
        return made, 201
    if existing.expires_on != data["expires_on"]:
        before = {"expires on": existing.expires_on.isoformat() if existing.expires_on else ""}
        existing.expires_on = data["expires_on"]
        db.session.flush()
        after = {"expires on": existing.expires_on.isoformat() if existing.expires_on else ""}
        record_contact(
            db.session, "certification.update", contact, changes=changes_between(before, after),
            detail=f"{competency.name()}: {name}, through the API",
        )  # fmt: skip
    return existing, 200
