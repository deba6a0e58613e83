"""The content library in the public API: interest areas, competencies, what partners can see now, and new drafts.

Reads show what is visible at this moment (approved or published, publish time reached, not
expired: `content.selection.visible_at`); a draft is made with `content.services.save_item`, the
same rules as the editor, and each of its errors comes back naming its field.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, g
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from content.models import Competency, ContentItem, ContentKind, ContentStatus, InterestArea, content_item_areas
from content.selection import visible_at
from content.services import ContentError, ContentInvalid, ItemInput, VariantInput, save_item
from core.api import (
    ID,
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
    row_id,
)
from core.config import LOCALES
from core.db import db, utc_now

SCOPES = {
    "content:read": "Read interest areas and the content partners can see now.",
    "content:write": "Create content items as drafts (publishing stays with vendor marketing).",
}
COMPETENCY_SCOPES = {"competencies:read": "Read the competencies the vendor certifies partners in."}

areas_api = ApiBlueprint(
    "interest-areas",
    __name__,
    url_prefix="/interest-areas",
    description="The vendor's interest areas (competencies) that contacts follow.",
)
competencies_api = ApiBlueprint(
    "competencies",
    __name__,
    url_prefix="/competencies",
    description="The skills the vendor certifies partners' people in, and the interest areas each covers.",
)
items_api = ApiBlueprint(
    "content-items",
    __name__,
    url_prefix="/content-items",
    description="Content items: what partners can see now, and new drafts.",
)


# ---------------------------------------------------------------------------------------------- schemas


class InterestAreaSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.Method("english_name", required=True, metadata={"type": "string", "description": "In English."})
    names = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "The name per language (en, nl, de, fr, sv, pl)."},
    )
    descriptions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    position = ma.fields.Integer(required=True)

    def english_name(self, area: InterestArea) -> str:
        return area.name("en")


class CompetencySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True, metadata={"description": "The short name CSV imports use."})
    names = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "The name per language that has one; en always."},
    )
    position = ma.fields.Integer(required=True)
    interest_area_ids = ma.fields.Method(
        "area_ids", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )

    def area_ids(self, competency: Competency) -> list[int]:
        return [area.id for area in competency.interest_areas]


class TextSchema(ma.Schema):
    title = ma.fields.String(required=True)
    summary = ma.fields.String(required=True)
    body = ma.fields.String(required=True, metadata={"description": "Markdown."})
    cta_label = ma.fields.String(required=True)
    cta_url = ma.fields.String(required=True)


class ContentItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.Enum(ContentKind, by_value=True, required=True)
    status = ma.fields.Enum(ContentStatus, by_value=True, required=True)
    default_locale = ma.fields.String(required=True)
    publish_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    expires_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    priority = ma.fields.Integer(required=True)
    cta_url = ma.fields.String(required=True)
    interest_area_ids = ma.fields.Method(
        "area_ids", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )
    allowed_tiers = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "Partner tiers that may see it; empty: every tier."}
    )
    texts = ma.fields.Method(
        "texts_by_locale",
        required=True,
        metadata={
            "type": "object",
            "additionalProperties": {"$ref": "#/components/schemas/Text"},
            "description": "The texts per language that has them (en, nl, de, fr, sv, pl).",
        },
    )
    updated_at = ma.fields.AwareDateTime(required=True)

    def area_ids(self, item: ContentItem) -> list[int]:
        return [area.id for area in item.interest_areas]

    def texts_by_locale(self, item: ContentItem) -> dict[str, Any]:
        return {variant.locale: TextSchema().dump(variant) for variant in item.variants}


class TextInput(RequestSchema):
    title = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    summary = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    body = ma.fields.String(load_default="", validate=ma.validate.Length(max=50_000))
    cta_label = ma.fields.String(load_default="", validate=ma.validate.Length(max=80))
    cta_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class DraftInput(RequestSchema):
    kind = ma.fields.Enum(ContentKind, by_value=True, load_default=ContentKind.ARTICLE)
    interest_area_ids = ma.fields.List(row_id(), load_default=list, validate=ma.validate.Length(max=100))
    allowed_tiers = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=30)), load_default=list, validate=ma.validate.Length(max=20)
    )
    default_locale = ma.fields.String(load_default="en", validate=ma.validate.OneOf(LOCALES))
    publish_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    expires_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    priority = ma.fields.Integer(load_default=50, validate=ma.validate.Range(0, 100))
    cta_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    texts = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(LOCALES)),
        values=ma.fields.Nested(TextInput),
        required=True,
        metadata={"description": "Texts per language; the default language needs a title."},
    )


class ItemListArgs(PageArgs):
    kind = ma.fields.Enum(ContentKind, by_value=True, load_default=None, allow_none=False)
    interest_area_id = row_id(load_default=None, allow_none=False, metadata={"description": "Only items in this area."})


AreaPage = page_schema(InterestAreaSchema, "InterestAreaPage")
CompetencyPage = page_schema(CompetencySchema, "CompetencyPage")
ItemPage = page_schema(ContentItemSchema, "ContentItemPage")


# ---------------------------------------------------------------------------------------------- endpoints


@areas_api.route("")
@require_scope("content:read")
@areas_api.arguments(PageArgs, location="query")
@areas_api.response(200, AreaPage)
def list_areas(args: dict[str, Any]) -> ApiResult:
    """The interest areas contacts can choose (retired ones left out), in the vendor's order."""
    statement = select(InterestArea).where(InterestArea.is_active.is_(True))
    page = keyset_page(
        db.session,
        statement,
        order=(InterestArea.position, InterestArea.id),
        after=args["after"],
        limit=args["limit"],
        list_name="interest-areas",
    )
    return page


