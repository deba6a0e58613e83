"""The suppression list in the public API: read it with a cursor (a CRM mirrors it), add to it.

Adding goes through `subscribers.suppression.suppress`, the one owner of the list: adding an
address twice changes nothing, and a stronger reason replaces a weaker one.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from core.api import (
    ApiBlueprint,
    ApiProblem,
    ApiResult,
    FieldProblem,
    PageArgs,
    RequestSchema,
    idempotent,
    keyset_page,
    page_schema,
    require_scope,
)
from core.audit import record
from core.db import db
from core.mail.addresses import email_hash
from subscribers.models import Suppression, SuppressionReason
from subscribers.suppression import suppress

SCOPES = {
    "suppressions:read": "Read the suppression list: addresses that must never be mailed, and why.",
    "suppressions:write": "Add addresses to the suppression list.",
}
# Erasure is its own flow (data rights), never a reason a caller can give.
API_REASONS = [reason for reason in SuppressionReason if reason is not SuppressionReason.ERASED]

api = ApiBlueprint(
    "suppressions",
    __name__,
    url_prefix="/suppressions",
    description="Addresses that must never be mailed, whatever else says.",
)


class SuppressionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Null once the person's data was erased (only a hash is kept)."},
    )
    reason = ma.fields.Enum(SuppressionReason, by_value=True, required=True)
    source = ma.fields.String(required=True, metadata={"description": "Who or what added it (form, provider, api...)."})
    detail = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class SuppressionInput(RequestSchema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    reason = ma.fields.String(
        load_default=SuppressionReason.MANUAL.value,
        validate=ma.validate.OneOf([reason.value for reason in API_REASONS]),
        metadata={"description": "Why: manual (the default), unsubscribed, bounced or complained."},
    )
    detail = ma.fields.String(load_default="", validate=ma.validate.Length(max=255))


SuppressionPage = page_schema(SuppressionSchema, "SuppressionPage")


@api.route("")
@require_scope("suppressions:read")
@api.arguments(PageArgs, location="query")
@api.response(200, SuppressionPage)
def list_suppressions(args: dict[str, Any]) -> ApiResult:
    """The whole list, oldest first; follow `next` to the end to mirror it."""
    page = keyset_page(
        db.session,
        select(Suppression),
        order=(Suppression.id,),
        after=args["after"],
        limit=args["limit"],
        list_name="suppressions",
    )
    return page


def _valid_email(raw: str) -> str:
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ApiProblem.invalid([FieldProblem("email", f"{raw!r} is not a valid email address ({error}).")]) from None


@api.route("", methods=["POST"])
@require_scope("suppressions:write")
@idempotent
@api.arguments(SuppressionInput)
@api.response(201, SuppressionSchema, description="Added (or made stronger).")
@api.alt_response(200, schema=SuppressionSchema, description="Already suppressed for this reason or a stronger one.")
def add_suppression(data: dict[str, Any]) -> ApiResult:
    """Suppress an address: nothing is mailed to it any more (201), or it was already (200)."""
    email = _valid_email(data["email"])
    existing = db.session.scalar(select(Suppression).where(Suppression.email_hash == email_hash(email)))
    before = (existing.reason, existing.source) if existing is not None else None
    entry = suppress(db.session, email, SuppressionReason(data["reason"]), source="api", detail=data["detail"])
    if before == (entry.reason, entry.source) and existing is not None:
        return entry, 200
    record(
        db.session,
        "suppression.add",
        object_type="suppression",
        object_id=entry.id,
        object_label=email,
        changes={"reason": (before[0] if before else None, entry.reason)},
        detail=data["detail"],
    )
    return entry, 201
