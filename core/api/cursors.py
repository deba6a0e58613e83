"""Keyset pagination with opaque, signed cursors: `?after=CURSOR&limit=N`.

A page is "the next N rows after this position in this order", asked of an index, so page 5,000
costs what page 1 does and rows added or removed meanwhile never shift a page (no OFFSET). The
cursor is the last row's sort values, signed with SECRET_KEY and tied to the list it came from:
a cursor that was edited, or taken from another list, is a 422 naming `after`.

    page = keyset_page(session, select(Suppression), order=(Suppression.id,), after=args["after"],
                       limit=args["limit"], list_name="suppressions")
    return page   # @blp.response(200, page_schema(SuppressionSchema, "SuppressionPage")): {"items": [...], "next": ...}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import marshmallow as ma
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.api.problems import ApiProblem, FieldProblem

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageArgs(ma.Schema):
    """The query arguments every list takes."""

    after = ma.fields.String(
        load_default=None,
        allow_none=False,
        validate=ma.validate.Length(max=500),
        metadata={"description": "The `next` value of the previous page; leave out for the first page."},
    )
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page, 1 to {MAX_LIMIT}."},
    )


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """`{"items": [item, ...], "next": cursor or null}` for one kind of item, named `name` in the spec."""
    fields: dict[str, Any] = {
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "next": ma.fields.String(
            attribute="next_cursor",
            allow_none=True,
            required=True,
            metadata={"description": "Pass as `after` for the next page; null on the last page."},
        ),
    }
    return ma.Schema.from_dict(fields, name=name)


def _serializer(list_name: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"channelcast.api.cursor.{list_name}")


def encode_cursor(values: Sequence[Any], list_name: str) -> str:
    plain = [value.isoformat() if isinstance(value, dt.datetime) else value for value in values]
    return _serializer(list_name).dumps(plain)


def decode_cursor(cursor: str, list_name: str, order: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    try:
        values = _serializer(list_name).loads(cursor)
    except BadSignature:
        values = None
    if not isinstance(values, list) or len(values) != len(order):
        raise ApiProblem.invalid(
            [FieldProblem("after", "Not a cursor from this list: use the `next` value of a page, unchanged.", "query")]
        )
    return [_typed(value, column) for value, column in zip(values, order, strict=True)]


def _typed(value: Any, column: InstrumentedAttribute[Any]) -> Any:
    python_type = column.type.python_type
    if python_type is dt.datetime and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    items: list[T]
    next_cursor: str | None


def keyset_page(
    session: Session,
    statement: Select[tuple[T]],
    *,
    order: Sequence[InstrumentedAttribute[Any]],
    after: str | None,
    limit: int,
    list_name: str,
) -> KeysetPage[T]:
    """The `limit` rows of `statement` after the cursor, in ascending `order` (end it with a unique column)."""
    if after:
        position = decode_cursor(after, list_name, order)
        statement = statement.where(tuple_(*order) > tuple_(*position))
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)).unique())
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, column.key) for column in order], list_name)
    return KeysetPage(rows, next_cursor)
