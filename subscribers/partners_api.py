"""Partners in the public API: list, read, create, change (If-Match), upsert by `external_id`, archive, bulk.

Create and change follow the admin's rules (`subscribers.partner_editing.partner_problems`); upserts,
single and bulk, follow the CSV importer's (`subscribers.sync`), so a CRM's rows are checked as a
file of them would be. An account manager is named by their email, a distributor team by its name.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import marshmallow as ma
from flask import request
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

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
    writes,
)
from core.api.spec import ID
from core.auth.models import Role, User
from core.config import LOCALES
from core.db import db, utc_now
from core.mail.addresses import normalise_email
from subscribers.api_rows import BulkResultSchema, bulk_answer, bulk_schema, external_id_field, refuse_issues, tiers
from subscribers.models import DistributorTeam, Partner, PartnerType
from subscribers.partner_editing import PartnerDraft, PartnerInvalid, archive_partner, create_partner, update_partner
from subscribers.sync import RowOutcome, upsert_partners

SCOPES = {
    "partners:read": "Read partners: company, tier, type, country, who looks after them.",
    "partners:write": "Create, change, upsert and archive partners.",
}

api = ApiBlueprint(
    "partners",
    __name__,
    url_prefix="/partners",
    description="Partner companies: tier, type, country, language and who looks after them.",
)


class PartnerSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    external_id = ma.fields.String(required=True, allow_none=True, metadata={"description": "Your CRM's id."})
    name = ma.fields.String(required=True)
    tier = ma.fields.String(required=True)
    type = ma.fields.Enum(PartnerType, by_value=True, required=True)
    subcategory = ma.fields.String(required=True)
    country = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2."})
    default_locale = ma.fields.String(required=True)
    account_manager = ma.fields.Method(
        "manager_email", required=True, metadata={"type": ["string", "null"], "description": "Their email."}
    )
    distributor_team = ma.fields.Method(
        "team_name", required=True, metadata={"type": ["string", "null"], "description": "The team's name."}
    )
    archived_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)

    def manager_email(self, partner: Partner) -> str | None:
        return partner.account_manager.email if partner.account_manager else None

    def team_name(self, partner: Partner) -> str | None:
        return partner.distributor_team.name if partner.distributor_team else None


class PartnerFields(RequestSchema):
    """Every field a partner takes; which are required depends on the operation."""

    external_id = external_id_field()
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    tier = ma.fields.String(validate=ma.validate.Length(min=1, max=30))
    type = ma.fields.String(
        validate=ma.validate.Length(min=1, max=20), metadata={"description": "solution, sales, service or influencer."}
    )
    subcategory = ma.fields.String(validate=ma.validate.Length(max=100))
    country = ma.fields.String(validate=ma.validate.Length(equal=2), metadata={"description": "ISO 3166-1 alpha-2."})
    default_locale = ma.fields.String(validate=ma.validate.OneOf(LOCALES))
    account_manager = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(max=254), metadata={"description": "An account manager's email."}
    )
    distributor_team = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(max=200), metadata={"description": "A distributor team's name."}
    )


class PartnerCreate(PartnerFields):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    tier = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=30))
    type = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    country = ma.fields.String(required=True, validate=ma.validate.Length(equal=2))


class PartnerRow(PartnerFields):
    """A row of an upsert: known by external_id; a new partner needs name, tier, type and country."""

    external_id = external_id_field(required=True)


class PartnerUpsert(PartnerFields):
    """The body of PUT /partners/by-external-id/{external_id} (the id is in the path)."""


class PartnerListArgs(PageArgs):
    include_archived = ma.fields.Boolean(load_default=False, metadata={"description": "Archived partners too."})
    external_id = external_id_field(load_default=None)


PartnerPage = page_schema(PartnerSchema, "PartnerPage")
PartnerBulk = bulk_schema(PartnerRow, "PartnerBulk")


def _partners() -> Select[tuple[Partner]]:
    return select(Partner).options(selectinload(Partner.account_manager), selectinload(Partner.distributor_team))


def _partner_or_404(partner_id: int) -> Partner:
    partner = db.session.scalar(_partners().where(Partner.id == partner_id))
    if partner is None:
        raise ApiProblem(404, detail=f"There is no partner {partner_id}.")
    return partner


def representation(partner: Partner) -> dict[str, Any]:
    return dict(PartnerSchema().dump(partner))


def _answer(partner: Partner, status: int) -> ApiResult:
    db.session.flush()
    db.session.expire(partner)
    partner = _partner_or_404(partner.id)
    return partner, status, etag_headers(representation(partner))


@api.route("")
@require_scope("partners:read")
@api.arguments(PartnerListArgs, location="query")
@api.response(200, PartnerPage)
def list_partners(args: dict[str, Any]) -> ApiResult:
    """Partners, oldest first (archived ones with include_archived=true)."""
    statement = _partners()
    if not args["include_archived"]:
        statement = statement.where(Partner.archived_at.is_(None))
    if args["external_id"] is not None:
        statement = statement.where(Partner.external_id == args["external_id"])
    return keyset_page(
        db.session, statement, order=(Partner.id,), after=args["after"], limit=args["limit"], list_name="partners"
    )


@api.route(f"/<{ID}:partner_id>")
@require_scope("partners:read")
@documents_etag(200)
@api.response(200, PartnerSchema)
def get_partner(partner_id: int) -> ApiResult:
    """One partner, with its ETag (send it as If-Match to change it)."""
    partner = _partner_or_404(partner_id)
    return partner, 200, etag_headers(representation(partner))


# ------------------------------------------------------------------------------------------- create and change

_API_FIELD = {
    "account_manager_id": "account_manager",
    "backup_manager_id": "account_manager",
    "distributor_team_id": "distributor_team",
}


def _looked_after(data: dict[str, Any], draft: PartnerDraft) -> PartnerDraft:
    """The draft with the account manager (by email) or team (by name) the body names."""
    problems: list[FieldProblem] = []
    if data.get("account_manager"):
        email = normalise_email(data["account_manager"])
        user = db.session.scalar(select(User).where(User.email == email, User.role == Role.ACCOUNT_MANAGER))
        if user is None:
            problems.append(FieldProblem("account_manager", f"{email} is not an account manager's email."))
        else:
            backup = None if draft.backup_manager_id == user.id else draft.backup_manager_id
            draft = dataclasses.replace(
                draft, account_manager_id=user.id, backup_manager_id=backup, distributor_team_id=None
            )
    elif "account_manager" in data and not data.get("distributor_team"):
        draft = dataclasses.replace(draft, account_manager_id=None, backup_manager_id=None)
    if data.get("distributor_team"):
        team = db.session.scalar(select(DistributorTeam).where(DistributorTeam.name == data["distributor_team"]))
        if team is None:
            problems.append(
                FieldProblem("distributor_team", f"There is no distributor team {data['distributor_team']!r}.")
            )
        else:
            draft = dataclasses.replace(
                draft, distributor_team_id=team.id, account_manager_id=None, backup_manager_id=None
            )
    elif "distributor_team" in data and data["distributor_team"] is None:
        draft = dataclasses.replace(draft, distributor_team_id=None)
    if problems:
        raise ApiProblem.invalid(problems)
    return draft


def _draft(data: dict[str, Any], base: PartnerDraft) -> PartnerDraft:
    plain = {
        name: data[name]
        for name in ("name", "tier", "type", "subcategory", "country", "default_locale")
        if name in data
    }
    return _looked_after(data, dataclasses.replace(base, **plain))


def _invalid(error: PartnerInvalid) -> ApiProblem:
    return ApiProblem.invalid(
        [FieldProblem(_API_FIELD.get(name, name), message) for name, message in error.errors.items()]
    )


def _set_external_id(partner: Partner, external_id: str | None) -> None:
    if external_id is None or external_id == partner.external_id:
        return
    holder = db.session.scalar(select(Partner.id).where(Partner.external_id == external_id, Partner.id != partner.id))
    if holder is not None:
        raise ApiProblem.invalid([FieldProblem("external_id", f"Partner {holder} has this external_id already.")])
    partner.external_id = external_id


@api.route("", methods=["POST"])
@require_scope("partners:write")
@idempotent
@api.arguments(PartnerCreate)
@documents_etag(201)
@api.response(201, PartnerSchema)
def create(data: dict[str, Any]) -> ApiResult:
    """Create a partner, with the admin's rules (a name unique in its country, a known tier and type...)."""
    country = data["country"].upper()
    base = PartnerDraft(name="", tier="", type="", country=country, default_locale=data.get("default_locale", "en"))
    draft = _draft({**data, "country": country}, base)
    try:
        partner = create_partner(db.session, draft, tiers=tiers())
    except PartnerInvalid as error:
        raise _invalid(error) from None
    _set_external_id(partner, data.get("external_id"))
    return _answer(partner, 201)


