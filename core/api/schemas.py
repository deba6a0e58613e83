"""Schemas every resource shares: the problem document, a strict base for request bodies, row ids."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma

MAX_ROW_ID = 2**31 - 1
# NUL and unpaired surrogates cannot be stored as text (PostgreSQL refuses both): a field error, not a 500.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def row_id(**kwargs: Any) -> ma.fields.Integer:
    """An id of a row: 1 to 2^31-1 (anything else names no row and is refused as the field's error)."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ROW_ID), **kwargs)


def _unstorable(value: Any) -> Any:
    """The error tree for `value`'s strings holding NUL or a lone surrogate (None when all are fine)."""
    if isinstance(value, str):
        return (
            ["Contains a character that cannot be stored (NUL or an unpaired surrogate)."]
            if _UNSTORABLE.search(value)
            else None
        )
    if isinstance(value, dict):
        found = {key: error for key, item in value.items() if (error := _unstorable(item)) is not None}
        bad_keys = {
            key: ["This key cannot be stored."] for key in value if isinstance(key, str) and _UNSTORABLE.search(key)
        }
        return {**found, **bad_keys} or None
    if isinstance(value, list):
        found_items = {index: error for index, item in enumerate(value) if (error := _unstorable(item)) is not None}
        return found_items or None
    return None


class RequestSchema(ma.Schema):
    """A request body: unknown fields are refused (422 naming them), not silently dropped."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def refuse_unstorable_text(self, data: Any, **_kwargs: Any) -> Any:
        errors = _unstorable(data)
        if errors:
            raise ma.ValidationError(errors)
        return data


class FieldProblemSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    field = ma.fields.String(required=True, metadata={"description": "The field, e.g. `name` or `rows[3].email`."})
    detail = ma.fields.String(required=True, metadata={"description": "What is wrong and how to fix it."})
    pointer = ma.fields.String(metadata={"description": "A JSON pointer into the body, e.g. `#/rows/3/email`."})
    location = ma.fields.String(metadata={"description": "`query`, `header` or `path` when not in the body."})
    row = ma.fields.Integer(metadata={"description": "The row of a bulk request (from 0)."})


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(
        metadata={"description": "A URI reference for the kind of problem; about:blank for plain HTTP."}
    )
    title = ma.fields.String(metadata={"description": "The HTTP status phrase, or the kind of problem."})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code."})
    detail = ma.fields.String(metadata={"description": "What went wrong in this case, for a person."})
    instance = ma.fields.String(metadata={"description": "The path that was called."})
    errors = ma.fields.List(ma.fields.Nested(FieldProblemSchema), metadata={"description": "Each field in error."})