@competencies_api.route("")
@require_scope("competencies:read")
@competencies_api.arguments(PageArgs, location="query")
@competencies_api.response(200, CompetencyPage)
def list_competencies(args: dict[str, Any]) -> ApiResult:
    """Every competency, in the vendor's order, with the interest areas it covers."""
    page = keyset_page(
        db.session,
        select(Competency).options(selectinload(Competency.interest_areas)),
        order=(Competency.position, Competency.id),
        after=args["after"],
        limit=args["limit"],
        list_name="competencies",
    )
    return page


def _visible_items() -> Select[tuple[ContentItem]]:
    return (
        select(ContentItem)
        .where(visible_at(utc_now()))
        .options(
            selectinload(ContentItem.variants),
            selectinload(ContentItem.interest_areas),
            selectinload(ContentItem.tier_rows),
        )
    )


@items_api.route("")
@require_scope("content:read")
@items_api.arguments(ItemListArgs, location="query")
@items_api.response(200, ItemPage)
def list_items(args: dict[str, Any]) -> ApiResult:
    """The items partners can see now (approved or published, publish time reached, not expired), oldest first."""
    statement = _visible_items()
    if args["kind"] is not None:
        statement = statement.where(ContentItem.kind == args["kind"])
    if args["interest_area_id"] is not None:
        statement = statement.where(
            ContentItem.id.in_(
                select(content_item_areas.c.item_id).where(content_item_areas.c.area_id == args["interest_area_id"])
            )
        )
    page = keyset_page(
        db.session,
        statement,
        order=(ContentItem.id,),
        after=args["after"],
        limit=args["limit"],
        list_name="content-items",
    )
    return page


@items_api.route(f"/<{ID}:item_id>")
@require_scope("content:read")
@items_api.response(200, ContentItemSchema)
def get_item(item_id: int) -> ApiResult:
    """One item, if partners can see it now (a draft or an expired item is 404 here)."""
    item = db.session.scalar(_visible_items().where(ContentItem.id == item_id))
    if item is None:
        raise ApiProblem(404, detail=f"No content item {item_id} is visible now.")
    return item


_FIELD_NAMES = {"title": "title", "cta_label": "cta_label", "cta_url": "cta_url"}


def _field_problem(error: ContentError) -> FieldProblem:
    """The editor's field names as the API's: a language's text field is `texts.<locale>.<field>`."""
    if error.locale:
        return FieldProblem(f"texts.{error.locale}.{error.field}", error.message)
    return FieldProblem(error.field or "", error.message)


def _check_areas(session: Any, area_ids: list[int]) -> None:
    active = set(session.scalars(select(InterestArea.id).where(InterestArea.id.in_(area_ids), InterestArea.is_active)))
    problems = [
        FieldProblem(f"interest_area_ids[{index}]", f"There is no active interest area {area_id}.")
        for index, area_id in enumerate(area_ids)
        if area_id not in active
    ]
    if problems:
        raise ApiProblem.invalid(problems)


@items_api.route("", methods=["POST"])
@require_scope("content:write")
@idempotent
@items_api.arguments(DraftInput)
@items_api.response(201, ContentItemSchema)
def create_draft(data: dict[str, Any]) -> ApiResult:
    """Create a content item as a draft, with the editor's rules; vendor marketing reviews and publishes it."""
    _check_areas(db.session, data["interest_area_ids"])
    variants = {locale: VariantInput(**text) for locale, text in data["texts"].items()}
    item_input = ItemInput(
        kind=data["kind"],
        area_ids=data["interest_area_ids"],
        allowed_tiers=data["allowed_tiers"],
        default_locale=data["default_locale"],
        publish_at=data["publish_at"],
        expires_at=data["expires_at"],
        priority=data["priority"],
        cta_url=data["cta_url"],
        variants=variants,
    )
    tiers = current_app.config["CHANNELCAST"].partner_tiers
    try:
        item = save_item(db.session, None, item_input, by=g.api_token.created_by, tiers=tiers)
    except ContentInvalid as invalid:
        raise ApiProblem.invalid([_field_problem(error) for error in invalid.errors]) from None
    return item
