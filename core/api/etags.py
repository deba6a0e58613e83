"""ETags and If-Match: a client that changes a resource proves it saw the current version.

A resource's ETag is a hash of its JSON representation, so any change anyone makes (in the admin,
by the scheduler, through the API) gives a new one. GET answers carry it; a request that changes an
existing resource must send it back in `If-Match`:

- missing: 428 Precondition Required (we do not guess that a blind overwrite was meant);
- different from the current one: 412 Precondition Failed, and nothing is changed;
- `If-Match: *` means "whatever it is now" (the client opts out knowingly).

    @blp.route("/<int:campaign_id>/schedule", methods=["POST"])
    @require_scope("campaigns:write")
    @requires_if_match
    @blp.response(200, CampaignSchema)
    def schedule(campaign_id):
        campaign = ...
        check_if_match(CampaignSchema().dump(campaign))   # before changing anything
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import request

from core.api.problems import ApiProblem
from core.api.scopes import add_operation_doc

F = TypeVar("F", bound=Callable[..., Any])

IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The ETag of the version you read (from its GET). A stale one gets 412; `*` skips the check.",
    "schema": {"type": "string"},
}
ETAG_HEADER = {"description": "The version of this resource, for If-Match.", "schema": {"type": "string"}}


def etag_of(representation: Any) -> str:
    """A strong validator for a JSON representation (unquoted; Werkzeug adds the quotes)."""
    canonical = json.dumps(representation, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def etag_headers(representation: Any) -> dict[str, str]:
    """Headers for a response carrying `representation`: `{"ETag": '"..."'}`."""
    return {"ETag": f'"{etag_of(representation)}"'}


def check_if_match(current_representation: Any) -> None:
    """428 without If-Match, 412 when it names another version; call it before changing anything."""
    if not request.headers.get("If-Match"):
        raise ApiProblem(
            428,
            detail="Send If-Match with the ETag from your last GET of this resource (or * to skip the check).",
            extra={"required_header": "If-Match"},
        )
    condition = request.if_match
    if condition.star_tag:
        return
    current = etag_of(current_representation)
    if not condition.contains(current):
        raise ApiProblem(
            412,
            detail="The resource changed since you read it: GET it again, then retry with its new ETag.",
            headers={"ETag": f'"{current}"'},
        )


def requires_if_match(view: F) -> F:
    """Document that this operation needs If-Match (the view calls `check_if_match`)."""
    add_operation_doc(
        view,
        {
            "parameters": [IF_MATCH_PARAMETER],
            "responses": {
                412: "PRECONDITION_FAILED",
                428: "PRECONDITION_REQUIRED",
            },
        },
    )
    return view


def documents_etag(status: int) -> Callable[[F], F]:
    """Document the ETag header on the `status` answer of this operation."""

    def decorate(view: F) -> F:
        add_operation_doc(view, {"responses": {status: {"headers": {"ETag": ETAG_HEADER}}}})
        return view

    return decorate
