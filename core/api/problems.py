"""RFC 9457 problem details: every API error is `application/problem+json`, naming the field (and row).

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "name: Missing data for required field.", "instance": "/api/v1/campaigns",
     "errors": [{"field": "name", "pointer": "#/name", "detail": "Missing data for required field."}]}

`errors` lists each problem with the request: `field` as people write it (`rows[3].email`), a JSON
pointer into the body (`#/rows/3/email`), `location` when it is not the body (query, header, path),
and `row` (counted from 0) for bulk requests. Views raise `ApiProblem`; the app's error handlers
turn every other HTTP error on an /api/ path (404, 405, 413, 429, 500, webargs' 422) into one too.
"""

from __future__ import annotations

import http
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/"
BULK_FIELD = "rows"  # a bulk request's body is {"rows": [...]}: its errors name the row


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of the request."""

    field: str
    detail: str
    location: str = "json"
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {"field": self.field, "detail": self.detail}
        if self.location == "json":
            item["pointer"] = "#/" + "/".join(_pointer_parts(self.field)) if self.field else "#"
        else:
            item["location"] = self.location
        if self.row is not None:
            item["row"] = self.row
        return item


class ApiProblem(Exception):
    """Raise from an API view (or service glue) to answer with a problem document."""

    def __init__(
        self,
        status: int,
        *,
        detail: str = "",
        title: str | None = None,
        errors: Iterable[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        type_: str = "about:blank",
    ) -> None:
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail
        self.title = title
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.type = type_

    @classmethod
    def invalid(cls, errors: Iterable[FieldProblem], *, detail: str = "") -> ApiProblem:
        """422 naming each field; `detail` defaults to the first problem."""
        problems = list(errors)
        first = problems[0] if problems else None
        summary = detail or (
            f"{first.field}: {first.detail}" if first and first.field else (first.detail if first else "")
        )
        return cls(422, detail=summary, errors=problems)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem_response(problem: ApiProblem) -> Response:
    phrase = _phrase(problem.status)
    body: dict[str, Any] = {
        "type": problem.type,
        "title": problem.title or phrase,
        "status": problem.status,
        "detail": problem.detail or phrase,
        "instance": request.path,
    }
    if problem.errors:
        body["errors"] = [error.as_dict() for error in problem.errors]
    body.update(problem.extra)
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=problem.status, mimetype=PROBLEM_TYPE
    )
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def problem_from_http_error(error: HTTPException) -> ApiProblem:
    """Werkzeug's and webargs' errors as problems (webargs puts the marshmallow messages in `data`)."""
    status = error.code or 500
    headers = {name: value for name, value in error.get_response().headers.items() if name in ("Allow", "Retry-After")}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if status == 422 and isinstance(messages, dict):
        problem = ApiProblem.invalid(field_problems(messages))
        problem.headers.update(headers)
        return problem
    return ApiProblem(status, detail=_detail_for(status, error), headers=headers)


_DETAILS = {
    400: "The request could not be read.",
    401: "Send a valid API token: Authorization: Bearer <token>.",
    404: "There is nothing at this address. The list of endpoints is at /api/v1/openapi.json.",
    405: "This address does not take that method; the Allow header lists the ones it does.",
    413: "The request body is too large.",
    415: "Send the body as JSON with Content-Type: application/json.",
    429: "Too many requests for this token; wait for the time in Retry-After.",
    500: "Something went wrong on our side. It has been logged; try again in a moment.",
}


def _detail_for(status: int, error: HTTPException) -> str:
    if status == 413:
        limit = request.max_content_length
        return f"The request body is larger than {limit // (1024 * 1024)} MB." if limit else _DETAILS[413]
    return _DETAILS.get(status) or (error.description or _phrase(status))


_LOCATIONS = {"json": "json", "query": "query", "headers": "header", "view_args": "path", "path": "path"}


def field_problems(messages: Mapping[Any, Any], location: str | None = None) -> list[FieldProblem]:
    """marshmallow's nested messages ({"json": {"rows": {3: {"email": ["..."]}}}}) as a flat list.

    webargs keys them by location first; a schema's own `validate()` does not (pass `location`).
    """
    problems: list[FieldProblem] = []
    if location is None and messages and all(key in _LOCATIONS for key in messages):
        for where, tree in messages.items():
            _walk(tree, [], _LOCATIONS[where], problems)
    else:
        _walk(messages, [], location or "json", problems)
    return problems


def _walk(node: Any, path: list[str | int], location: str, out: list[FieldProblem]) -> None:
    if isinstance(node, Mapping):
        # marshmallow's Dict fields wrap their errors in {"key": ..., "value": ...}: the entry itself is the field.
        dict_entry = bool(path) and set(node) <= {"key", "value"}
        for key, child in node.items():
            _walk(child, path if key == "_schema" or dict_entry else [*path, key], location, out)
        return
    texts = node if isinstance(node, list) else [node]
    if texts and all(isinstance(text, str) for text in texts):
        field, row = _field_name(path)
        out.extend(FieldProblem(field, text, location, row) for text in texts)
        return
    for child in texts:
        _walk(child, path, location, out)


def _field_name(path: list[str | int]) -> tuple[str, int | None]:
    """["rows", 3, "email"] -> ("rows[3].email", 3). A bulk request carries its rows in `rows`
    (BULK_FIELD); only there does an index name a row, elsewhere it is a position in a list."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else ("." if name else "") + str(part)
    row = path[1] if len(path) > 1 and path[0] == BULK_FIELD and isinstance(path[1], int) else None
    return name, row


def _pointer_parts(field: str) -> list[str]:
    parts: list[str] = []
    for piece in field.replace("]", "").replace("[", ".").split("."):
        if piece:
            parts.append(piece.replace("~", "~0").replace("/", "~1"))
    return parts


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"
