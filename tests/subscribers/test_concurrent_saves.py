"""16 people (or one impatient person in 16 tabs) saving one contact's preferences at the same
moment, against a real threaded server on PostgreSQL: every save is logged, the last one wins
whole, and nobody gets a server error."""

from __future__ import annotations

import http.cookiejar
import itertools
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from core import migrate
from core.db import make_engine
from subscribers.links import preference_url
from subscribers.models import ConsentRecord, Contact
from tests import factories
from tests.conftest import PG_SCHEMA, TEST_DATABASE_URL, fresh_database_url, make_settings
from tests.content.factories import InterestAreaFactory
from tests.subscribers.factories import ContactFactory
from wsgi import create_app

USERS = 16
pytestmark = [pytest.mark.pg, pytest.mark.slow]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app on its own PostgreSQL schema (real commits), served by a threaded server on loopback."""
    url = fresh_database_url("postgresql", tmp_path, "concurrent_saves")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(make_settings(tmp_path, url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join()
    app.extensions["channelcast.db"].engine.dispose()
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}_concurrent_saves" CASCADE'))
    admin.dispose()


def seed_contact(app: Flask) -> tuple[int, str, list[int]]:
    with app.app_context(), app.extensions["channelcast.db"].unit_of_work() as session:
        factories.use_session(session)
        areas = [InterestAreaFactory.create(slug=slug) for slug in ("storage", "cloud", "security")]
        contact = ContactFactory.create(email="jan@partner.example", interests=[areas[0]], preferred_hour=20)
        session.flush()
        return contact.id, urllib.parse.urlsplit(preference_url(contact)).path, [area.id for area in areas]


def choice_of(user: int, area_ids: list[int]) -> dict[str, object]:
    """User n's choice: hour n (unique), and topics and rhythm that differ between neighbours."""
    return {
        "interests": [area_ids[user % 3], area_ids[(user + 1) % 3]][: 1 + user % 2],
        "frequency": ("weekly", "monthly")[user % 2],
        "preferred_weekday": str(user % 7),
        "preferred_hour": str(user),
        "locale": ("en", "nl", "de")[user % 3],
    }


def save_as_user(base: str, path: str, form: dict[str, object], start: threading.Barrier) -> int:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects)
    with opener.open(base + path, timeout=30) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    assert token is not None
    body = urllib.parse.urlencode({"csrf_token": token.group(1), **form}, doseq=True).encode()
    start.wait(timeout=30)  # everyone presses Save at once
    try:
        with opener.open(base + path, data=body, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_sixteen_simultaneous_saves_are_all_logged_and_the_last_one_wins_without_a_server_error(
    live_app: tuple[Flask, str],
) -> None:
    app, base = live_app
    contact_id, path, area_ids = seed_contact(app)
    start = threading.Barrier(USERS)
    statuses: dict[int, int] = {}

    def user(n: int) -> None:
        statuses[n] = save_as_user(base, path, choice_of(n, area_ids), start)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses.values()) == [302] * USERS  # every save went through and redirected back
    with app.app_context(), app.extensions["channelcast.db"].unit_of_work() as session:
        assert isinstance(session, Session)
        log = session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.contact_id == contact_id, ConsentRecord.action == "preferences")
            .order_by(ConsentRecord.id)
        ).all()
        assert len(log) == USERS
        last_hour = int(re.search(r"hour: \d\d:00 -> (\d\d):00", log[-1].detail).group(1))  # type: ignore[union-attr]
        contact = session.get(Contact, contact_id)
        assert contact is not None
        winner = choice_of(last_hour, area_ids)
        assert contact.preferred_hour == last_hour
        assert contact.frequency.value == winner["frequency"]
        assert contact.locale == winner["locale"]
        assert contact.preferred_weekday == int(str(winner["preferred_weekday"]))
        assert sorted(area.id for area in contact.interests) == sorted(winner["interests"])  # type: ignore[call-overload]
        # Each save started from the one before it: the log reads as one unbroken chain of hours.
        hours = [re.search(r"hour: (\d\d):00 -> (\d\d):00", record.detail).groups() for record in log]  # type: ignore[union-attr]
        assert all(previous[1] == current[0] for previous, current in itertools.pairwise(hours))
