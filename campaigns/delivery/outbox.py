"""The outbox's services: store bodies, enqueue messages, and the claim / hand-over / record cycle.

Plain functions that flush; the caller (assembly, a worker, a request) owns the transaction.
Every state change of a claimed row is conditional on the worker still holding its lease, so a
worker that was presumed dead and comes back can never overwrite what another worker did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Integer, String, Table, case, cast, column, func, literal, select, text, update, values
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.elements import ColumnElement

from campaigns.delivery.models import (
    PENDING_SQL,
    RETRYABLE_BY_ADMIN,
    BodyLink,
    Delivery,
    DeliveryStatus,
    Event,
    EventKind,
    RenderedBody,
)
from core.audit import record
from core.db import utc_now
from core.mail.addresses import normalise_email
from core.mail.placeholders import FillTemplate
from core.mail.tracking import trackable_links
from subscribers.suppression import suppressed_among

REQUIRED_FIELDS = frozenset({"unsubscribe_url", "preferences_url"})
INSERT_CHUNK = 1000
ERROR_LIMIT = 1000


class OutboxError(ValueError):
    """A programming error in what was handed to the outbox (it must fail loudly, never send)."""


@dataclass(frozen=True)
class NewDelivery:
    """A message to enqueue; `fields` fills the body's placeholders for this recipient."""

    idempotency_key: str
    body: RenderedBody
    recipient_email: str
    fields: Mapping[str, str]
    recipient_name: str = ""
    contact_id: int | None = None
    category: str = ""
    not_before: dt.datetime | None = None


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    idempotency_key: str
    body_id: int
    recipient_email: str
    recipient_name: str
    fields: dict[str, str]
    category: str
    attempts: int


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT on SQLite and PostgreSQL alike."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# ---------------------------------------------------------------------------------------------- enqueue


def content_hash(subject: str, html: str, text: str) -> str:
    return hashlib.sha256("\x00".join((subject, html, text)).encode()).hexdigest()


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def require_postal_address(html: str, text: str, postal_address: str) -> None:
    """CAN-SPAM: every message shows the sender's postal address, in both parts."""
    address = _squeeze(postal_address)

    def shows(content: str, *, is_html: bool) -> bool:
        if address in content or (is_html and html_lib.escape(address, quote=False) in content):
            return True  # the common case, without rewriting a long body
        return address in _squeeze(html_lib.unescape(content) if is_html else content)

    missing = [
        part
        for part, content, is_html in (("HTML", html, True), ("text", text, False))
        if not shows(content, is_html=is_html)
    ]
    if missing:
        raise OutboxError(f"the {' and '.join(missing)} part lacks the postal address {postal_address!r}")


def store_body(
    session: Session,
    subject: str,
    html: str,
    text: str,
    *,
    postal_address: str | None = None,
    link_items: Mapping[str, int] | None = None,
) -> RenderedBody:
    """The stored body with this content, created once (concurrent callers get the same row).

    A new body's written-out links are numbered and recorded with it (`BodyLink`: what a tracked
    click leads to); `link_items` names the content item each URL belongs to, where one does.
    """
    return store_bodies(session, [(subject, html, text, link_items or {})], postal_address=postal_address)[0]


def _link_rows(body_id: int, html: str, link_items: Mapping[str, int]) -> list[dict[str, Any]]:
    return [
        {"body_id": body_id, "position": position, "url": url, "content_item_id": link_items.get(url)}
        for position, url in enumerate(trackable_links(html), start=1)
    ]


