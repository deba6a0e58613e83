"""A delivery worker: claim a batch, skip suppressed addresses, hand over, send, record.

Each step commits on its own, so whatever happens to the process, the outbox says what is known:
a row still `leased` never left (it is queued again when the lease runs out), a row `sending`
may have left (it becomes uncertain), everything else is settled. The clock, sleep and random
source are injected so tests can run retries and Retry-After waits without waiting.

Two ways to send a batch. A transport whose requests are independent (SendGrid's HTTP API), with
`send_concurrency` above 1: the claim hands the whole batch over in the same transaction, every
unit goes out at once from a bounded pool of threads (providers take 100 to 300 ms a request),
and all outcomes are written in one statement: a few round trips per batch. Otherwise (SMTP, files,
or a concurrency of 1), unit by unit: hand over one unit, send it, record it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import secrets
import socket
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parseaddr

from sqlalchemy.orm import Session

from campaigns.delivery import outbox
from campaigns.delivery.models import DeliveryStatus
from campaigns.delivery.outbox import ClaimedDelivery, Settlement
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
from core.mail.transports.base import all_with

log = logging.getLogger("channelcast.delivery")
BODY_CACHE_SIZE = 64
DRAIN_POLL_SECONDS = 0.2
MIN_IDLE_SECONDS = 0.05  # rows due but locked by another worker: look again soon, without spinning
# Only newsletters carry our pixel and tracked links: staff tests, sign-in links and account mail never do.
TRACKED_CATEGORIES = frozenset({"digest"})
IN_FLIGHT_BATCHES = 2  # sending in parallel: one batch waits for the provider while the next is claimed


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
    send_concurrency: int = 16

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
            send_concurrency=settings.delivery_send_concurrency,
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


@dataclass(frozen=True)
class _InFlight:
    """A claimed batch whose units are on the pool."""

    by_id: dict[int, ClaimedDelivery]
    units: list[list[OutgoingMessage]]
    futures: list[Future[list[SendResult] | None]]


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
        self._recovered_at: dt.datetime | None = None
        self._last_claim_full = False
        self._claimed_count = 0
        self._pool: ThreadPoolExecutor | None = None
        self._hold_back = threading.Event()
        self.stopping = False
        self._bodies: OrderedDict[int, MessageBody] = OrderedDict()
        self._links: dict[int, list[str]] = {}
        self._tracked: dict[int, MessageBody] = {}

    # ------------------------------------------------------------------------------------------ loop

    def run(self, *, drain: bool = False) -> WorkerStats:
        """Send until stopped; with `drain`, until nothing is queued or in flight any more."""
        if self.sends_in_parallel:
            with self._sending_pool():
                return self._run_overlapped(drain=drain)
        while not self.stopping:
            if self.run_once():
                continue
            if drain and not self._commit_after(outbox.has_pending(self.session)):
                break
            self.sleep(self._idle_seconds(drain=drain))
        return self.stats

    def _run_overlapped(self, *, drain: bool) -> WorkerStats:
        """Two batches at a time: one is claimed or recorded while the other waits for the provider."""
        in_flight: deque[_InFlight] = deque()
        while True:
            if not self.stopping and len(in_flight) < IN_FLIGHT_BATCHES:
                claimed, started = self._claim_and_start(None)
                if started:
                    in_flight.append(started)
                if claimed:
                    continue
            if in_flight:
                self._finish(in_flight.popleft())
                continue
            if self.stopping or (drain and not self._commit_after(outbox.has_pending(self.session))):
                return self.stats
            self.sleep(self._idle_seconds(drain=drain))

    def run_once(self, *, only_ids: Sequence[int] | None = None) -> int:
        """One batch, sent and recorded: returns how many messages were claimed (0 when nothing was due).

        With `only_ids`, just those messages (if still queued), e.g. a sign-in link sent at once."""
        if self.sends_in_parallel:
            with self._sending_pool():
                claimed, started = self._claim_and_start(only_ids)
                if started:
                    self._finish(started)
            return claimed
        sendable = self._claim(only_ids)
        if sendable:
            self._send(sendable)
        return self._claimed_count

    def _claim(self, only_ids: Sequence[int] | None) -> list[ClaimedDelivery]:
        """Claim a batch and set aside suppressed addresses; what is left to send.

        Sending in parallel, the claim hands the whole batch over at once (it is about to go
        out together): no round trip per unit, and the commit stays durable."""
        self._claimed_count = 0
        now = self.clock()
        if self.paused_until and now < self.paused_until:
            return []
        if only_ids is None and self._recovery_due(now):
            self._recover(now)
        parallel = self.sends_in_parallel
        claimed = outbox.claim_batch(
            self.session,
            owner=self.owner,
            now=now,
            limit=self.options.batch_size,
            lease_seconds=self.options.lease_seconds,
            only_ids=only_ids,
            handing_over=parallel and not self.transport.resend_is_safe,
        )
        self._last_claim_full = len(claimed) >= self.options.batch_size
        sendable = outbox.skip_suppressed(self.session, claimed, owner=self.owner, now=now)
        if not parallel:
            outbox.commit_without_waiting_for_disk(self.session)
        self.session.commit()
        self._claimed_count = len(claimed)
        if claimed:
            self.stats.batches += 1
            self._renewed_at = now
            self.stats.count("suppressed", len(claimed) - len(sendable))
        return sendable

    @property
    def sends_in_parallel(self) -> bool:
        return self.transport.sends_in_parallel and self.options.send_concurrency > 1

    def _recovery_due(self, now: dt.datetime) -> bool:
        """Look for dead workers' rows when the queue runs short, and every poll interval while it is long."""
        since = (now - self._recovered_at).total_seconds() if self._recovered_at else None
        if since is not None and since < self.options.poll_seconds and self._last_claim_full:
            return False
        self._recovered_at = now
        return True

    def _hand_over(self, ids: list[int], now: dt.datetime) -> set[int]:
        return outbox.hand_over(
            self.session,
            ids,
            owner=self.owner,
            now=now,
            lease_seconds=self.options.lease_seconds,
            mark_sending=not self.transport.resend_is_safe,
        )

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
        held = self._hand_over([m.ref for m in unit], self.clock())
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

    @contextmanager
    def _sending_pool(self) -> Iterator[None]:
        """Threads for the provider's requests (they touch no database), for as long as the worker sends."""
        if self._pool is not None:
            yield
            return
        with ThreadPoolExecutor(self.options.send_concurrency, f"{self.owner}:send") as pool:
            self._pool = pool
            try:
                yield
            finally:
                self._pool = None

    def _claim_and_start(self, only_ids: Sequence[int] | None) -> tuple[int, _InFlight | None]:
        """Claim a batch and put all its units on the pool; (messages claimed, the batch in flight)."""
        sendable = self._claim(only_ids)
        if not sendable:
            return self._claimed_count, None
        assert self._pool is not None
        self._hold_back.clear()  # not paused (the claim checked): units may go out
        units = self.transport.units(self._messages(sendable))
        futures = [self._pool.submit(self._send_one_unit, unit, self._hold_back) for unit in units]
        return self._claimed_count, _InFlight({row.id: row for row in sendable}, units, futures)

    def _finish(self, batch: _InFlight) -> None:
        """Wait for a batch's requests, then record every outcome in one update.

        Once the provider asks to wait (429 with Retry-After), units not yet started stay untried
        and are given back for after the pause."""
        pending = set(batch.futures)
        while pending:  # a slow provider and many units: keep holding what is still in flight
            pending = wait(pending, timeout=self.options.lease_seconds / 3)[1]
            if pending:
                self._renew_leases()
                self.session.commit()
        answers = [future.result() for future in batch.futures]
        self.stats.units += sum(1 for answer in answers if answer is not None)
        results = [result for answer in answers if answer is not None for result in answer]
        now = self.clock()
        retry_times: dict[tuple[int, float | None], dt.datetime | None] = {}
        outcomes = [self._settlement(r, batch.by_id[r.ref].attempts, now, retry_times) for r in results]
        untried = [m.ref for unit, answer in zip(batch.units, answers, strict=True) if answer is None for m in unit]
        if untried:
            at = self.paused_until or now
            outcomes += [Settlement(ref, DeliveryStatus.QUEUED, next_attempt_at=at, untried=True) for ref in untried]
        outbox.commit_without_waiting_for_disk(self.session)
        outbox.settle_batch(self.session, outcomes, owner=self.owner, now=now)
        self.session.commit()
        for (outcome, error), count in Counter((r.outcome, r.error) for r in results if r.error).items():
            log.info("%d messages %s: %s", count, outcome.value, error)

    def _send_one_unit(self, unit: list[OutgoingMessage], hold_back: threading.Event) -> list[SendResult] | None:
        """One unit from a pool thread (None: held back, never tried). Touches no database."""
        if hold_back.is_set():
            return None
        try:
            with self.transport.connect() as send_unit:
                results = send_unit(unit)
        except OSError as error:
            log.warning("%s unreachable: %s", self.transport.name, error)
            results = all_with(unit, Outcome.RETRY, f"{self.transport.name} unreachable: {error}")
        except Exception as error:  # a bug, not a provider answer: fail loudly, keep the worker going
            log.exception("sending %d messages through %s failed", len(unit), self.transport.name)
            results = all_with(unit, Outcome.FAILED, f"internal error: {error!r}")
        if any(result.retry_after is not None for result in results):
            hold_back.set()
        return results

    def _settlement(
        self,
        result: SendResult,
        attempts: int,
        now: dt.datetime,
        retry_times: dict[tuple[int, float | None], dt.datetime | None],
    ) -> Settlement:
        """The row's new state for one send result (and the worker's count and pause).

        Messages retried together share one retry time, so they go out together again."""
        if result.outcome is Outcome.RETRY:
            key = (attempts, result.retry_after)
            if key not in retry_times:
                retry_times[key] = self._retry_at(attempts, result.retry_after, now)
            at = retry_times[key]
            self.stats.count("dead" if at is None else "retry")
            if at is None:
                return Settlement(result.ref, DeliveryStatus.DEAD, last_error=result.error)
            return Settlement(result.ref, DeliveryStatus.QUEUED, last_error=result.error, next_attempt_at=at)
        self.stats.count(result.outcome.value)
        if result.outcome is Outcome.SENT:
            provider_id = result.provider_message_id[:255] or None
            return Settlement(result.ref, DeliveryStatus.SENT, provider_message_id=provider_id)
        status = DeliveryStatus.FAILED if result.outcome is Outcome.FAILED else DeliveryStatus.UNCERTAIN
        return Settlement(result.ref, status, last_error=result.error)

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
