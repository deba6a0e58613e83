"""A newsletter read in a real browser: its pixel loads from the live server, a click goes through us,
and the newsletter period's report shows what the reader did.

The newsletter is assembled from the demo and written as an .eml by the file transport; its HTML
is opened in Chromium from a file, as a mail app shows it. A link scanner's click two seconds
after sending is kept but flagged; the reader's open and click are the human ones.
"""

from __future__ import annotations

import datetime as dt
import email
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from playwright.sync_api import Browser, Route
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from campaigns.delivery.models import Delivery, Event, EventKind
from campaigns.delivery.worker import Worker, WorkerOptions
from campaigns.digests.assembly import assemble_digests
from campaigns.digests.preview import preview_next_digest
from campaigns.engagement.rollups import roll_up
from campaigns.tracking import tracking_buffer
from core import migrate
from core.demo import DEMO_ADMIN_EMAIL, demo_steps, load_demo
from core.mail.transports import transport_from_settings
from subscribers.models import Contact, ContactStatus
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import make_settings

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SCANNER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"


@dataclass(frozen=True)
class LiveApp:
    base_url: str
    app: Flask
    session: Session


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    """The demo on its own SQLite file, served on a free loopback port, with the file transport."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, lambda _environ, _start: [], threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_live_app(tmp_path, base_url)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    database = app.extensions["channelcast.db"]
    with database.unit_of_work() as session:
        yield LiveApp(base_url, app, session)
    server.shutdown()
    buffer = tracking_buffer(app)
    if buffer is not None:
        buffer.close()
    database.engine.dispose()


def create_live_app(directory: Path, base_url: str) -> Flask:
    from wsgi import create_app

    app = create_app(make_settings(directory, f"sqlite:///{directory / 'live.db'}", PUBLIC_BASE_URL=base_url))
    database = app.extensions["channelcast.db"]
    migrate.upgrade(database.engine)
    with app.app_context():
        load_demo(database.session, demo_steps(app))
        database.session.commit()
    return app


def next_newsletter(live: LiveApp) -> tuple[Contact, dt.datetime]:
    """A demo contact and the moment their next newsletter is due."""
    now = dt.datetime.now(dt.UTC)
    contacts = live.session.scalars(select(Contact).where(Contact.status == ContactStatus.ACTIVE).order_by(Contact.id))
    for contact in contacts:
        preview = preview_next_digest(live.session, live.app, contact, now)
        if preview.when is not None and not preview.is_empty:
            return contact, preview.when
    raise AssertionError("the demo has no contact with a next newsletter")


def send_due_newsletters(live: LiveApp, contact: Contact, when: dt.datetime) -> tuple[Delivery, str]:
    """Assemble at `when`, send through the file transport; the contact's message and its HTML."""
    assemble_digests(live.session, when, app=live.app)
    settings = live.app.config["CHANNELCAST"]
    Worker(live.session, transport_from_settings(settings), WorkerOptions.from_settings(settings)).run(drain=True)
    delivery = live.session.scalars(
        select(Delivery).where(Delivery.contact_id == contact.id, Delivery.category == "digest")
    ).one()
    message = email.message_from_bytes(
        (settings.outbox_dir / f"message-{delivery.id}.eml").read_bytes(), policy=default
    )
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    assert html is not None
    return delivery, html.get_content()


def scanner_click(url: str) -> int:
    """A link scanner: fetches a link with a browser's user agent and does not follow the redirect."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
            return None

    request = urllib.request.Request(url, headers={"User-Agent": SCANNER_AGENT})  # noqa: S310 (loopback)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_reader_opens_the_newsletter_and_clicks_once_while_a_scanner_click_is_flagged(
    live_app: LiveApp, browser: Browser, tmp_path: Path
) -> None:
    contact, when = next_newsletter(live_app)
    with time_machine.travel(when + dt.timedelta(minutes=1), tick=True) as traveller:
        delivery, html = send_due_newsletters(live_app, contact, when)
        assert delivery.sent_at is not None
        links = re.findall(rf'href="({re.escape(live_app.base_url)}/t/c/[^"]+)"', html)
        assert links, "the newsletter has no tracked links"
        assert re.search(rf'<img src="{re.escape(live_app.base_url)}/t/o/', html)
        assert f'href="{live_app.base_url}/u/' in html  # the unsubscribe link goes straight to us

        traveller.move_to(delivery.sent_at + dt.timedelta(seconds=2))
        assert scanner_click(links[-1]) == 302

        traveller.move_to(delivery.sent_at + dt.timedelta(minutes=10))
        page_file = tmp_path / "newsletter.html"
        page_file.write_text(html)
        context = browser.new_context(viewport={"width": 600, "height": 900})
        reached: list[str] = []

        def outside(route: Route) -> None:  # the item pages are on the vendor's site: nothing leaves here
            reached.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<title>Item page</title><h1>Item page</h1>")

        context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), outside)
        page = context.new_page()
        with page.expect_response(lambda response: "/t/o/" in response.url) as pixel:
            page.goto(page_file.as_uri())
        assert pixel.value.status == 200
        screenshot(page, "newsletter-opened-from-eml")
        with context.expect_page() as opened:  # newsletter links open in a new tab (target=_blank)
            page.locator(f'a[href="{links[0]}"]').last.click()
        opened.value.get_by_role("heading", name="Item page").wait_for()
        assert reached, "the click did not arrive at the item's page"
        context.close()

    buffer = tracking_buffer(live_app.app)
    assert buffer is not None
    buffer.flush(everything=True)
    live_app.session.commit()  # a fresh snapshot: the events were written by the buffer's own session
    events = live_app.session.scalars(
        select(Event).where(Event.delivery_id == delivery.id, Event.kind.in_([EventKind.OPEN, EventKind.CLICK]))
    ).all()
    human = [(event.kind, event.detail.get("link")) for event in events if not event.automated]
    machine = [(event.kind, event.detail.get("machine")) for event in events if event.automated]
    assert sorted(kind for kind, _link in human) == [EventKind.CLICK, EventKind.OPEN]  # one human open, one click
    assert machine == [(EventKind.CLICK, "soon")]
    clicked = next(event for event in events if event.kind is EventKind.CLICK and not event.automated)
    assert clicked.content_item_id is not None

    # The newsletter period's report counts them so: one human open, one click, the scanner left out.
    with live_app.app.app_context():
        roll_up(live_app.session)
    live_app.session.commit()
    period = delivery.idempotency_key.split(":", 2)[2]
    report = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(report, live_app.base_url, DEMO_ADMIN_EMAIL)
    report.goto(f"{live_app.base_url}/admin/reports/periods/{period}")
    figures = {
        label: report.locator(".stat").filter(has=report.get_by_text(label, exact=True)).locator("dd").inner_text()
        for label in ("Unique opens", "Unique clicks", "Machine opens and scanner clicks (left out)")
    }
    screenshot(report, "period-report-after-one-reader")
    report.close()
    assert figures == {"Unique opens": "1", "Unique clicks": "1", "Machine opens and scanner clicks (left out)": "1"}
