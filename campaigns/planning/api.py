"""Campaigns in the public API: list, read, create a draft, schedule.

The same services as the admin pages (`campaigns.planning.services`): the same checks, the same
state moves, each recorded in the audit trail with the token as the actor. Scheduling changes an
existing campaign, so it needs `If-Match` with the ETag of the campaign as last read.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import marshmallow as ma
from flask import current_app, g
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from campaigns.planning.models import Campaign, CampaignStatus
from campaigns.planning.services import CampaignDraft, CampaignError, create_campaign, move_campaign
from content.models import ContentItem, InterestArea
from core.api import (
    ID,
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
)
from core.config import LOCALES
from core.db import db, utc_now
from subscribers.models import PartnerType

SCOPES = {
    "campaigns:read": "Read campaigns: their goal, targeting, schedule and state.",
    "campaigns:write": "Create campaigns as drafts and schedule them.",
}

api = ApiBlueprint(
    "campaigns",
    __name__,
    url_prefix="/campaigns",
    description="Campaigns: what vendor marketing plans, when it runs and whom it targets.",
)


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    goal = ma.fields.String(required=True)
    status = ma.fields.Enum(CampaignStatus, by_value=True, required=True)
    timezone = ma.fields.String(required=True, metadata={"description": "The IANA zone its times are planned in."})
    launch_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    interest_area_ids = ma.fields.Method(
        "area_ids", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )
    content_item_ids = ma.fields.Method(
        "item_ids", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )
    tiers = ma.fields.List(ma.fields.String(), required=True, attribute="target_tiers")
    partner_types = ma.fields.List(ma.fields.String(), required=True, attribute="target_partner_types")
    countries = ma.fields.List(ma.fields.String(), required=True, attribute="target_countries")
    locales = ma.fields.List(ma.fields.String(), required=True, attribute="target_locales")
    version = ma.fields.Integer(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)

    def area_ids(self, campaign: Campaign) -> list[int]:
        return [area.id for area in campaign.interest_areas]

    def item_ids(self, campaign: Campaign) -> list[int]:
        return [item.id for item in campaign.content_items]


class CampaignInput(RequestSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    goal = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    timezone = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=64),
        metadata={"description": "An IANA zone, e.g. Europe/Amsterdam."},
    )
    launch_at = ma.fields.NaiveDateTime(
        required=True, metadata={"description": "Local time in `timezone`, e.g. 2026-03-02T09:00:00."}
    )
    ends_at = ma.fields.NaiveDateTime(required=True, metadata={"description": "Local time in `timezone`."})
    interest_area_ids = ma.fields.List(row_id(), load_default=list, validate=ma.validate.Length(max=100))
    content_item_ids = ma.fields.List(row_id(), load_default=list, validate=ma.validate.Length(max=200))
    tiers = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=30)), load_default=list, validate=ma.validate.Length(max=20)
    )
    partner_types = ma.fields.List(ma.fields.Enum(PartnerType, by_value=True), load_default=list)
    countries = ma.fields.List(
        ma.fields.String(validate=ma.validate.Regexp(r"^[A-Za-z]{2}$")),
        load_default=list,
        validate=ma.validate.Length(max=300),
    )
    locales = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(LOCALES)), load_default=list)


class CampaignListArgs(PageArgs):
    status = ma.fields.Enum(CampaignStatus, by_value=True, load_default=None, allow_none=False)


CampaignPage = page_schema(CampaignSchema, "CampaignPage")


def _campaigns() -> Select[tuple[Campaign]]:
    return select(Campaign).options(selectinload(Campaign.interest_areas), selectinload(Campaign.content_items))


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.scalar(_campaigns().where(Campaign.id == campaign_id))
    if campaign is None:
        raise ApiProblem(404, detail=f"There is no campaign {campaign_id}.")
    return campaign


def _representation(campaign: Campaign) -> dict[str, Any]:
    return dict(CampaignSchema().dump(campaign))


@api.route("")
@require_scope("campaigns:read")
@api.arguments(CampaignListArgs, location="query")
@api.response(200, CampaignPage)
def list_campaigns(args: dict[str, Any]) -> ApiResult:
    """Every campaign (or those in one state), oldest first."""
    statement = _campaigns()
    if args["status"] is not None:
        statement = statement.where(Campaign.status == args["status"])
    page = keyset_page(
        db.session, statement, order=(Campaign.id,), after=args["after"], limit=args["limit"], list_name="campaigns"
    )
    return page


@api.route(f"/<{ID}:campaign_id>")
@require_scope("campaigns:read")
@documents_etag(200)
@api.response(200, CampaignSchema)
def get_campaign(campaign_id: int) -> ApiResult:
    """One campaign, with its ETag (send it as If-Match to schedule it)."""
    campaign = _campaign_or_404(campaign_id)
    return campaign, 200, etag_headers(_representation(campaign))


def _problems_for(error: CampaignError) -> ApiProblem:
    if not error.field:  # the campaign's state allows no such move: a conflict, not bad input
        return ApiProblem(409, detail=error.message)
    return ApiProblem.invalid([FieldProblem(error.field, error.message)])


def _check_references(area_ids: list[int], item_ids: list[int], timezone: str) -> None:
    problems = []
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(FieldProblem("timezone", f"{timezone!r} is not an IANA time zone such as Europe/Amsterdam."))
    known_areas = set(db.session.scalars(select(InterestArea.id).where(InterestArea.id.in_(area_ids))))
    known_items = set(db.session.scalars(select(ContentItem.id).where(ContentItem.id.in_(item_ids))))
    problems += [
        FieldProblem(f"interest_area_ids[{n}]", f"There is no interest area {ident}.")
        for n, ident in enumerate(area_ids)
        if ident not in known_areas
    ]
    problems += [
        FieldProblem(f"content_item_ids[{n}]", f"There is no content item {ident}.")
        for n, ident in enumerate(item_ids)
        if ident not in known_items
    ]
    if problems:
        raise ApiProblem.invalid(problems)


@api.route("", methods=["POST"])
@require_scope("campaigns:write")
@idempotent
@api.arguments(CampaignInput)
@documents_etag(201)
@api.response(201, CampaignSchema)
def create_draft(data: dict[str, Any]) -> ApiResult:
    """Create a campaign as a draft (the admin's rules: a launch still to come, an end after it)."""
    _check_references(data["interest_area_ids"], data["content_item_ids"], data["timezone"])
    draft = CampaignDraft(
        name=data["name"],
        goal=data["goal"],
        timezone=data["timezone"],
        launch_local=data["launch_at"],
        ends_local=data["ends_at"],
        interest_area_ids=data["interest_area_ids"],
        content_item_ids=data["content_item_ids"],
        tiers=data["tiers"],
        partner_types=[kind.value for kind in data["partner_types"]],
        countries=data["countries"],
        locales=data["locales"],
    )
    settings = current_app.config["CHANNELCAST"]
    types = tuple(kind.value for kind in PartnerType)
    try:
        campaign = create_campaign(
            db.session,
            draft,
            by=g.api_token.created_by,
            tiers=settings.partner_tiers,
            partner_types=types,
            now=utc_now(),
        )
    except CampaignError as error:
        raise _problems_for(error) from None
    return campaign, 201, etag_headers(_representation(campaign))


@api.route(f"/<{ID}:campaign_id>/schedule", methods=["POST"])
@require_scope("campaigns:write")
@requires_if_match
@idempotent
@documents_etag(200)
@api.response(200, CampaignSchema)
def schedule(campaign_id: int) -> ApiResult:
    """Schedule a draft: it goes live at its launch. Needs If-Match (412 if the campaign changed since)."""
    campaign = _campaign_or_404(campaign_id)
    check_if_match(_representation(campaign))
    try:
        move_campaign(db.session, campaign, CampaignStatus.SCHEDULED, by=g.api_token.created_by, now=utc_now())
    except CampaignError as error:
        raise _problems_for(error) from None
    return campaign, 200, etag_headers(_representation(campaign))
