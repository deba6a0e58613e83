"""A CRM syncs with Channelcast the way a real one would: over HTTP, to a running server, with a token.

It upserts 1,000 partners and 5,000 contacts in bulk, sends the same rows again (which must write
nothing: no consent record, no audit entry, no new updated_at), then pulls the events stream by
cursor while other processes write events in transactions that commit out of order, and gets every
event exactly once.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from campaigns.delivery.models import Event, EventKind
from content.models import InterestArea
from core import migrate
from core.api.scopes import known_scopes
from core.api.tokens import create_token
from core.audit import AuditEntry
from core.db import utc_now
from subscribers.models import ConsentRecord, Contact, Partner
from tests.conftest import TEST_DATABASE_URL, make_settings
from tests.pg_databases import own_postgres_database
from wsgi import create_app

PARTNERS, CONTACTS, BULK = 1_000, 5_000, 1_000
COUNTRIES = ("NL", "DE", "FR", "SE", "PL", "GB")
AREAS = ("storage", "server", "cloud", "security", "networking")


@dataclass
class LiveServer:
    base_url: str
    engine: Engine
    token: str


@pytest.fixture
def live_api(tmp_path: Path) -> Iterator[LiveServer]:
    """Channelcast on a free port with a database of its own (PostgreSQL when TEST_DATABASE_URL is set)."""
    with ExitStack() as stack:
        url = (
            stack.enter_context(own_postgres_database("crm_sync"))
            if TEST_DATABASE_URL
            else f"sqlite:///{tmp_path / 'crm.db'}"
        )
        yield from _serve(url, tmp_path)


def _serve(url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server: BaseWSGIServer = make_server("127.0.0.1", 0, lambda _environ, _start: [], threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(make_settings(tmp_path, url, PUBLIC_BASE_URL=base_url, API_RATE_LIMIT="100000/minute"))
    engine = app.extensions["channelcast.db"].engine
    migrate.upgrade(engine)
    with Session(engine) as session:
        session.add_all(InterestArea(slug=slug, names={"en": slug.title()}, position=n) for n, slug in enumerate(AREAS))
        token = create_token(session, name="CRM sync", scopes=list(known_scopes(app)),
                             known_scopes=known_scopes(app), by=None, now=utc_now()).secret  # fmt: skip
        session.commit()
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(base_url, engine, token)
    server.shutdown()
    engine.dispose()


def send(live: LiveServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One HTTP call with the bearer token, as a CRM's connector makes it."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(live.base_url + path, data=data, method=method)  # noqa: S310 (our loopback server)
    request.add_header("Authorization", f"Bearer {live.token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def crm_partners() -> list[dict[str, Any]]:
    return [
        {"external_id": f"acct-{n:04d}", "name": f"Partner {n:04d}", "tier": ("registered", "silver", "gold")[n % 3],
         "type": ("solution", "sales", "service")[n % 3], "country": COUNTRIES[n % len(COUNTRIES)]}
        for n in range(PARTNERS)
    ]  # fmt: skip


def crm_contacts() -> list[dict[str, Any]]:
    return [
        {"external_id": f"person-{n:05d}", "email": f"person{n:05d}@partner{n % PARTNERS:04d}.example",
         "partner_external_id": f"acct-{n % PARTNERS:04d}", "name": f"Person {n}", "frequency": "monthly",
         "interests": [AREAS[n % len(AREAS)], AREAS[(n + 2) % len(AREAS)]]}
        for n in range(CONTACTS)
    ]  # fmt: skip


def sync(live: LiveServer, path: str, rows: list[dict[str, Any]]) -> dict[str, int]:
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    for start in range(0, len(rows), BULK):
        status, body = send(live, "POST", path, {"rows": rows[start : start + BULK]})
        assert status == 200, body
        for key in totals:
            totals[key] += body[key]
    return totals


def footprint(engine: Engine) -> tuple[int, int, object, object]:
    """What a write leaves behind: consent records, audit entries, the latest updated_at of each table."""
    with Session(engine) as session:
        return (
            int(session.scalar(select(func.count()).select_from(ConsentRecord)) or 0),
            int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            session.scalar(select(func.max(Partner.updated_at))),
            session.scalar(select(func.max(Contact.updated_at))),
        )


def write_events(engine: Engine, contact_ids: list[int], written: list[int], rounds: int) -> None:
    """Open and click events in transactions of several sizes, some kept open while others commit."""
    chooser = random.Random(len(written))
    overlapping = engine.dialect.name == "postgresql"  # SQLite has one writer at a time
    for _ in range(rounds):
        with engine.connect() as slow, engine.connect() as quick:
            slow_tx = slow.begin()
            ids = [_insert_event(slow, chooser.choice(contact_ids)) for _ in range(chooser.randint(1, 5))]
            if not overlapping:
                slow_tx.commit()
            with quick.begin():
                quick_ids = [_insert_event(quick, chooser.choice(contact_ids)) for _ in range(chooser.randint(1, 5))]
            written.extend(quick_ids)
            time.sleep(chooser.random() / 50)  # the slow transaction stays open while the CRM pulls
            if overlapping:
                slow_tx.commit()
            written.extend(ids)


def _insert_event(connection: Any, contact_id: int) -> int:
    statement = insert(Event).values(kind=EventKind.OPEN, contact_id=contact_id, occurred_at=utc_now(), detail={})
    return int(connection.execute(statement.returning(Event.id)).scalar_one())


@dataclass
class EventPuller:
    """The CRM's side of the stream: it keeps the last `next` and asks again from there."""

    live: LiveServer
    cursor: str = ""

    def pull(self, *, until: int, writers: list[threading.Thread]) -> list[int]:
        """Follow `next` until the writers are done and `until` events have come."""
        seen: list[int] = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            after = f"&after={self.cursor}" if self.cursor else ""
            status, page = send(self.live, "GET", "/api/v1/events?limit=50" + after)
            assert status == 200, page
            seen.extend(event["id"] for event in page["items"])
            self.cursor = page["next"]
            if page["more"]:
                continue
            if all(not writer.is_alive() for writer in writers) and len(seen) >= until:
                break
            time.sleep(0.05)
        return seen


