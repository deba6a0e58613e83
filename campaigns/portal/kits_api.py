"""A partner's kits in the public API, each with a short-lived signed download URL.

`GET /api/v1/partners/{id}/kits` lists the partner's built kits. A kit's `download_url` is good for
KIT_URL_SECONDS and for that build only (a rebuilt kit needs a new URL): it is a signed link like
every other (`core.auth.links.LinkSigner`, purpose "api-kit-download") that names the kit and the
token that asked and is bound to the ZIP's hash, so it can be handed to a system that has no API
token (a PRM's file fetcher). Fetching it is a kit download like one in the portal (the
engagement event, the kit.downloaded webhook) and is served the portal's way: streamed, or with
STORAGE_DOWNLOADS=presigned a redirect to the store's own 5-minute URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from flask import Blueprint, abort, current_app, g, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaigns.kits.models import Kit, KitStatus
from campaigns.portal.kit_views import kit_file, kit_zip_response, record_kit_download
from core.api import ApiBlueprint, ApiProblem, ApiResult, PageArgs, keyset_page, page_schema, require_scope
from core.api.spec import ID
from core.auth import InvalidLink, signer
from core.auth.links import HEX
from core.db import db, utc_now
from subscribers.models import Partner

SCOPES = {"kits:read": "List partners' marketing kits and get short-lived links to download them."}
KIT_URL_SECONDS = 300
MAX_ID = 2**31 - 1  # the largest id an integer column holds

api = ApiBlueprint(
    "partner-kits",
    __name__,
    url_prefix="/partners",
    description="Each partner's marketing kits (per campaign and language), with short-lived download links.",
)
downloads = Blueprint("kit_downloads", __name__, url_prefix="/api/v1/kit-downloads")


PURPOSE = "api-kit-download"


def download_url(kit: Kit) -> str:
    signed = signer(current_app).sign(PURPOSE, kit.id, g.api_token.id, bound=kit.sha256.encode())
    return url_for("kit_downloads.download", signed=signed, _external=True)


class KitSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True)
    campaign_name = ma.fields.Function(lambda kit: kit.campaign.name, required=True, metadata={"type": "string"})
    locale = ma.fields.String(required=True)
    status = ma.fields.Enum(KitStatus, by_value=True, required=True)
    size = ma.fields.Integer(required=True, metadata={"description": "Bytes."})
    sha256 = ma.fields.String(required=True)
    built_at = ma.fields.AwareDateTime(required=True)
    download_url = ma.fields.Function(
        download_url,
        required=True,
        metadata={"type": "string", "description": f"Good for {KIT_URL_SECONDS} seconds; no token needed."},
    )
    download_url_expires_at = ma.fields.Function(
        lambda _kit: (utc_now() + dt.timedelta(seconds=KIT_URL_SECONDS)).isoformat(),
        required=True,
        metadata={"type": "string", "format": "date-time"},
    )


KitPage = page_schema(KitSchema, "KitPage")


@api.route(f"/<{ID}:partner_id>/kits")
@require_scope("kits:read")
@api.arguments(PageArgs, location="query")
@api.response(200, KitPage)
def list_kits(args: dict[str, Any], partner_id: int) -> ApiResult:
    """The partner's built kits (a kit whose last build failed keeps its previous ZIP), oldest first."""
    if db.session.get(Partner, partner_id) is None:
        raise ApiProblem(404, detail=f"There is no partner {partner_id}.")
    statement = (
        select(Kit).where(Kit.partner_id == partner_id, Kit.storage_key != "").options(selectinload(Kit.campaign))
    )
    return keyset_page(
        db.session, statement, order=(Kit.id,), after=args["after"], limit=args["limit"], list_name="kits"
    )


@downloads.get("/<signed>")
def download(signed: str) -> ResponseReturnValue:
    """The kit's ZIP, for a URL from the kits list that has not expired and names the kit's current build."""
    kit_id, _, _rest = signed.partition(".")
    number = int(kit_id, 16) if HEX.fullmatch(kit_id) else 0
    kit = db.session.get(Kit, number) if 0 < number <= MAX_ID else None  # a made-up huge id is no kit, not a 500
    if kit is None or not kit.storage_key:
        abort(404)
    try:  # the token names the kit; it holds only for the build it was made for
        claim = signer(current_app).read(
            signed, PURPOSE, max_age=dt.timedelta(seconds=KIT_URL_SECONDS), bound=kit.sha256.encode()
        )
    except InvalidLink:
        abort(404)  # expired, edited, made up or for an earlier build: nothing here
    stored = kit_file(kit)
    detail = {"kit_id": kit.id, "campaign_id": kit.campaign_id, "partner_id": kit.partner_id, "locale": kit.locale,
              "api_token_id": claim.version, "file": None}  # fmt: skip
    record_kit_download(kit, detail, None)
    return kit_zip_response(kit, stored)
