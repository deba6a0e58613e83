"""The events stream in the public API: `GET /api/v1/events?after=CURSOR`, for a CRM to pull engagement.

Every page carries `next`, also the last one: keep it and ask again later for what happened since.
No event is skipped or repeated, even while events are being written (campaigns.delivery.stream).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from campaigns.delivery.models import Event, EventKind
from campaigns.delivery.stream import START, events_after
from core.api import ApiBlueprint, ApiResult, require_scope
from core.api.cursors import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from core.db import db

SCOPES = {"events:read": "Read the stream of events: sends, opens, clicks, bounces, unsubscribes, kit downloads."}
LIST_NAME = "events"
ORDER = (Event.tx_id, Event.id)

api = ApiBlueprint(
    "events",
    __name__,
    url_prefix="/events",
    description="What happened: sends, deliveries, opens, clicks, bounces, unsubscribes, kit downloads, sign-ins.",
)


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.Enum(EventKind, by_value=True, required=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    contact_id = ma.fields.Integer(required=True, allow_none=True)
    delivery_id = ma.fields.Integer(required=True, allow_none=True)
    content_item_id = ma.fields.Integer(required=True, allow_none=True)
    automated = ma.fields.Boolean(
        required=True, metadata={"description": "A machine open (privacy proxy) or a link scanner's click."}
    )
    detail = ma.fields.Dict(keys=ma.fields.String(), required=True, metadata={"description": "What the source said."})


class EventPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EventSchema), required=True)
    next = ma.fields.String(
        required=True,
        metadata={"description": "Pass as `after` for the next page; on the last page, keep it and ask again later."},
    )
    more = ma.fields.Boolean(required=True, metadata={"description": "Whether the next page can be read at once."})


class StreamArgs(ma.Schema):
    after = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=500),
        metadata={"description": "The `next` of the previous page; leave out to start at the first event."},
    )
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    kind = ma.fields.List(
        ma.fields.Enum(EventKind, by_value=True),
        load_default=list,
        metadata={"description": "Only these kinds (repeat the parameter for several)."},
    )


@api.route("")
@require_scope("events:read")
@api.arguments(StreamArgs, location="query")
@api.response(200, EventPageSchema)
def stream(args: dict[str, Any]) -> ApiResult:
    """Events in the order they became final; follow `next` (it never skips or repeats one)."""
    position = START
    if args["after"]:
        tx_id, event_id = decode_cursor(args["after"], LIST_NAME, ORDER)
        position = (int(tx_id), int(event_id))
    page = events_after(db.session, position, limit=args["limit"], kinds=args["kind"])
    return {"items": page.events, "next": encode_cursor(list(page.position), LIST_NAME), "more": page.more}
