"""Sending webhooks: claim due deliveries, POST each signed, record the attempt, back off or give up.

The same shape as the mail outbox's workers, on its own table: rows are claimed with
`SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL) and held with a lease, so any number of workers
share the queue and a dead worker's rows come back when the lease runs out. No transaction stays
open during an HTTP call. A receiver that answers anything but 2xx (or cannot be reached, or
redirects: redirects are not followed) is tried again after 30 s, 1 min, 2 min, ... up to an hour
between tries, with jitter; after WEBHOOK_MAX_ATTEMPTS the delivery is dead and shown in the admin.

It runs in a thread of `flask --app wsgi worker` beside the mail loop (a slow receiver never holds up
email), and in the scheduler's minute tick with the `file` transport (no worker needed for `make run`).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import Database, utc_now
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookStatus
from core.webhooks.signing import signed_headers

log = logging.getLogger("channelcast.webhooks")
BATCH = 50
LEASE_SECONDS = 300
BACKOFF_FIRST = 30.0
BACKOFF_MAX = 3600.0
ERROR_LIMIT = 500


@dataclass(frozen=True)
class SendOptions:
    max_attempts: int = 10
    timeout_seconds: float = 10
    batch: int = BATCH


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx is an answer like any other: not followed, counted as a failure


_OPENER = urllib.request.build_opener(_NoRedirects())


def post(url: str, body: str, headers: dict[str, str], timeout: float) -> AttemptResult:
    """POST one signed body; never raises for what the receiver or the network does."""
    started = time.perf_counter()
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 (http/https checked on save)
    status, error = None, ""
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(65536)
    except urllib.error.HTTPError as answer:
        status, error = answer.code, f"answered {answer.code} {answer.reason}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        reason = getattr(failure, "reason", failure)
        error = f"could not deliver: {reason}"
    duration = int((time.perf_counter() - started) * 1000)
    return AttemptResult(status, error[:ERROR_LIMIT], duration)


def backoff(attempts: int, rng: random.Random) -> dt.timedelta:
    step = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=rng.uniform(step / 2, step))


def claim(session: Session, *, owner: str, now: dt.datetime, limit: int) -> list[int]:
    """Lease up to `limit` due deliveries of active endpoints (and take back expired leases first)."""
    expired = select(WebhookDelivery.id).where(
        WebhookDelivery.status == WebhookStatus.LEASED, WebhookDelivery.lease_expires_at < now
    )
    # Read first, write only when there is something to take back: an idle loop takes no write lock (SQLite).
    if session.scalars(expired.limit(1)).first() is not None:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(expired.scalar_subquery()))
            .values(status=WebhookStatus.QUEUED, lease_owner=None, lease_expires_at=None)
        )
    statement = (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == WebhookStatus.QUEUED,
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.is_active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=WebhookDelivery, skip_locked=True)
    ids = list(session.scalars(statement))
    if ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(
                status=WebhookStatus.LEASED,
                lease_owner=owner,
                lease_expires_at=now + dt.timedelta(seconds=LEASE_SECONDS),
            )
        )
    session.commit()
    return ids


def _record(
    session: Session,
    delivery: WebhookDelivery,
    result: AttemptResult,
    now: dt.datetime,
    options: SendOptions,
    rng: random.Random,
) -> str:
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = result.status_code, result.error
    delivery.lease_owner = delivery.lease_expires_at = None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    )
    if result.ok:
        delivery.status, delivery.sent_at = WebhookStatus.SENT, now
        return "sent"
    if delivery.attempts >= options.max_attempts:
        delivery.status = WebhookStatus.DEAD
        log.warning(
            "webhook %s to endpoint %s is dead after %d attempts: %s",
            delivery.message_id,
            delivery.endpoint_id,
            delivery.attempts,
            result.error,
        )
        return "dead"
    delivery.status, delivery.next_attempt_at = WebhookStatus.QUEUED, now + backoff(delivery.attempts, rng)
    return "retry"


@dataclass
class SendStats:
    sent: int = 0
    retry: int = 0
    dead: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self) -> str:
        return f"{self.sent} sent, {self.retry} to retry, {self.dead} dead"


def deliver_due(
    session: Session,
    options: SendOptions,
    *,
    owner: str,
    clock: Callable[[], dt.datetime] = utc_now,
    rng: random.Random | None = None,
    sender: Callable[[str, str, dict[str, str], float], AttemptResult] = post,
) -> SendStats:
    """One batch: claim, send each (outside any transaction), record each. Returns what happened."""
    rng = rng or random.Random()  # noqa: S311 (jitter, not secrets)
    stats = SendStats()
    for delivery_id in claim(session, owner=owner, now=clock(), limit=options.batch):
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.lease_owner != owner:
            continue
        url, secret, message_id, body = (
            delivery.endpoint.url,
            delivery.endpoint.secret,
            delivery.message_id,
            delivery.body,
        )
        session.commit()  # no transaction open while the receiver takes its time
        sent_at = clock()
        result = sender(
            url, body, signed_headers(secret, message_id, int(sent_at.timestamp()), body), options.timeout_seconds
        )
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:  # the endpoint was deleted meanwhile
            continue
        stats.count(_record(session, delivery, result, clock(), options, rng))
        session.commit()
    return stats


class SenderThread(threading.Thread):
    """The webhook loop inside a mail worker process: its own session, its own pace, stops with the worker."""

    def __init__(self, database: Database, options: SendOptions, owner: str, *, idle_seconds: float = 2.0) -> None:
        super().__init__(name="webhooks", daemon=True)
        self.database, self.options, self.owner, self.idle_seconds = database, options, owner, idle_seconds
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            session = self.database.new_session()
            try:
                stats = deliver_due(session, self.options, owner=self.owner)
            except Exception:  # a database hiccup must not end the loop (nor the mail worker)
                session.rollback()
                log.exception("webhook batch failed; trying again shortly")
                stats = SendStats()
            finally:
                session.close()
            if not (stats.sent or stats.retry or stats.dead):
                self.stopping.wait(self.idle_seconds)

    def stop(self) -> None:
        self.stopping.set()
