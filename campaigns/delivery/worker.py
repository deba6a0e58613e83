"""A delivery worker: claim a batch, skip suppressed addresses, hand over and send unit by unit, record.

Each step commits on its own, so whatever happens to the process, the outbox says what is known:
a row still `leased` never left (it is queued again when the lease runs out), a row `sending`
may have left (it becomes uncertain), everything else is settled. The clock, sleep and random
source are injected so tests can run retries and Retry-After waits without waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import secrets
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr

from sqlalchemy.orm import Session

from campaigns.delivery import outbox
from campaigns.delivery.outbox import ClaimedDelivery
from core.auth.links import LinkSigner
from core.config import Settings
from core.db import utc_now
from core.mail.tracking import OFF, MessageTracking
from core.mail.transports import (
    MessageBody,
    Outcome,
    OutgoingMessage,
    SendResult,
    SendUnit,
    Transport,
    transport_from_settings,
)

log = logging.getLogger("channelcast.delivery")
BODY_CACHE_SIZE = 64
DRAIN_POLL_SECONDS = 0.2
MIN_IDLE_SECONDS = 0.05  # rows due but locked by another worker: look again soon, without spinning
# Only newsletters carry our pixel and tracked links: staff tests, sign-in links and account mail never do.
TRACKED_CATEGORIES = frozenset({"digest"})


@dataclass(frozen=True)
class WorkerOptions:
    batch_size: int = 1000
    max_attempts: int = 8
    lease_seconds: int = 300
    backoff_seconds: float = 30
    backoff_max_seconds: float = 3600
    poll_seconds: float = 5
    sender_domain: str = "localhost"
    tracking: MessageTracking | None = None  # TRACKING: the pixel and click-through links, filled per message

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerOptions:
        domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
        return cls(
            batch_size=settings.delivery_batch_size,
            max_attempts=settings.delivery_max_attempts,
            lease_seconds=settings.delivery_lease_seconds,
            backoff_seconds=settings.delivery_backoff_seconds,
            backoff_max_seconds=settings.delivery_backoff_max_seconds,
            poll_seconds=settings.delivery_poll_seconds,
            sender_domain=domain,
            tracking=tracking_from_settings(settings),
        )


def tracking_from_settings(settings: Settings) -> MessageTracking | None:
    if settings.tracking == OFF:
        return None
    return MessageTracking(
        settings.tracking,
        settings.public_base_url,
        LinkSigner(settings.secret_key),
        link_days=settings.tracking_link_days,
    )


@dataclass
class WorkerStats:
    batches: int = 0
    units: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, number: int = 1) -> None:
        self.outcomes[what] = self.outcomes.get(what, 0) + number

    def summary(self) -> str:
        parts = [
            f"{self.outcomes.get(k, 0)} {k}" for k in ("sent", "retry", "failed", "dead", "uncertain", "suppressed")
        ]
        return f"{', '.join(parts)}; {self.units} sends in {self.batches} batches"


def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def backoff_delay(attempt: int, retry_after: float | None, options: WorkerOptions, rng: random.Random) -> float:
    """Exponential backoff with jitter (half to full step), never sooner than the provider's Retry-After."""
    step = min(options.backoff_max_seconds, options.backoff_seconds * 2 ** max(0, attempt - 1))
    delay = rng.uniform(step / 2, step)
    if retry_after is not None:
        delay = max(delay, retry_after * rng.uniform(1.0, 1.1))
    return delay


def message_id(row: ClaimedDelivery, domain: str) -> str:
    """The same Message-ID on every attempt, so a receiver can spot a duplicate."""
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:12]
    return f"<{row.id}.{digest}@{domain}>"