@pytest.mark.slow
def test_a_crm_syncs_partners_and_contacts_twice_then_pulls_every_event_once(live_api: LiveServer) -> None:
    partners, contacts = crm_partners(), crm_contacts()
    assert sync(live_api, "/api/v1/partners/bulk", partners) == {"created": PARTNERS, "updated": 0, "unchanged": 0}
    assert sync(live_api, "/api/v1/contacts/bulk", contacts) == {"created": CONTACTS, "updated": 0, "unchanged": 0}
    status, listed = send(live_api, "GET", "/api/v1/contacts?limit=2")
    assert status == 200
    assert listed["items"][0]["interests"] == ["storage", "cloud"]

    before = footprint(live_api.engine)
    assert sync(live_api, "/api/v1/partners/bulk", partners)["unchanged"] == PARTNERS
    assert sync(live_api, "/api/v1/contacts/bulk", contacts)["unchanged"] == CONTACTS
    assert footprint(live_api.engine) == before  # the second sync wrote nothing at all

    with Session(live_api.engine) as session:
        contact_ids = list(session.scalars(select(Contact.id)))
    written: list[int] = []
    writers = [
        threading.Thread(target=write_events, args=(live_api.engine, contact_ids, written, 40)) for _ in range(2)
    ]
    for writer in writers:
        writer.start()
    crm = EventPuller(live_api)
    seen = crm.pull(until=0, writers=writers)  # while the events are being written
    for writer in writers:
        writer.join()
    seen += crm.pull(until=len(written) - len(seen), writers=[])
    assert len(seen) == len(set(seen)), "an event came twice"
    assert set(seen) == set(written), f"{len(set(written) - set(seen))} events were skipped"
