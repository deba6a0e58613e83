"""Idempotency-Key on POST, and the transaction of every API write.

API views flush, never commit: `@writes` commits when the view answered below 400 and rolls back
otherwise, so a refused request has changed nothing. `@idempotent` (which includes `@writes`) also
keeps the answer to a POST sent with an `Idempotency-Key` header, in the same transaction as what
the POST did, for IDEMPOTENCY_TTL:

- the same key with the same request (method, path, JSON body) gets the first answer again, with
  `Idempotency-Replayed: true`, and nothing is done twice;
- the same key with another request: 422 naming the header;
- two requests with the same key at the same moment: the second waits on the unique key, its own
  work is rolled back, and it answers what the first did;
- only successful answers (2xx) are kept: a request refused for bad input can be corrected and
  sent again under the same key.

Keys belong to the token that sent them; expired ones are purged by the scheduler's minute tick.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.api.models import IdempotencyRecord
from core.api.problems import ApiProblem, FieldProblem
from core.api.scopes import add_operation_doc
from core.db import db, utc_now

F = TypeVar("F", bound=Callable[..., Any])
IDEMPOTENCY_TTL = dt.timedelta(hours=24)
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
PURGE_BATCH = 5000

IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (a UUID) of up to 255 visible ASCII characters. Sending the same request again "
        "with the same key within 24 hours returns the first answer instead of doing it twice."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


def writes(view: F) -> F:
    """Commit after a successful answer (< 400), roll back after any other."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            raise
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    return wrapper  # type: ignore[return-value]


def idempotent(view: F) -> F:
    """`@writes`, and answer repeats of a POST with the same Idempotency-Key from the first answer."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return writes(view)(*args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            raise ApiProblem.invalid(
                [FieldProblem("Idempotency-Key", "Use 1 to 255 visible ASCII characters, e.g. a UUID.", "header")]
            )
        session, token_id, fingerprint = db.session, g.api_token.id, request_fingerprint()
        kept = _kept(session, token_id, key, utc_now())
        if kept is not None:
            return _replay(kept, fingerprint)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code >= 400:
            session.rollback()
            return response
        return _keep_and_commit(session, token_id, key, fingerprint, response)

    add_operation_doc(wrapper, {"parameters": [IDEMPOTENCY_PARAMETER]})
    return wrapper  # type: ignore[return-value]


def request_fingerprint() -> str:
    """Method, path and body; the body as parsed JSON, so spacing and key order do not matter."""
    body = request.get_json(silent=True)
    canonical = json.dumps([request.method, request.path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _kept(session: Session, token_id: int, key: str, now: dt.datetime) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key, IdempotencyRecord.expires_at > now
        )
    )


def _replay(kept: IdempotencyRecord, fingerprint: str) -> Response:
    if kept.request_hash != fingerprint:
        raise ApiProblem.invalid(
            [
                FieldProblem(
                    "Idempotency-Key",
                    "This key was used for a different request in the last 24 hours; use a new key for a new request.",
                    "header",
                )
            ]
        )
    response = current_app.response_class(kept.response_body, status=kept.status_code)
    for name, value in kept.response_headers.items():
        response.headers[name] = value
    response.headers["Idempotency-Replayed"] = "true"
    return response


def _keep_and_commit(session: Session, token_id: int, key: str, fingerprint: str, response: Response) -> Response:
    now = utc_now()
    # An expired record with this key would block the new one on the unique constraint. Only an expired
    # one: a concurrent request's fresh record must stay, so that our insert collides with it.
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key, IdempotencyRecord.expires_at <= now
        )
    )
    session.add(
        IdempotencyRecord(
            token_id=token_id,
            key=key,
            request_hash=fingerprint,
            status_code=response.status_code,
            response_body=response.get_data(as_text=True),
            created_at=now,
            expires_at=now + IDEMPOTENCY_TTL,
            response_headers={name: response.headers[name] for name in KEPT_HEADERS if name in response.headers},
        )
    )
    try:
        session.flush()
        session.commit()
    except IntegrityError:
        # Another request with this key committed first: undo ours and answer what it did.
        session.rollback()
        kept = _kept(session, token_id, key, now)
        if kept is None:
            raise
        return _replay(kept, fingerprint)
    return response


def purge_expired_keys(session: Session, now: dt.datetime) -> int:
    """Forget answers older than IDEMPOTENCY_TTL (a batch at a time; the minute tick calls it)."""
    ids = session.scalars(
        select(IdempotencyRecord.id).where(IdempotencyRecord.expires_at <= now).limit(PURGE_BATCH)
    ).all()
    if ids:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)))
    return len(ids)