class Worker:
    def __init__(
        self,
        session: Session,
        transport: Transport,
        options: WorkerOptions,
        *,
        owner: str | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.transport = transport
        self.options = options
        self.owner = owner or worker_name()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not secrets)
        self.stats = WorkerStats()
        self.paused_until: dt.datetime | None = None
        self._renewed_at: dt.datetime | None = None
        self.stopping = False
        self._bodies: OrderedDict[int, MessageBody] = OrderedDict()
        self._links: dict[int, list[str]] = {}
        self._tracked: dict[int, MessageBody] = {}

    # ------------------------------------------------------------------------------------------ loop

    def run(self, *, drain: bool = False) -> WorkerStats:
        """Send until stopped; with `drain`, until nothing is queued or in flight any more."""
        while not self.stopping:
            if self.run_once():
                continue
            if drain and not self._commit_after(outbox.has_pending(self.session)):
                break
            self.sleep(self._idle_seconds(drain=drain))
        return self.stats

    def run_once(self, *, only_ids: Sequence[int] | None = None) -> int:
        """One batch: returns how many messages were claimed (0 when nothing was due).

        With `only_ids`, just those messages (if still queued), e.g. a sign-in link sent at once."""
        now = self.clock()
        if self.paused_until and now < self.paused_until:
            return 0
        outbox.commit_without_waiting_for_disk(self.session)
        if only_ids is None:
            self._recover(now)
        claimed = outbox.claim_batch(
            self.session,
            owner=self.owner,
            now=now,
            limit=self.options.batch_size,
            lease_seconds=self.options.lease_seconds,
            only_ids=only_ids,
        )
        sendable = outbox.skip_suppressed(self.session, claimed, owner=self.owner, now=now)
        self.session.commit()
        if not claimed:
            return 0
        self.stats.batches += 1
        self._renewed_at = now
        self.stats.count("suppressed", len(claimed) - len(sendable))
        if sendable:
            self._send(sendable)
        return len(claimed)

    def _commit_after(self, value: bool) -> bool:
        self.session.commit()
        return value

    def _idle_seconds(self, *, drain: bool) -> float:
        now = self.clock()
        wake = outbox.next_wake(self.session)
        self.session.commit()
        # Draining while other workers still hold rows: look again soon, they may be done any moment.
        candidates = [min(self.options.poll_seconds, DRAIN_POLL_SECONDS) if drain else self.options.poll_seconds]
        if wake is not None:
            candidates.append((wake - now).total_seconds() + 0.01)
        if self.paused_until is not None and self.paused_until > now:
            candidates.append((self.paused_until - now).total_seconds())
        return max(MIN_IDLE_SECONDS, min(candidates))

    def _recover(self, now: dt.datetime) -> None:
        recovered = outbox.recover_expired_leases(
            self.session,
            now=now,
            max_attempts=self.options.max_attempts,
            resend_is_safe=self.transport.resend_is_safe,
        )
        if recovered.requeued or recovered.uncertain or recovered.dead:
            log.warning(
                "expired leases: %d queued again, %d uncertain, %d dead",
                recovered.requeued,
                recovered.uncertain,
                recovered.dead,
            )

    # ------------------------------------------------------------------------------------------ one batch

    def _send(self, claimed: list[ClaimedDelivery]) -> None:
        by_id = {row.id: row for row in claimed}
        messages = self._messages(claimed)
        units = self.transport.units(messages)
        try:
            with self.transport.connect() as send_unit:
                for index, unit in enumerate(units):
                    if self._paused():
                        self._give_back([m.ref for rest in units[index:] for m in rest])
                        return
                    self._send_unit(send_unit, unit, by_id)
                    units[index] = []
        except OSError as error:  # could not reach the service at all: nothing left
            log.warning("%s unreachable: %s", self.transport.name, error)
            waiting = [message for unit in units for message in unit]
            results = [
                SendResult(m.ref, Outcome.RETRY, error=f"{self.transport.name} unreachable: {error}") for m in waiting
            ]
            self._record(results, by_id)

    def _send_unit(self, send_unit: SendUnit, unit: list[OutgoingMessage], by_id: dict[int, ClaimedDelivery]) -> None:
        held = outbox.hand_over(
            self.session,
            [m.ref for m in unit],
            owner=self.owner,
            now=self.clock(),
            lease_seconds=self.options.lease_seconds,
            mark_sending=not self.transport.resend_is_safe,
        )
        self._renew_leases()
        self.session.commit()
        unit = [message for message in unit if message.ref in held]
        if not unit:
            return
        self.stats.units += 1
        try:
            results = send_unit(unit)
        except Exception as error:  # a bug, not a provider answer: fail loudly, keep the worker going
            log.exception("sending %d messages through %s failed", len(unit), self.transport.name)
            results = [SendResult(m.ref, Outcome.FAILED, error=f"internal error: {error!r}") for m in unit]
        self._record(results, by_id)

    def _renew_leases(self) -> None:
        """Past half the lease, hold the rest of the batch a full lease longer (slow SMTP servers)."""
        now = self.clock()
        if self._renewed_at and (now - self._renewed_at).total_seconds() < self.options.lease_seconds / 2:
            return
        outbox.renew_leases(self.session, owner=self.owner, now=now, lease_seconds=self.options.lease_seconds)
        self._renewed_at = now

    def _paused(self) -> bool:
        return self.paused_until is not None and self.clock() < self.paused_until

    def _give_back(self, refs: list[int]) -> None:
        assert self.paused_until is not None
        outbox.release(self.session, refs, owner=self.owner, now=self.clock(), at=self.paused_until)
        self.session.commit()

    def _record(self, results: list[SendResult], by_id: dict[int, ClaimedDelivery]) -> None:
        now = self.clock()
        outbox.commit_without_waiting_for_disk(self.session)
        groups: dict[tuple[Outcome, str, str, float | None, int], list[int]] = {}
        for result in results:
            attempts = by_id[result.ref].attempts if result.outcome is Outcome.RETRY else 0
            key = (result.outcome, result.provider_message_id, result.error, result.retry_after, attempts)
            groups.setdefault(key, []).append(result.ref)
        for (outcome, provider_id, error, retry_after, attempts), ids in groups.items():
            self._record_group(outcome, ids, provider_id, error, retry_after, attempts, now)
        self.session.commit()

    def _record_group(
        self,
        outcome: Outcome,
        ids: list[int],
        provider_id: str,
        error: str,
        retry_after: float | None,
        attempts: int,
        now: dt.datetime,
    ) -> None:
        owner = self.owner
        if outcome is Outcome.SENT:
            outbox.record_sent(self.session, ids, provider_id, owner=owner, now=now)
        elif outcome is Outcome.FAILED:
            outbox.record_failed(self.session, ids, error, owner=owner, now=now)
        elif outcome is Outcome.UNCERTAIN:
            outbox.record_uncertain(self.session, ids, error, owner=owner, now=now)
        else:
            at = self._retry_at(attempts, retry_after, now)
            outbox.record_retry(self.session, ids, error, owner=owner, now=now, at=at)
            self.stats.count("dead" if at is None else "retry", len(ids))
            if error:
                log.info("%d messages to retry (%s)", len(ids), error)
            return
        self.stats.count(outcome.value, len(ids))
        if error:
            log.info("%d messages %s: %s", len(ids), outcome.value, error)

    def _retry_at(self, attempts: int, retry_after: float | None, now: dt.datetime) -> dt.datetime | None:
        if retry_after is not None:
            # The provider asked everyone to wait: this worker pauses too, not just these rows.
            pause = now + dt.timedelta(seconds=retry_after)
            self.paused_until = max(self.paused_until or pause, pause)
        if attempts >= self.options.max_attempts:
            return None
        return now + dt.timedelta(seconds=backoff_delay(attempts, retry_after, self.options, self.rng))

    # ------------------------------------------------------------------------------------------ messages

    def _messages(self, claimed: list[ClaimedDelivery]) -> list[OutgoingMessage]:
        self._load_bodies({row.body_id for row in claimed})
        issued_at = int(self.clock().timestamp())
        return [
            OutgoingMessage(
                ref=row.id,
                to_email=row.recipient_email,
                to_name=row.recipient_name,
                body=body,
                values=values,
                message_id=message_id(row, self.options.sender_domain),
                list_unsubscribe_url=row.fields["unsubscribe_url"],
                category=row.category,
            )
            for row in claimed
            for body, values in [self._filled_for(row, issued_at)]
        ]

    def _filled_for(self, row: ClaimedDelivery, issued_at: int) -> tuple[MessageBody, Mapping[str, str]]:
        """The body and values of one message: with our pixel and tracked links when it is a newsletter."""
        tracking = self.options.tracking
        if tracking is None or row.category not in TRACKED_CATEGORIES:
            return self._bodies[row.body_id], row.fields
        links = self._links[row.body_id]
        body = self._tracked.get(row.body_id)
        if body is None:
            body = self._tracked[row.body_id] = tracking.body(self._bodies[row.body_id], links)
        return body, {**row.fields, **tracking.values(row.id, row.body_id, links, issued_at=issued_at)}

    def _load_bodies(self, ids: set[int]) -> None:
        missing = ids - self._bodies.keys()
        for body_id, body in outbox.bodies_by_id(self.session, missing).items():
            self._bodies[body_id] = MessageBody(body.content_hash, body.subject, body.html, body.text)
        if missing and self.options.tracking is not None:
            self._links.update(outbox.body_links(self.session, missing))
        for body_id in ids:
            self._bodies.move_to_end(body_id)
        while len(self._bodies) > max(BODY_CACHE_SIZE, len(ids)):
            gone, _body = self._bodies.popitem(last=False)
            self._links.pop(gone, None)
            self._tracked.pop(gone, None)


def send_one_now(session: Session, settings: Settings, delivery_id: int) -> None:
    """Hand one queued message to the transport now (after the caller committed it).

    For mail someone is waiting for (a sign-in link, a test): if the send fails, the message stays
    in the outbox and the tick or a worker retries it as usual.
    """
    try:
        worker = Worker(session, transport_from_settings(settings), WorkerOptions.from_settings(settings))
        worker.run_once(only_ids=[delivery_id])
    except Exception:
        session.rollback()
        log.exception("could not send message %s at once; the outbox will retry it", delivery_id)
