"""The events stream a CRM pulls: every event once, in order, even when transactions commit out of order."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from campaigns.delivery.stream import START, events_after
from core import migrate
from core.db import make_engine, utc_now
from subscribers.rights import erase_contact
from tests.api_helpers import call, make_token
from tests.pg_databases import own_postgres_database
from tests.subscribers.factories import ContactFactory


def _pull(client: FlaskClient, token: str, *, limit: int, after: str | None = None) -> tuple[list[int], str, bool]:
    url = f"/api/v1/events?limit={limit}" + (f"&after={after}" if after else "")
    body = call(client, "GET", url, token).get_json()
    return [event["id"] for event in body["items"]], body["next"], body["more"]


def test_events_come_page_by_page_and_the_last_cursor_resumes_with_what_came_since(
    app: Flask, client: FlaskClient, session: Session, backend: str
) -> None:
    if backend == "postgresql":
        pytest.skip("on PostgreSQL the stream shows only committed transactions: see the test below")
    token = make_token(app, session, "events:read")
    first = [Event(kind=EventKind.OPEN, contact_id=n, detail={}) for n in range(5)]
    session.add_all(first)
    session.flush()
    seen, cursor, more = _pull(client, token, limit=3)
    assert (seen, more) == ([e.id for e in first[:3]], True)
    rest, cursor, more = _pull(client, token, limit=3, after=cursor)
    assert (rest, more) == ([e.id for e in first[3:]], False)
    assert _pull(client, token, limit=3, after=cursor)[0] == []
    late = Event(kind=EventKind.CLICK, contact_id=1, detail={"url": "https://vendor.example"})
    session.add(late)
    session.flush()
    assert _pull(client, token, limit=3, after=cursor)[0] == [late.id]


def test_after_the_newest_events_are_erased_with_their_contact_the_next_event_still_reaches_the_crm(
    app: Flask, client: FlaskClient, session: Session, backend: str
) -> None:
    if backend == "postgresql":
        pytest.skip("PostgreSQL's sequences never hand out an id twice (and its stream shows only committed events)")
    token = make_token(app, session, "events:read")
    stays, leaves = ContactFactory.create(), ContactFactory.create()
    session.add_all(Event(kind=EventKind.OPEN, contact_id=who.id, detail={}) for who in (stays, leaves, leaves))
    session.flush()
    seen, cursor, _more = _pull(client, token, limit=10)
    assert len(seen) == 3
    with app.app_context():
        erase_contact(session, leaves, app, source="admin")  # the two newest events go with them
    late = Event(kind=EventKind.CLICK, contact_id=stays.id, detail={"url": "https://vendor.example"})
    session.add(late)
    session.flush()
    assert late.id not in seen  # SQLite too: an id is never handed out twice
    assert _pull(client, token, limit=10, after=cursor)[0] == [late.id]


def test_a_cursor_that_was_edited_is_refused_naming_after(app: Flask, client: FlaskClient, session: Session) -> None:
    token = make_token(app, session, "events:read")
    answer = call(client, "GET", "/api/v1/events?after=made-up", token)
    assert (answer.status_code, answer.get_json()["errors"][0]["field"]) == (422, "after")
    assert call(client, "GET", "/api/v1/events", make_token(app, session, "contacts:read")).status_code == 403


@pytest.fixture
def committed_engine(backend: str) -> Iterator[Engine]:
    if backend != "postgresql":
        pytest.skip("commits out of order need two writers at once: PostgreSQL")
    with own_postgres_database("stream") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


def _event(connection: object, contact_id: int) -> int:
    row = connection.execute(  # type: ignore[attr-defined]
        insert(Event)
        .values(kind=EventKind.OPEN, contact_id=contact_id, occurred_at=utc_now(), detail={})
        .returning(Event.id)
    )
    return int(row.scalar_one())


def _finished(engine: Engine, count: int) -> list[int]:
    """The stream's ids once `count` events are in it (a moment after the last commit, as a CRM's next pull)."""
    deadline = time.monotonic() + 30
    while True:
        with Session(engine) as reader:
            ids = [event.id for event in events_after(reader, START, limit=10).events]
        if len(ids) >= count or time.monotonic() > deadline:
            return ids
        time.sleep(0.2)


def test_an_event_committed_after_a_later_one_is_not_skipped(committed_engine: Engine) -> None:
    """A takes the lower id and commits last; the reader must not move past it while it is open."""
    with committed_engine.connect() as slow, committed_engine.connect() as fast:
        slow_tx = slow.begin()
        slow_id = _event(slow, 1)  # id 1, still open
        with fast.begin():
            fast_id = _event(fast, 2)  # id 2, committed first
        with Session(committed_engine) as reader:
            page = events_after(reader, START, limit=10)
        assert page.events == []  # 2 waits for 1: showing it would move a cursor past 1
        slow_tx.commit()
    assert _finished(committed_engine, 2) == [slow_id, fast_id]


def test_ids_taken_in_one_order_and_committed_in_another_come_once_each(committed_engine: Engine) -> None:
    """B takes a lower id than A but A's transaction began writing first: the stream follows transactions."""
    with committed_engine.connect() as first, committed_engine.connect() as second:
        first_tx = first.begin()
        first.execute(insert(Event).values(kind=EventKind.SENT, detail={}, occurred_at=utc_now()))  # takes its xid
        second_tx = second.begin()
        low_id = _event(second, 2)
        high_id = _event(first, 1)
        second_tx.commit()
        with Session(committed_engine) as reader:
            assert events_after(reader, START, limit=10).events == []
        first_tx.commit()
    ids = _finished(committed_engine, 3)
    assert len(ids) == len(set(ids)) == 3
    assert {low_id, high_id} <= set(ids)
    assert ids.index(high_id) < ids.index(low_id)  # the first transaction's events first, whatever their ids
