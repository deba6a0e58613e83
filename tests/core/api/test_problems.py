"""Field errors as integrators read them: dotted names, JSON pointers, and the row of a bulk request."""

from __future__ import annotations

from core.api.problems import field_problems


def test_a_bulk_requests_errors_name_the_row_and_the_field() -> None:
    messages = {
        "json": {
            "rows": {3: {"email": ["Not a valid email address."]}, 998: {"timezone": ["Unknown zone."]}},
            "interest_area_ids": {1: ["Must be greater than or equal to 1."]},
        },
        "query": {"limit": ["Must be between 1 and 200."]},
    }
    assert [problem.as_dict() for problem in field_problems(messages)] == [
        {"field": "rows[3].email", "detail": "Not a valid email address.", "pointer": "#/rows/3/email", "row": 3},
        {"field": "rows[998].timezone", "detail": "Unknown zone.", "pointer": "#/rows/998/timezone", "row": 998},
        {"field": "interest_area_ids[1]", "detail": "Must be greater than or equal to 1.",
         "pointer": "#/interest_area_ids/1"},
        {"field": "limit", "detail": "Must be between 1 and 200.", "location": "query"},
    ]  # fmt: skip


def test_a_dict_fields_errors_name_its_entry_not_marshmallows_wrapper() -> None:
    messages = {"texts": {"xx": {"key": ["Must be one of: en, nl."]}, "en": {"value": {"colour": ["Unknown field."]}}}}
    assert [(p.field, p.detail) for p in field_problems(messages, "json")] == [
        ("texts.xx", "Must be one of: en, nl."),
        ("texts.en.colour", "Unknown field."),
    ]
