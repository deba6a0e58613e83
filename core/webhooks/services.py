"""Webhook services: emit events, manage endpoints. Plain functions, Session first; they flush.

`emit` writes one delivery row per subscribed, active endpoint in the caller's transaction: an event
whose change rolls back sends nothing, and a committed one is sent even if the process dies right
after (a transactional outbox). Sending happens later, in the worker (core.webhooks.sender).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.audit import record
from core.auth.models import User
from core.db import utc_now
from core.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from core.webhooks.registry import check_event_type
from core.webhooks.signing import new_message_id, new_secret

INSERT_CHUNK = 1000
DESCRIPTION_MAX = 200


class WebhookError(ValueError):
    """Something an administrator can fix; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def emit(session: Session, event_type: str, payload: Mapping[str, Any], *, now: dt.datetime | None = None) -> int:
    """Queue `event_type` with `payload` (JSON-able) for every endpoint that wants it; returns how many."""
    return emit_many(session, event_type, [payload], now=now)


def emit_many(
    session: Session, event_type: str, payloads: Iterable[Mapping[str, Any]], *, now: dt.datetime | None = None
) -> int:
    """`emit` for many events of one type (an import): one query for the endpoints, bulk inserts."""
    check_event_type(event_type)
    endpoints = _subscribed(session, event_type)
    if not endpoints:
        return 0
    now = now or utc_now()
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    rows: list[dict[str, Any]] = []
    added = 0
    for payload in payloads:
        body = json.dumps(
            {"type": event_type, "timestamp": stamp, "data": dict(payload)},
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        rows.extend(_row(endpoint_id, event_type, body, now) for endpoint_id in endpoints)
        if len(rows) >= INSERT_CHUNK:
            added += _insert(session, rows)
            rows = []
    return added + (_insert(session, rows) if rows else 0)


def _subscribed(session: Session, event_type: str) -> list[int]:
    """Active endpoints subscribed to the type (few rows: filtered here, the same on SQLite and PostgreSQL)."""
    rows = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(WebhookEndpoint.is_active.is_(True))
    ).all()
    return [endpoint_id for endpoint_id, types in rows if event_type in (types or [])]


def _row(endpoint_id: int, event_type: str, body: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "endpoint_id": endpoint_id,
        "message_id": new_message_id(),
        "event_type": event_type,
        "body": body,
        "status": WebhookStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    session.execute(insert(WebhookDelivery), rows)
    return len(rows)


# ---------------------------------------------------------------------------------------------- endpoints


def _clean(
    url: str, description: str, types: Sequence[str], known: Collection[str], *, https_only: bool
) -> tuple[str, str, list[str]]:
    url = url.strip()
    parts = urlsplit(url)
    allowed = ("https",) if https_only else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname or len(url) > 2000 or parts.username or parts.password:
        need = "https://" if https_only else "https:// (or http://)"
        raise WebhookError("url", f"Give the receiver's full address, starting with {need}, without a password in it.")
    chosen = sorted(set(types))
    if not chosen:
        raise WebhookError("event_types", "Choose at least one event to send.")
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise WebhookError("event_types", f"Unknown event type {unknown[0]!r}.")
    description = description.strip()
    if len(description) > DESCRIPTION_MAX or any(ord(char) < 32 for char in description):
        raise WebhookError("description", f"Keep the description to one line of {DESCRIPTION_MAX} characters.")
    return url, description, chosen


def _facts(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.event_types,
        "active": endpoint.is_active,
    }


def _record(
    session: Session, action: str, endpoint: WebhookEndpoint, changes: dict[str, tuple[object, object]]
) -> None:
    record(
        session,
        action,
        object_type="webhook_endpoint",
        object_id=endpoint.id,
        object_label=endpoint.url,
        changes=changes,
    )


def create_endpoint(
    session: Session,
    *,
    url: str,
    description: str,
    event_types: Sequence[str],
    known_types: Collection[str],
    by: User | None,
    https_only: bool,
) -> WebhookEndpoint:
    url, description, chosen = _clean(url, description, event_types, known_types, https_only=https_only)
    endpoint = WebhookEndpoint(
        url=url, description=description, event_types=chosen, secret=new_secret(), is_active=True, created_by=by
    )
    session.add(endpoint)
    session.flush()
    _record(session, "webhook.create", endpoint, {name: (None, value) for name, value in _facts(endpoint).items()})
    return endpoint


def update_endpoint(
    session: Session,
    endpoint: WebhookEndpoint,
    *,
    url: str,
    description: str,
    event_types: Sequence[str],
    is_active: bool,
    known_types: Collection[str],
    https_only: bool,
) -> None:
    before = _facts(endpoint)
    endpoint.url, endpoint.description, endpoint.event_types = _clean(
        url, description, event_types, known_types, https_only=https_only
    )
    endpoint.is_active = is_active
    session.flush()
    after = _facts(endpoint)
    changes = {name: (before[name], after[name]) for name in after if before[name] != after[name]}
    if changes:
        _record(session, "webhook.update", endpoint, changes)


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, from the next attempt on; the old one stops at once."""
    endpoint.secret = new_secret()
    session.flush()
    _record(session, "webhook.rotate_secret", endpoint, {})
    return endpoint.secret


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    _record(session, "webhook.delete", endpoint, {name: (value, None) for name, value in _facts(endpoint).items()})
    session.delete(endpoint)
    session.flush()


def send_again(session: Session, delivery: WebhookDelivery, *, now: dt.datetime) -> bool:
    """A dead delivery goes back in the queue with a fresh set of attempts."""
    if delivery.status is not WebhookStatus.DEAD:
        return False
    delivery.status, delivery.attempts, delivery.next_attempt_at = WebhookStatus.QUEUED, 0, now
    session.flush()
    record(
        session,
        "webhook.send_again",
        object_type="webhook_endpoint",
        object_id=delivery.endpoint_id,
        object_label=delivery.endpoint.url,
        detail=f"{delivery.event_type} {delivery.message_id}",
    )
    return True
