"""Engagement scores in the public API: each partner's and each contact's score now, and its band.

The stored scores (written by the roll-ups) are carried to this moment with the same decay and
bands as the partners list (`subscribers.engagement.decayed` and `band_of`). A partner or contact
with no score row has had no counted activity: its score is 0 and it is silent.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from sqlalchemy import select

from campaigns.engagement.models import ContactScore
from core.api import ApiBlueprint, ApiResult, KeysetPage, PageArgs, keyset_page, page_schema, require_scope, row_id
from core.db import db, utc_now
from subscribers.engagement import Band, PartnerScore, band_of, decayed
from subscribers.models import Contact

SCOPES = {"scores:read": "Read partners' and contacts' engagement scores and bands."}

api = ApiBlueprint(
    "engagement-scores",
    __name__,
    url_prefix="/engagement-scores",
    description="How engaged each partner and contact is now: a score that halves without activity, and a band.",
)

_BANDS = "engaged; cooling (fell by more than the cooling percentage over 30 days); silent (below 1)."


class PartnerScoreSchema(ma.Schema):
    partner_id = ma.fields.Integer(required=True)
    score = ma.fields.Float(required=True, metadata={"description": "Now, after decay; about one per human open."})
    band = ma.fields.Enum(Band, by_value=True, required=True, metadata={"description": _BANDS})
    counted_at = ma.fields.AwareDateTime(required=True, metadata={"description": "When activity was last counted."})


class ContactScoreSchema(ma.Schema):
    contact_id = ma.fields.Integer(required=True)
    partner_id = ma.fields.Integer(required=True)
    score = ma.fields.Float(required=True, metadata={"description": "Now, after decay; about one per human open."})
    band = ma.fields.Enum(
        Band,
        by_value=True,
        required=True,
        metadata={"description": "engaged or silent (below 1); cooling is measured per partner only."},
    )
    counted_at = ma.fields.AwareDateTime(required=True, metadata={"description": "When activity was last counted."})


class PartnerScoreArgs(PageArgs):
    partner_id = row_id(load_default=None, metadata={"description": "Only this partner."})


class ContactScoreArgs(PageArgs):
    partner_id = row_id(load_default=None, metadata={"description": "Only this partner's contacts."})
    contact_id = row_id(load_default=None, metadata={"description": "Only this contact."})


PartnerScorePage = page_schema(PartnerScoreSchema, "PartnerScorePage")
ContactScorePage = page_schema(ContactScoreSchema, "ContactScorePage")


@api.route("")
@require_scope("scores:read")
@api.arguments(PartnerScoreArgs, location="query")
@api.response(200, PartnerScorePage)
def partner_scores(args: dict[str, Any]) -> ApiResult:
    """Each partner's score now and its band, by partner id."""
    settings = current_app.config["CHANNELCAST"]
    statement = select(PartnerScore)
    if args["partner_id"] is not None:
        statement = statement.where(PartnerScore.partner_id == args["partner_id"])
    page = keyset_page(
        db.session,
        statement,
        order=(PartnerScore.partner_id,),
        after=args["after"],
        limit=args["limit"],
        list_name="partner-scores",
    )
    now, items = utc_now(), []
    for stored in page.items:
        score = decayed(stored.score, stored.as_of, now, settings.engagement_half_life_days)
        band = band_of(score, stored.baseline, settings.engagement_cooling_percent)
        items.append({"partner_id": stored.partner_id, "score": round(score, 3), "band": band,
                      "counted_at": stored.as_of})  # fmt: skip
    return KeysetPage(items, page.next_cursor)


@api.route("/contacts")
@require_scope("scores:read")
@api.arguments(ContactScoreArgs, location="query")
@api.response(200, ContactScorePage)
def contact_scores(args: dict[str, Any]) -> ApiResult:
    """Each contact's score now and its band, by contact id."""
    settings = current_app.config["CHANNELCAST"]
    statement = select(ContactScore)
    if args["contact_id"] is not None:
        statement = statement.where(ContactScore.contact_id == args["contact_id"])
    if args["partner_id"] is not None:
        statement = statement.where(
            ContactScore.contact_id.in_(select(Contact.id).where(Contact.partner_id == args["partner_id"]))
        )
    page = keyset_page(
        db.session,
        statement,
        order=(ContactScore.contact_id,),
        after=args["after"],
        limit=args["limit"],
        list_name="contact-scores",
    )
    partner_of = dict(
        db.session.execute(
            select(Contact.id, Contact.partner_id).where(Contact.id.in_([row.contact_id for row in page.items]))
        )
        .tuples()
        .all()
    )
    now, items = utc_now(), []
    for stored in page.items:
        score = decayed(stored.score, stored.as_of, now, settings.engagement_half_life_days)
        items.append({"contact_id": stored.contact_id, "partner_id": partner_of[stored.contact_id],
                      "score": round(score, 3), "band": band_of(score, 0.0, settings.engagement_cooling_percent),
                      "counted_at": stored.as_of})  # fmt: skip
    return KeysetPage(items, page.next_cursor)