def body_links(session: Session, body_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each body's recorded links in order (a body stored before links were recorded has none)."""
    found: dict[int, list[str]] = {body_id: [] for body_id in body_ids}
    if found:
        rows = session.execute(
            select(BodyLink.body_id, BodyLink.url)
            .where(BodyLink.body_id.in_(list(found)))
            .order_by(BodyLink.body_id, BodyLink.position)
        )
        for body_id, url in rows:
            found[body_id].append(url)
    return found


def store_bodies(
    session: Session, contents: Sequence[tuple[str, str, str, Mapping[str, int]]], *, postal_address: str | None = None
) -> list[RenderedBody]:
    """`store_body` for many (subject, html, text, link_items) at once, in the same order.

    The new ones go in with one cached INSERT ... ON CONFLICT DO NOTHING RETURNING for them all
    (SQLAlchemy sends it as multi-row statements: a newsletter batch brings a few dozen editions,
    and a statement each, compiled each time, was a third of the batch's writes), their links in
    one more; any stored before come back from one SELECT. Callers that may race pass contents in
    one global order (by hash)."""
    if postal_address is None:
        postal_address = current_app.config["CHANNELCAST"].postal_address
    now, rows, keys = utc_now(), {}, []
    links_of: dict[str, Mapping[str, int]] = {}
    for subject, html, text_part, link_items in contents:
        require_postal_address(html, text_part, postal_address)
        if not subject.strip() or "\n" in subject:
            raise OutboxError(f"a subject is one non-empty line, got {subject!r}")
        key = content_hash(subject, html, text_part)
        keys.append(key)
        links_of[key] = link_items
        rows[key] = {"content_hash": key, "subject": subject, "html": html, "text": text_part, "created_at": now}
    if not rows:
        return []
    inserted = session.execute(_INSERT_BODIES[session.get_bind().dialect.name], list(rows.values()))
    ids: dict[str, int] = {key: body_id for body_id, key in inserted}
    link_rows = [
        link for key, body_id in ids.items() for link in _link_rows(body_id, str(rows[key]["html"]), links_of[key])
    ]
    if link_rows:  # the new bodies' links, in one statement
        session.execute(_INSERT_LINKS, link_rows)
    bodies: dict[str, RenderedBody] = {}
    for key, body_id in ids.items():
        body = RenderedBody(id=body_id, **rows[key])
        make_transient_to_detached(body)  # a stored row: adding it to a session must not insert it
        bodies[key] = body
    missing = [key for key in rows if key not in bodies]
    if missing:
        for body in session.scalars(select(RenderedBody).where(RenderedBody.content_hash.in_(missing))):
            bodies[body.content_hash] = body
    return [bodies[key] for key in keys]


# Built once: executed with a list of rows, SQLAlchemy compiles them once per process and batches
# the rows into multi-row statements ("insertmanyvalues"), RETURNING included.
_BODIES: Table = RenderedBody.__table__  # type: ignore[assignment]
_INSERT_BODIES = {
    name: dialect_insert(_BODIES).on_conflict_do_nothing().returning(_BODIES.c.id, _BODIES.c.content_hash)
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_INSERT_LINKS = BodyLink.__table__.insert()  # type: ignore[attr-defined]


# Placeholders per stored body (bodies never change once stored); bounded, as a run reuses few.
_FIELDS_BY_HASH: dict[str, frozenset[str]] = {}
_FIELDS_CACHE_SIZE = 20_000


def _needed_fields(body: RenderedBody) -> frozenset[str]:
    needed = _FIELDS_BY_HASH.get(body.content_hash)
    if needed is None:
        names = {name for part in (body.subject, body.html, body.text) for name in FillTemplate.parse(part).field_names}
        needed = frozenset(names) | REQUIRED_FIELDS
        if len(_FIELDS_BY_HASH) >= _FIELDS_CACHE_SIZE:
            _FIELDS_BY_HASH.clear()
        _FIELDS_BY_HASH[body.content_hash] = needed
    return needed


def _row(message: NewDelivery, now: dt.datetime, needed: frozenset[str]) -> dict[str, Any]:
    missing = needed - message.fields.keys()
    if missing:
        raise OutboxError(f"{message.idempotency_key}: no value for {', '.join(sorted(missing))}")
    if not all(isinstance(value, str) for value in message.fields.values()):
        raise OutboxError(f"{message.idempotency_key}: field values must be strings")
    return {
        "idempotency_key": message.idempotency_key,
        "body_id": message.body.id,
        "recipient_email": normalise_email(message.recipient_email),
        "recipient_name": message.recipient_name,
        "contact_id": message.contact_id,
        "fields": dict(message.fields),
        "category": message.category,
        "status": DeliveryStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": message.not_before or now,
        "created_at": now,
        "updated_at": now,
    }


def enqueue(session: Session, messages: Iterable[NewDelivery], *, now: dt.datetime | None = None) -> int:
    """Bulk-insert messages; a message whose idempotency key is already there is skipped.

    Returns how many were added. Every body placeholder must have a value, and every message
    carries `unsubscribe_url` and `preferences_url` (the List-Unsubscribe header uses the first).
    """
    now = now or utc_now()
    insert = _bulk_inserter(session, now)
    added, chunk = 0, []
    for message in messages:
        chunk.append(_row(message, now, _needed_fields(message.body)))
        if len(chunk) == INSERT_CHUNK:
            added += insert(chunk)
            chunk = []
    if chunk:
        added += insert(chunk)
    return added


# PostgreSQL: COPY a chunk into a temporary table, then one INSERT ... SELECT that skips the keys
# already there. An executemany is a statement per row (parsed, planned, and about as much work
# in the client); COPY streams rows in the driver's C code. The table lives until the commit.
_STAGED_COLUMNS = (
    "idempotency_key", "body_id", "recipient_email", "recipient_name", "contact_id", "fields", "category",
    "next_attempt_at",
)  # fmt: skip
_STAGING = "outbox_incoming"
_CREATE_STAGING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (
    idempotency_key varchar, body_id int, recipient_email varchar, recipient_name varchar, contact_id int,
    fields json, category varchar, next_attempt_at timestamptz
) ON COMMIT DROP
"""
_COPY_STAGING = f"COPY {_STAGING} ({', '.join(_STAGED_COLUMNS)}) FROM STDIN"
_INSERT_STAGED = f"""
INSERT INTO {Delivery.__tablename__} ({", ".join(_STAGED_COLUMNS)}, status, attempts, created_at, updated_at)
SELECT {", ".join(_STAGED_COLUMNS)}, %(status)s, 0, %(now)s, %(now)s FROM {_STAGING}
ON CONFLICT (idempotency_key) DO NOTHING
"""  # noqa: S608 (only our own names)


def _bulk_inserter(session: Session, now: dt.datetime) -> Any:
    """One bulk write per chunk; returns how many rows were new (conflicts skipped)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return _executemany_inserter(session, now)
    parameters = {"status": DeliveryStatus.QUEUED.value, "now": now}

    def insert(rows: list[dict[str, Any]]) -> int:
        with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(_CREATE_STAGING)
            with cursor.copy(_COPY_STAGING) as copy:
                for row in rows:
                    row["fields"] = json.dumps(row["fields"])
                    copy.write_row([row[name] for name in _STAGED_COLUMNS])
            cursor.execute(_INSERT_STAGED, parameters)
            added = cursor.rowcount
            cursor.execute(f"TRUNCATE {_STAGING}")
        return int(added)

    return insert


def _executemany_inserter(session: Session, now: dt.datetime) -> Any:
    """One plain driver executemany per chunk, values converted once; rowcount counts the new rows.

    A newsletter run writes 100,000 rows; SQLAlchemy's per-value type processing and RETURNING
    (a statement per 70 rows on SQLite) cost more than the inserts themselves. sqlite3 and psycopg
    both report how many rows an executemany really inserted (conflicts skipped).
    """
    table = Delivery.__table__
    connection = session.connection()
    dialect = connection.dialect
    columns = list(_row_columns())

    def stored(column: str, value: Any) -> Any:
        process = table.c[column].type._cached_bind_processor(dialect)
        return process(value) if process else value

    constants = {"status": stored("status", DeliveryStatus.QUEUED), "now": stored("created_at", now)}
    marker = ":{}" if dialect.name == "sqlite" else "%({})s"
    sql = (
        # Only our own table and column names: no outside text reaches this statement.
        f"INSERT INTO {Delivery.__tablename__} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(marker.format(c) for c in columns)}) ON CONFLICT (idempotency_key) DO NOTHING"
    )

    def insert(rows: list[dict[str, Any]]) -> int:
        for row in rows:
            row["fields"] = json.dumps(row["fields"])
            row["status"] = constants["status"]
            row["created_at"] = row["updated_at"] = constants["now"]
            if row["next_attempt_at"] is now:
                row["next_attempt_at"] = constants["now"]
            else:
                row["next_attempt_at"] = stored("next_attempt_at", row["next_attempt_at"])
        return int(connection.exec_driver_sql(sql, rows).rowcount)

    return insert


def _row_columns() -> tuple[str, ...]:
    return (
        "idempotency_key", "body_id", "recipient_email", "recipient_name", "contact_id", "fields", "category",
        "status", "attempts", "next_attempt_at", "created_at", "updated_at",
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- the worker cycle


def commit_without_waiting_for_disk(session: Session) -> None:
    """PostgreSQL: this transaction's commit need not wait for its WAL to reach disk.

    Safe for every step but the hand-over: if the database crashed and lost a claim, the rows are
    simply queued; if it lost a recorded result, the rows fall back to `sending` and turn
    uncertain, settled by events. The hand-over commit stays durable, and flushes all before it.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _claimed_columns() -> tuple[Any, ...]:
    return (
        Delivery.id,
        Delivery.idempotency_key,
        Delivery.body_id,
        Delivery.recipient_email,
        Delivery.recipient_name,
        Delivery.fields,
        Delivery.category,
        Delivery.attempts,
    )


def claim_batch(
    session: Session,
    *,
    owner: str,
    now: dt.datetime,
    limit: int,
    lease_seconds: int,
    only_ids: Sequence[int] | None = None,
    handing_over: bool = False,
) -> list[ClaimedDelivery]:
    """Lease up to `limit` due messages, clustered by body; other workers skip locked rows.

    `only_ids` narrows the claim to those messages (a sign-in link sent during the request).
    `handing_over` marks them `sending` at once (the whole batch goes out together): the
    caller's commit must then be durable."""
    due = (
        select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.QUEUED, Delivery.next_attempt_at <= now)
        .order_by(Delivery.body_id, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if only_ids is not None:
        due = due.where(Delivery.id.in_(list(only_ids)))
    # A CTE computed once, never `id IN (subquery)`: with that, PostgreSQL may run the subquery
    # again for each row it updates (when the table's statistics are fresh from a big insert,
    # as after a newsletter run), and each run finds the next `limit` queued rows: one claim then
    # took minutes and many times `limit` rows.
    chosen = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    statement = (
        update(Delivery)
        .where(Delivery.id == chosen.c.id, Delivery.status == DeliveryStatus.QUEUED)
        .values(
            status=DeliveryStatus.SENDING if handing_over else DeliveryStatus.LEASED,
            lease_owner=owner,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .returning(*_claimed_columns())
        .execution_options(synchronize_session=False)
    )
    rows = [ClaimedDelivery(*row) for row in session.execute(statement)]
    return sorted(rows, key=lambda row: (row.body_id, row.id))


def skip_suppressed(
    session: Session, claimed: list[ClaimedDelivery], *, owner: str, now: dt.datetime
) -> list[ClaimedDelivery]:
    """Mark claimed messages to suppressed addresses (bounced, complained, ...) and drop them from the batch."""
    blocked = suppressed_among(session, (row.recipient_email for row in claimed))
    if not blocked:
        return claimed
    ids = [row.id for row in claimed if normalise_email(row.recipient_email) in blocked]
    _settle(session, ids, owner=owner, now=now, status=DeliveryStatus.SUPPRESSED, last_error="address is suppressed")
    return [row for row in claimed if row.id not in set(ids)]


def hand_over(
    session: Session, ids: Sequence[int], *, owner: str, now: dt.datetime, lease_seconds: int, mark_sending: bool
) -> set[int]:
    """Just before a unit goes to the provider: which of these rows this worker still holds.

    With `mark_sending` they become `sending`: if the worker dies from here on, their fate is
    unknown and they turn uncertain instead of being sent again. The lease is renewed.
    """
    values: dict[str, Any] = {"lease_expires_at": now + dt.timedelta(seconds=lease_seconds), "updated_at": now}
    if mark_sending:
        values["status"] = DeliveryStatus.SENDING
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(list(ids)), Delivery.lease_owner == owner, Delivery.status == DeliveryStatus.LEASED)
        .values(**values)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(session.scalars(statement))


def renew_leases(session: Session, *, owner: str, now: dt.datetime, lease_seconds: int) -> int:
    """Keep holding the rest of a long batch (slow SMTP servers)."""
    statement = (
        update(Delivery)
        .where(Delivery.lease_owner == owner, Delivery.status.in_([DeliveryStatus.LEASED, DeliveryStatus.SENDING]))
        .values(lease_expires_at=now + dt.timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]


def _settle(
    session: Session,
    ids: Sequence[int],
    *,
    owner: str | None,
    now: dt.datetime,
    status: DeliveryStatus,
    **values: Any,
) -> int:
    """Move held rows to `status`, releasing the lease (only rows `owner` still holds, if given)."""
    if not ids:
        return 0
    conditions: list[ColumnElement[bool]] = [Delivery.id.in_(list(ids))]
    if owner is not None:
        conditions.append(Delivery.lease_owner == owner)
    if values.get("last_error"):
        values["last_error"] = values["last_error"][:ERROR_LIMIT]
    statement = (
        update(Delivery)
        .where(*conditions)
        .values(status=status, lease_owner=None, lease_expires_at=None, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]


def record_sent(session: Session, ids: Sequence[int], provider_message_id: str, *, owner: str, now: dt.datetime) -> int:
    """Sent: the provider's id on the rows and one `sent` event each."""
    count = _settle(
        session,
        ids,
        owner=owner,
        now=now,
        status=DeliveryStatus.SENT,
        provider_message_id=provider_message_id[:255] or None,
        sent_at=now,
        last_error=None,
    )
    _insert_sent_events(session, ids, now=now)
    return count


def record_failed(session: Session, ids: Sequence[int], error: str, *, owner: str, now: dt.datetime) -> int:
    return _settle(session, ids, owner=owner, now=now, status=DeliveryStatus.FAILED, last_error=error)


def record_uncertain(session: Session, ids: Sequence[int], error: str, *, owner: str, now: dt.datetime) -> int:
    return _settle(session, ids, owner=owner, now=now, status=DeliveryStatus.UNCERTAIN, last_error=error)


def record_retry(
    session: Session, ids: Sequence[int], error: str, *, owner: str, now: dt.datetime, at: dt.datetime | None
) -> int:
    """Try again at `at`; None means the attempts are used up and the message is dead."""
    if at is None:
        return _settle(session, ids, owner=owner, now=now, status=DeliveryStatus.DEAD, last_error=error)
    return _settle(
        session, ids, owner=owner, now=now, status=DeliveryStatus.QUEUED, last_error=error, next_attempt_at=at
    )


def release(session: Session, ids: Sequence[int], *, owner: str, now: dt.datetime, at: dt.datetime) -> int:
    """Give back rows that were never attempted (the provider asked us to pause); the attempt is not counted."""
    return _settle(
        session,
        ids,
        owner=owner,
        now=now,
        status=DeliveryStatus.QUEUED,
        next_attempt_at=at,
        attempts=Delivery.attempts - 1,
    )


@dataclass(frozen=True)
class Settlement:
    """What became of one held message, for `settle_batch`.

    `next_attempt_at` only for `queued` (a retry, or a row given back untried with `untried`,
    whose attempt is not counted)."""

    id: int
    status: DeliveryStatus
    provider_message_id: str | None = None
    last_error: str | None = None
    next_attempt_at: dt.datetime | None = None
    untried: bool = False


SETTLE_CHUNK = 1000  # rows per statement: 6 values each stays under SQLite's 32,766 parameters


def settle_batch(session: Session, outcomes: Sequence[Settlement], *, owner: str, now: dt.datetime) -> int:
    """Every outcome of a batch in one UPDATE ... FROM (VALUES ...), and one `sent` event per sent row.

    Only rows `owner` still holds change. Per message updates cost a round trip each; this costs
    two statements per thousand messages, whatever the mix of outcomes.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _settle_on_postgresql(session, outcomes, owner=owner, now=now)
    changed = 0
    for start in range(0, len(outcomes), SETTLE_CHUNK):
        changed += _settle_chunk(session, outcomes[start : start + SETTLE_CHUNK], owner=owner, now=now)
    sent = [outcome.id for outcome in outcomes if outcome.status is DeliveryStatus.SENT]
    for start in range(0, len(sent), SETTLE_CHUNK):
        _insert_sent_events(session, sent[start : start + SETTLE_CHUNK], now=now)
    return changed


# One statement, one round trip, eight parameters however large the batch: the outcomes travel as
# arrays (no SQL text that grows with the batch to compile and parse), and the `sent` events are
# written from the updated rows in the same statement. Only our own table and column names.
_SETTLE_POSTGRESQL = f"""
WITH settled AS (
    UPDATE {Delivery.__tablename__} AS d SET
        status = o.status,
        provider_message_id = coalesce(o.provider_message_id, d.provider_message_id),
        last_error = o.last_error,
        next_attempt_at = coalesce(o.next_attempt_at, d.next_attempt_at),
        sent_at = CASE WHEN o.status = %(sent)s THEN %(now)s ELSE d.sent_at END,
        attempts = d.attempts - o.untried,
        lease_owner = NULL, lease_expires_at = NULL, updated_at = %(now)s
    FROM unnest(%(ids)s::bigint[], %(statuses)s::varchar[], %(provider_ids)s::varchar[], %(errors)s::varchar[],
                %(next_attempts)s::timestamptz[], %(untried)s::int[])
        AS o (id, status, provider_message_id, last_error, next_attempt_at, untried)
    WHERE d.id = o.id AND d.lease_owner = %(owner)s
    RETURNING d.id, d.contact_id, d.status
), events AS (
    INSERT INTO {Event.__tablename__} (kind, delivery_id, contact_id, occurred_at, detail)
    SELECT %(sent)s, id, contact_id, %(now)s, '{{}}' FROM settled WHERE status = %(sent)s
)
SELECT count(*) FROM settled
"""  # noqa: S608


def _settle_on_postgresql(session: Session, outcomes: Sequence[Settlement], *, owner: str, now: dt.datetime) -> int:
    rows = [_outcome_row(outcome) for outcome in outcomes]
    columns = ("ids", "statuses", "provider_ids", "errors", "next_attempts", "untried")
    arrays = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    parameters = {**arrays, "sent": DeliveryStatus.SENT.value, "now": now, "owner": owner}
    return int(session.connection().exec_driver_sql(_SETTLE_POSTGRESQL, parameters).scalar_one())


def _settle_chunk(session: Session, outcomes: Sequence[Settlement], *, owner: str, now: dt.datetime) -> int:
    when = Delivery.next_attempt_at.type
    rows = (
        values(
            column("id", Integer),
            column("status", String(20)),
            column("provider_message_id", String(255)),
            column("last_error", String(ERROR_LIMIT)),
            column("next_attempt_at", when),
            column("untried", Integer),
            name="outcome_values",
        )
        .data([_outcome_row(outcome) for outcome in outcomes])
        .cte("outcome")
    )  # SQLite names VALUES columns only in a CTE
    is_sent = rows.c.status == DeliveryStatus.SENT.value
    # PostgreSQL types a VALUES column of NULLs only as text: say what they are. SQLite must not
    # cast (CAST AS DATETIME would turn a timestamp into a number).
    typed: Any = cast if session.get_bind().dialect.name == "postgresql" else (lambda value, _type: value)
    statement = (
        update(Delivery)
        .add_cte(rows)
        .where(Delivery.id == rows.c.id, Delivery.lease_owner == owner)
        .values(
            status=rows.c.status,
            provider_message_id=func.coalesce(
                typed(rows.c.provider_message_id, String(255)), Delivery.provider_message_id
            ),
            last_error=typed(rows.c.last_error, String(ERROR_LIMIT)),
            next_attempt_at=func.coalesce(typed(rows.c.next_attempt_at, when), Delivery.next_attempt_at),
            sent_at=case((is_sent, literal(now, Delivery.sent_at.type)), else_=Delivery.sent_at),
            attempts=Delivery.attempts - rows.c.untried,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]


def _outcome_row(outcome: Settlement) -> tuple[Any, ...]:
    error = (outcome.last_error or "")[:ERROR_LIMIT] or None
    status, when = outcome.status.value, outcome.next_attempt_at
    return (outcome.id, status, outcome.provider_message_id, error, when, int(outcome.untried))


def _insert_sent_events(session: Session, ids: Sequence[int], *, now: dt.datetime) -> None:
    events = select(
        literal(EventKind.SENT.value),
        Delivery.id,
        Delivery.contact_id,
        literal(now, Event.occurred_at.type),
        literal({}, JSON),
    ).where(Delivery.id.in_(list(ids)), Delivery.status == DeliveryStatus.SENT, Delivery.sent_at == now)
    session.execute(
        Event.__table__.insert().from_select(  # type: ignore[attr-defined]
            ["kind", "delivery_id", "contact_id", "occurred_at", "detail"], events
        )
    )


@dataclass
class Recovered:
    requeued: int = 0
    uncertain: int = 0
    dead: int = 0


def recover_expired_leases(session: Session, *, now: dt.datetime, max_attempts: int, resend_is_safe: bool) -> Recovered:
    """Rows of workers that died: never handed over -> queued again; handed over -> uncertain.

    A message whose worker died `max_attempts` times is dead (it may be what kills them).
    """
    expired = (Delivery.lease_expires_at < now,)
    leased = (Delivery.status == DeliveryStatus.LEASED, *expired)
    sending = (Delivery.status == DeliveryStatus.SENDING, *expired)
    recovered = Recovered()
    settle = {"lease_owner": None, "lease_expires_at": None, "updated_at": now}
    recovered.dead = _update_where(
        session,
        (*leased, Delivery.attempts >= max_attempts),
        status=DeliveryStatus.DEAD,
        last_error=f"its worker stopped {max_attempts} times while holding it",
        **settle,
    )
    recovered.requeued = _update_where(session, leased, status=DeliveryStatus.QUEUED, next_attempt_at=now, **settle)
    if resend_is_safe:
        recovered.requeued += _update_where(
            session, sending, status=DeliveryStatus.QUEUED, next_attempt_at=now, **settle
        )
    else:
        recovered.uncertain = _update_where(
            session,
            sending,
            status=DeliveryStatus.UNCERTAIN,
            last_error="the worker stopped after handing it to the provider: settle it from events or by hand",
            **settle,
        )
    return recovered


def _update_where(session: Session, conditions: tuple[Any, ...], **values: Any) -> int:
    statement = update(Delivery).where(*conditions).values(**values).execution_options(synchronize_session=False)
    return session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]


def has_pending(session: Session) -> bool:
    """Anything queued (now or for a retry later) or in flight.

    Asked in the pending-rows index's own order, so PostgreSQL reads its first entry rather
    than scanning an outbox of sent messages from the start (where the pending ones are not)."""
    first = select(Delivery.id).where(text(PENDING_SQL)).order_by(Delivery.status, Delivery.lease_expires_at).limit(1)
    return session.scalar(first) is not None


def next_wake(session: Session) -> dt.datetime | None:
    """When something next becomes due: a scheduled retry or an in-flight lease running out."""
    retry = session.scalar(select(func.min(Delivery.next_attempt_at)).where(Delivery.status == DeliveryStatus.QUEUED))
    lease = session.scalar(
        select(func.min(Delivery.lease_expires_at)).where(
            Delivery.status.in_([DeliveryStatus.LEASED, DeliveryStatus.SENDING])
        )
    )
    candidates = [moment for moment in (retry, lease) if moment is not None]
    return min(candidates) if candidates else None


def bodies_by_id(session: Session, ids: Iterable[int]) -> dict[int, RenderedBody]:
    return {body.id: body for body in session.scalars(select(RenderedBody).where(RenderedBody.id.in_(list(ids))))}


# ---------------------------------------------------------------------------------------------- admin actions


class DeliveryStateError(Exception):
    """An admin action that does not fit the message's state; the text says what to do."""


def retry_delivery(session: Session, delivery: Delivery, *, now: dt.datetime | None = None) -> None:
    """Send a failed, dead or uncertain message again, from a fresh count of attempts."""
    if delivery.status not in RETRYABLE_BY_ADMIN:
        raise DeliveryStateError(
            f"message {delivery.id} is {delivery.status.value}; only failed, dead or uncertain messages can be retried"
        )
    now = now or utc_now()
    _record(session, "delivery.retry", delivery, DeliveryStatus.QUEUED)
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.QUEUED, 0, now
    delivery.lease_owner = delivery.lease_expires_at = None
    delivery.updated_at = now
    session.flush()


def _record(session: Session, action: str, delivery: Delivery, to: DeliveryStatus) -> None:
    """An admin's hand on a message, in the audit trail (named by its category: the address is personal)."""
    record(
        session, action, object_type="delivery", object_id=delivery.id,
        object_label=f"{delivery.category or 'message'} message", changes={"status": (delivery.status, to)},
    )  # fmt: skip


def mark_delivered_by_hand(session: Session, delivery: Delivery, *, now: dt.datetime | None = None) -> None:
    """An admin checked the provider's log: the uncertain message did go out."""
    if delivery.status is not DeliveryStatus.UNCERTAIN:
        raise DeliveryStateError(f"message {delivery.id} is {delivery.status.value}, not uncertain")
    now = now or utc_now()
    _record(session, "delivery.mark_sent", delivery, DeliveryStatus.SENT)
    delivery.status, delivery.sent_at, delivery.updated_at = DeliveryStatus.SENT, now, now
    delivery.last_error = "marked as sent by an admin"
    session.flush()


def settle_uncertain(session: Session, delivery: Delivery, *, provider_message_id: str, now: dt.datetime) -> bool:
    """A provider event proves an uncertain (or in-flight) message was accepted: it was sent."""
    if delivery.status not in (DeliveryStatus.UNCERTAIN, DeliveryStatus.SENDING):
        return False
    delivery.status, delivery.sent_at, delivery.updated_at = DeliveryStatus.SENT, now, now
    delivery.provider_message_id = provider_message_id[:255] or delivery.provider_message_id
    delivery.lease_owner = delivery.lease_expires_at = None
    delivery.last_error = None
    return True
