"""Refused requests in the trail: a signed-in person asking for something they may not touch.

A view (or `get_or_404`) that refuses names the object with `deny_access`; the error handler then
calls `record_access_denied`, which throws away whatever the request had started, writes one
`access.denied` entry and commits it, so the attempt is kept while nothing else changes.
"""

from __future__ import annotations

from typing import NoReturn

from flask import abort, g, has_request_context, request
from sqlalchemy.orm import Session

from core.audit.actors import current_actor
from core.audit.trail import record

DENIED_ACTION = "access.denied"


def deny_access(
    object_type: str,
    object_id: int | str | None,
    object_label: str = "",
    *,
    scope: str | None = None,
    status: int = 403,
) -> NoReturn:
    """Refuse with `status` (403; 404 where even the object's existence is not the asker's business)."""
    g.audit_denied = (object_type, object_id, object_label, scope)
    abort(status)


def record_access_denied(session: Session, status: int) -> bool:
    """Record a 403 (or a 404 that `deny_access` asked for) by a signed-in person; True if recorded."""
    if not has_request_context():
        return False
    denied = g.pop("audit_denied", None)
    if denied is None and status != 403:
        return False
    actor = current_actor()
    if denied is None and actor.kind == "system":
        return False  # a signed-out caller (a webhook with a bad signature) is no person's attempt
    object_type, object_id, label, scope = denied or ("page", None, request.path, None)
    session.rollback()
    record(
        session, DENIED_ACTION, object_type=object_type, object_id=object_id, object_label=label, scope=scope,
        detail=f"{request.method} {request.path} refused ({status})", actor=actor,
    )  # fmt: skip
    session.commit()
    return True
