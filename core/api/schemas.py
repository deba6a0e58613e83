"""Schemas every resource shares: the problem document, and a strict base for request bodies."""

from __future__ import annotations

import marshmallow as ma


class RequestSchema(ma.Schema):
    """A request body: unknown fields are refused (422 naming them), not silently dropped."""

    class Meta:
        unknown = ma.RAISE


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
