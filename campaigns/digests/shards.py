"""A newsletter run split into shards that any number of scheduler processes share.

The tick plans a run as DIGEST_SHARDS rows (contacts by id modulo the count); each scheduler,
on any machine, claims one shard at a time with `SELECT ... FOR UPDATE SKIP LOCKED` and a lease,
assembles it, and marks it done. A scheduler that dies mid-shard stops renewing its lease; once
the lease runs out another one claims the shard again and the outbox's unique key
(`digest:<contact>:<period>`) skips what was already queued. No new run is planned while a shard
of the last one is unfinished, so a run that takes longer than a minute is never doubled.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import String, UniqueConstraint, and_, delete, exists, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from campaigns.delivery.outbox import insert_for
from campaigns.digests.assembly import BATCH_SIZE, AssemblyReport, add_up, assemble_digests, in_forked_processes
from core.db import Base, begin_writing, enum_column, int_pk, utc_now

log = logging.getLogger("channelcast.digests")
KEEP_FINISHED = dt.timedelta(days=7)


class ShardStatus(enum.StrEnum):
    PENDING = "pending"  # planned, nobody has claimed it yet
    RUNNING = "running"  # a scheduler holds it while its lease lasts
    DONE = "done"


class DigestShard(Base):
    """One part of one newsletter run: the contacts whose id is `shard` modulo `shards`."""

    __tablename__ = "digest_shards"
    __table_args__ = (UniqueConstraint("run_at", "shard"),)

    id: Mapped[int_pk]
    run_at: Mapped[dt.datetime]  # the tick's minute: the run assembles as of this moment
    shard: Mapped[int]
    shards: Mapped[int]
    status: Mapped[ShardStatus] = mapped_column(enum_column(ShardStatus, 20), default=ShardStatus.PENDING)
    owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    summary: Mapped[str] = mapped_column(String(255), default="")


@dataclass(frozen=True)
class ClaimedShard:
    id: int
    run_at: dt.datetime
    shard: int
    shards: int


def _unfinished(now: dt.datetime) -> Any:
    """Shards someone may claim at `now`: never claimed, or held by a lease that ran out."""
    return or_(
        DigestShard.status == ShardStatus.PENDING,
        and_(DigestShard.status == ShardStatus.RUNNING, DigestShard.lease_expires_at < now),
    )


def plan_run(session: Session, now: dt.datetime, *, shards: int) -> bool:
    """Plan the run of `now`'s minute in `shards` parts, unless the last run is still unfinished.

    Two schedulers planning the same minute plan it once (the unique key). Returns whether a
    run was planned."""
    busy = select(exists().where(DigestShard.status != ShardStatus.DONE))
    if session.scalar(busy):
        return False
    run_at = now.replace(second=0, microsecond=0)
    rows = [
        {"run_at": run_at, "shard": index, "shards": shards, "status": ShardStatus.PENDING} for index in range(shards)
    ]
    session.execute(insert_for(session)(DigestShard).values(rows).on_conflict_do_nothing())
    session.execute(
        delete(DigestShard).where(DigestShard.status == ShardStatus.DONE, DigestShard.run_at < now - KEEP_FINISHED)
    )
    session.flush()
    return True


def claim_shard(session: Session, *, owner: str, now: dt.datetime, lease_seconds: int) -> ClaimedShard | None:
    """Hold the oldest claimable shard for `lease_seconds`; other schedulers skip it while locked."""
    candidate = (
        select(DigestShard.id)
        .where(_unfinished(now))
        .order_by(DigestShard.run_at, DigestShard.shard)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(DigestShard)
        .where(DigestShard.id == candidate, _unfinished(now))  # SQLite has no row locks: the condition decides
        .values(
            status=ShardStatus.RUNNING,
            owner=owner,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
            attempts=DigestShard.attempts + 1,
            started_at=now,
        )
        .returning(DigestShard.id, DigestShard.run_at, DigestShard.shard, DigestShard.shards)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).first()
    return ClaimedShard(*row) if row else None


def renew_lease(session: Session, shard_id: int, *, owner: str, now: dt.datetime, lease_seconds: int) -> bool:
    """Keep holding a shard; False when another scheduler took it over (this one was presumed dead)."""
    statement = (
        update(DigestShard)
        .where(DigestShard.id == shard_id, DigestShard.owner == owner, DigestShard.status == ShardStatus.RUNNING)
        .values(lease_expires_at=now + dt.timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def finish_shard(session: Session, shard_id: int, *, owner: str, now: dt.datetime, summary: str) -> None:
    begin_writing(session)  # the run's last reads may still be open
    statement = (
        update(DigestShard)
        .where(DigestShard.id == shard_id, DigestShard.owner == owner)
        .values(status=ShardStatus.DONE, lease_expires_at=None, finished_at=now, summary=summary[:255])
        .execution_options(synchronize_session=False)
    )
    session.execute(statement)


def work_on_shards(
    session: Session,
    app: Flask,
    *,
    owner: str,
    lease_seconds: int,
    batch_size: int = BATCH_SIZE,
    clock: Callable[[], dt.datetime] = utc_now,
) -> AssemblyReport:
    """Claim and assemble shards until none is left to claim; commits per shard and per batch."""
    total = AssemblyReport()
    while (shard := claim_shard(session, owner=owner, now=clock(), lease_seconds=lease_seconds)) is not None:
        session.commit()
        keep_holding = _lease_keeper(session, shard.id, owner=owner, lease_seconds=lease_seconds, clock=clock)
        report = assemble_digests(
            session,
            shard.run_at,
            app=app,
            batch_size=batch_size,
            shard=(shard.shard, shard.shards) if shard.shards > 1 else None,
            on_batch=keep_holding,
        )
        finish_shard(session, shard.id, owner=owner, now=clock(), summary=str(report))
        session.commit()
        log.info("newsletter shard %d/%d of %s: %s", shard.shard + 1, shard.shards, shard.run_at.isoformat(), report)
        add_up(total, report)
    return total


def _lease_keeper(
    session: Session, shard_id: int, *, owner: str, lease_seconds: int, clock: Callable[[], dt.datetime]
) -> Callable[[AssemblyReport], None]:
    """Called after each committed batch: renews the lease once a third of it has passed."""
    renewed = [clock()]

    def keep_holding(_report: AssemblyReport) -> None:
        now = clock()
        if (now - renewed[0]).total_seconds() >= lease_seconds / 3:
            renew_lease(session, shard_id, owner=owner, now=now, lease_seconds=lease_seconds)
            session.commit()
            renewed[0] = now

    return keep_holding


def work_in_processes(
    app: Flask, *, processes: int, owner: str, lease_seconds: int, batch_size: int = BATCH_SIZE
) -> AssemblyReport:
    """`processes` forked processes claiming shards side by side (DIGEST_PROCESSES on one machine)."""

    def worker(name: str) -> Callable[[Session], AssemblyReport]:
        return lambda session: work_on_shards(
            session, app, owner=name, lease_seconds=lease_seconds, batch_size=batch_size
        )

    names = [f"{owner}/{n}" for n in range(processes)]
    return in_forked_processes(app, [(f"newsletter shard worker {name}", worker(name)) for name in names])


def scheduler_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def newsletter_tick(session: Session, now: dt.datetime) -> str:
    """The scheduler's minute: plan a run (unless one is unfinished), then work on its shards."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return str(run_newsletter_shards(session, app, now))


def run_newsletter_shards(
    session: Session, app: Flask, now: dt.datetime, *, batch_size: int = BATCH_SIZE
) -> AssemblyReport:
    """What one scheduler does each minute, in this process or DIGEST_PROCESSES forked ones."""
    settings = app.config["CHANNELCAST"]
    plan_run(session, now, shards=settings.digest_shards)
    session.commit()
    owner, lease = scheduler_name(), settings.digest_shard_lease_seconds
    if settings.digest_processes > 1:
        return work_in_processes(
            app, processes=settings.digest_processes, owner=owner, lease_seconds=lease, batch_size=batch_size
        )
    return work_on_shards(session, app, owner=owner, lease_seconds=lease, batch_size=batch_size)