@api.route(f"/<{ID}:partner_id>", methods=["PATCH"])
@require_scope("partners:write")
@requires_if_match
@writes
@api.arguments(PartnerFields)
@documents_etag(200)
@api.response(200, PartnerSchema)
def change(data: dict[str, Any], partner_id: int) -> ApiResult:
    """Change the fields given (the others stay). Needs If-Match (412 if the partner changed since you read it)."""
    partner = _partner_or_404(partner_id)
    check_if_match(representation(partner))
    if "country" in data:
        data["country"] = data["country"].upper()
    _set_external_id(partner, data.get("external_id"))
    try:
        update_partner(
            db.session, partner, _draft(data, PartnerDraft.of(partner)), tiers=tiers(), detail="through the API"
        )
    except PartnerInvalid as error:
        raise _invalid(error) from None
    return _answer(partner, 200)


@api.route(f"/<{ID}:partner_id>/archive", methods=["POST"])
@require_scope("partners:write")
@idempotent
@documents_etag(200)
@api.response(200, PartnerSchema)
def archive(partner_id: int) -> ApiResult:
    """No more newsletters or kits for it, and its portal users cannot sign in. Archiving twice changes nothing."""
    partner = _partner_or_404(partner_id)
    if request.headers.get("If-Match"):  # optional here: archiving twice is harmless
        check_if_match(representation(partner))
    archive_partner(db.session, partner, now=utc_now(), detail="through the API")
    return _answer(partner, 200)


