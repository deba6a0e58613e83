"""The hot queries stay fast at 100,000 contacts: PostgreSQL plans them without reading a large table whole.

Each hot path runs for real against a generated audience (100,000 contacts, 1,000 partners, an
outbox of 100,000 messages); every statement it sends is captured and planned with EXPLAIN.
A sequential scan of a table of 10,000 rows or more fails the test and names the query: such a
scan grows with the data and turns a millisecond query into a second one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine, event, select, text
from sqlalchemy.orm import Session

from bench.digest_data import DUE_AT, generate
from campaigns.delivery import outbox
from campaigns.digests.assembly import _contacts_after, interests_of, load_partner_fields, new_run_state
from content.languages import reading_order
from content.selection import ReaderScope, published_content_for
from core import migrate
from core.auth.models import Role, User
from subscribers.models import Contact
from subscribers.partners import PartnerFilter, partner_page
from subscribers.suppression import suppressed_among
from tests.conftest import fresh_database_url, make_settings
from wsgi import create_app

CONTACTS = 100_000
LARGE = 10_000  # rows: a table this big must be reached through an index


def fill_outbox(connection: Connection) -> None:
    """An outbox of 100,000 messages, the newest 1,000 still queued (as after many runs)."""
    connection.execute(
        text(
            "INSERT INTO rendered_bodies (content_hash, subject, html, text, created_at) "
            "SELECT md5(n::text), 'News', '<p>x</p>', 'x', now() FROM generate_series(1, 100) AS n"
        )
    )
    connection.execute(
        text(
            "INSERT INTO deliveries (idempotency_key, body_id, recipient_email, recipient_name, contact_id, fields,"
            " category, status, attempts, next_attempt_at, created_at, updated_at) "
            "SELECT 'digest:' || n, (SELECT min(id) FROM rendered_bodies) + n % 100, 'c' || n || '@p.example', '',"
            " n, '{}', 'digest', CASE WHEN n > 99000 THEN 'queued' ELSE 'sent' END, 1, now(), now(), now()"
            " FROM generate_series(1, 100000) AS n"
        )
    )


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH", "DELETE")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def large_tables(connection: Connection) -> set[str]:
    rows = connection.execute(
        text(
            "SELECT relname FROM pg_class WHERE relkind = 'r'"
            " AND relnamespace = current_schema()::regnamespace AND reltuples >= :n"
        ),
        {"n": LARGE},
    )
    return {name for (name,) in rows}


def sequential_scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("Node Type") == "Seq Scan":
        yield str(plan.get("Relation Name"))
    for child in plan.get("Plans", []):
        yield from sequential_scans(child)


def scans_of_large_tables(engine: Engine, run: Callable[[Session], object]) -> list[str]:
    """Run a hot path (rolled back), plan every statement it sent; the large tables read whole."""
    with Session(engine) as session, captured(engine) as statements:
        run(session)
        session.rollback()
    problems = []
    with engine.connect() as connection:
        large = large_tables(connection)
        for statement, parameters in statements:
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
                (plan,) = cursor.fetchone()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            for table in set(sequential_scans(plan[0]["Plan"])) & large:
                problems.append(f"{table} read whole by: {' '.join(statement.split())[:200]}")
    return problems


@pytest.fixture(scope="module")
def audience(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Engine]]:
    tmp_path = tmp_path_factory.mktemp("plans")
    url = fresh_database_url("postgresql", tmp_path, "query_plans")
    app = create_app(make_settings(tmp_path, url))
    engine: Engine = app.extensions["channelcast.db"].engine
    migrate.upgrade(engine)
    generate(engine, contacts=CONTACTS, partners=1000, items=200, seed=11)
    with engine.begin() as connection:
        fill_outbox(connection)
        connection.execute(text("ANALYZE"))
    yield app, engine
    engine.dispose()


def due_contacts(app: Flask) -> Callable[[Session], object]:
    def run(session: Session) -> None:
        contacts = _contacts_after(session, CONTACTS // 2, 1000)
        ids = [contact.id for contact in contacts]
        interests_of(session, ids)
        suppressed_among(session, [contact.email for contact in contacts])
        with app.app_context():
            state = new_run_state(session, app, DUE_AT, 8)
            load_partner_fields(session, state, {contact.partner_id for contact in contacts})

    return run


def delivery_claim(session: Session) -> None:
    now = dt.datetime.now(dt.UTC)
    outbox.recover_expired_leases(session, now=now, max_attempts=8, resend_is_safe=False)
    claimed = outbox.claim_batch(session, owner="plans", now=now, limit=1000, lease_seconds=60, handing_over=True)
    outbox.skip_suppressed(session, claimed, owner="plans", now=now)
    outbox.next_wake(session)
    outbox.has_pending(session)


def content_selection(app: Flask) -> Callable[[Session], object]:
    def run(session: Session) -> None:
        contact = session.scalars(select(Contact).where(Contact.id == CONTACTS // 3)).one()
        areas = frozenset(area.id for area in contact.interests)
        scope = ReaderScope(interest_ids=areas, tier="gold", since=DUE_AT - dt.timedelta(days=7))
        published_content_for(session, scope, reading_order(contact.locale, ("en",)), DUE_AT, 8)
        with app.app_context():
            new_run_state(session, app, DUE_AT, 8)

    return run


def partners_list(session: Session) -> None:
    admin = User(email="plans@vendor.example", name="Plans", role=Role.ADMIN)
    for page in (1, 7):
        partner_page(session, admin, PartnerFilter(page=page))
        partner_page(session, admin, PartnerFilter(tier="gold", page=page))


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.parametrize("path", ["due contacts", "delivery claim", "content selection", "partners list"])
def test_hot_queries_never_read_a_large_table_whole(backend: str, path: str, audience: tuple[Flask, Engine]) -> None:
    app, engine = audience
    runs: dict[str, Callable[[Session], object]] = {
        "due contacts": due_contacts(app),
        "delivery claim": delivery_claim,
        "content selection": content_selection(app),
        "partners list": partners_list,
    }
    assert scans_of_large_tables(engine, runs[path]) == []
