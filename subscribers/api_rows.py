"""What the partner and contact endpoints share: a bulk body, its answer, and the importer's issues as problems."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_babel import force_locale

from core.api import ApiProblem, FieldProblem, RequestSchema
from subscribers.importer import ImportIssue
from subscribers.sync import MAX_ROWS, RowOutcome, SyncResult


def external_id_field(**kwargs: Any) -> ma.fields.String:
    """An id in the caller's CRM: 1 to 100 characters."""
    return ma.fields.String(validate=ma.validate.Length(min=1, max=100), **kwargs)


def tiers() -> tuple[str, ...]:
    configured: tuple[str, ...] = current_app.config["CHANNELCAST"].partner_tiers
    return configured


def bulk_schema(row_schema: type[ma.Schema], name: str) -> type[RequestSchema]:
    """`{"rows": [row, ...]}` of 1 to MAX_ROWS rows; more is refused before any row is read."""

    class Bulk(RequestSchema):
        rows = ma.fields.List(
            ma.fields.Nested(row_schema),
            required=True,
            validate=ma.validate.Length(min=1, max=MAX_ROWS),
            metadata={"description": f"1 to {MAX_ROWS:,} rows, written all together or not at all."},
        )

        @ma.pre_load
        def refuse_too_many(self, data: Any, **_kwargs: Any) -> Any:
            if isinstance(data, dict) and isinstance(data.get("rows"), list) and len(data["rows"]) > MAX_ROWS:
                raise ma.ValidationError(
                    {
                        "rows": [
                            f"{len(data['rows']):,} rows; a request takes at most {MAX_ROWS:,}. "
                            f"Send them in requests of {MAX_ROWS:,}."
                        ]
                    }
                )
            return data

    Bulk.__name__ = name
    return Bulk


class RowResultSchema(ma.Schema):
    row = ma.fields.Integer(required=True, metadata={"description": "The row's position in `rows`, from 0."})
    id = ma.fields.Integer(required=True)
    outcome = ma.fields.Enum(RowOutcome, by_value=True, required=True)


class BulkResultSchema(ma.Schema):
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(
        required=True, metadata={"description": "Rows that changed nothing (nothing written)."}
    )
    rows = ma.fields.List(ma.fields.Nested(RowResultSchema), required=True)


def bulk_answer(result: SyncResult) -> dict[str, Any]:
    rows = [
        {"row": index, "id": ident, "outcome": outcome}
        for index, (ident, outcome) in enumerate(zip(result.ids, result.outcomes, strict=True))
    ]
    counts = {outcome.value: result.count(outcome) for outcome in RowOutcome}
    return {**counts, "rows": rows}


def refuse_issues(issues: list[ImportIssue], *, bulk: bool) -> None:
    """422 naming each row and field, as the CSV importer reports them; nothing was written."""
    if not issues:
        return
    with force_locale("en"):  # the API speaks English, whatever the caller's browser or account prefers
        problems = [
            FieldProblem(f"rows[{issue.row}].{issue.column}", str(issue.reason), row=issue.row)
            if bulk
            else FieldProblem(issue.column, str(issue.reason))
            for issue in issues
        ]
    first = problems[0]
    what = f"{len(issues):,} errors" if len(issues) > 1 else "1 error"
    raise ApiProblem.invalid(problems, detail=f"{what}, nothing was written. First: {first.field}: {first.detail}")