# ------------------------------------------------------------------------------------------- upserts


@api.route("/by-external-id/<string(maxlength=100):external_id>", methods=["PUT"])
@require_scope("partners:write")
@writes
@api.arguments(PartnerUpsert)
@documents_etag(200)
@api.response(200, PartnerSchema, description="Changed, or already as sent (nothing written).")
@api.alt_response(201, schema=PartnerSchema, description="Created.")
def upsert(data: dict[str, Any], external_id: str) -> ApiResult:
    """Create or update the partner your CRM knows as `external_id`, with the CSV importer's rules."""
    if data.get("external_id", external_id) != external_id:
        raise ApiProblem.invalid([FieldProblem("external_id", "Differs from the external_id in the path.")])
    result = upsert_partners(db.session, [{**data, "external_id": external_id}], tiers=tiers())
    refuse_issues(result.issues, bulk=False)
    partner = _partner_or_404(result.ids[0])
    return _answer(partner, 201 if result.outcomes[0] is RowOutcome.CREATED else 200)


@api.route("/bulk", methods=["POST"])
@require_scope("partners:write")
@idempotent
@api.arguments(PartnerBulk)
@api.response(200, BulkResultSchema)
def bulk_upsert(data: dict[str, Any]) -> ApiResult:
    """Upsert up to 1,000 partners by external_id: all of them, or none (422 naming each row's errors)."""
    result = upsert_partners(db.session, data["rows"], tiers=tiers())
    refuse_issues(result.issues, bulk=True)
    return bulk_answer(result)
