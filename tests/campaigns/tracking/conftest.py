"""Tracking fixtures: a newsletter body with two item links, sent through a real transport."""

from __future__ import annotations

import datetime as dt
import email
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event, RenderedBody
from campaigns.delivery.outbox import store_body
from campaigns.delivery.worker import tracking_from_settings
from campaigns.tracking import tracking_buffer
from core.config import Settings
from core.mail.transports import FileTransport, Transport
from tests.campaigns.delivery.conftest import POSTAL, SENDER, START, FakeClock, make_worker, queue
from tests.campaigns.delivery.conftest import fake_sendgrid as fake_sendgrid
from tests.conftest import make_settings

BASE = "https://news.vendor.example"
STORAGE_URL = "https://vendor.example/storage?utm=news&x=1"
CLOUD_URL = "https://vendor.example/cloud"
STORAGE_ITEM, CLOUD_ITEM = 101, 202
LATER = START + dt.timedelta(minutes=30)  # well after sending: a person


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return make_settings(
        tmp_path, engine.url.render_as_string(hide_password=False),
        POSTAL_ADDRESS=POSTAL, MAIL_FROM=SENDER, PUBLIC_BASE_URL=BASE,
    )  # fmt: skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def newsletter_body(session: Session) -> RenderedBody:
    """Two cards (the storage card's link appears twice, as image and button) and the footer links."""
    html = (
        "<html><body><p>Hello %%name.html%%,</p>"
        f'<a href="{STORAGE_URL.replace("&", "&amp;")}"><img src="https://vendor.example/i.png" alt=""></a>'
        f'<a class="button" href="{STORAGE_URL.replace("&", "&amp;")}">Read about storage</a>'
        f'<a href="{CLOUD_URL}">Read about cloud</a>'
        '<p><a href="%%preferences_url.html%%">Preferences</a> · <a href="%%unsubscribe_url.html%%">Unsubscribe</a></p>'
        f"<p>{POSTAL}</p></body></html>"
    )
    text = (
        f"Hello %%name%%,\n\nStorage: {STORAGE_URL}\nCloud: {CLOUD_URL}\n\n"
        f"Preferences: %%preferences_url%%\nUnsubscribe: %%unsubscribe_url%%\n{POSTAL}\n"
    )
    return store_body(
        session, "News for %%name%%", html, text, postal_address=POSTAL,
        link_items={STORAGE_URL: STORAGE_ITEM, CLOUD_URL: CLOUD_ITEM},
    )  # fmt: skip


@dataclass(frozen=True)
class Sent:
    """One newsletter as it left: its row, and its HTML and text as the recipient gets them."""

    delivery: Delivery
    html: str
    text: str

    def links(self) -> list[str]:
        return re.findall(r'href="(https://news\.vendor\.example/t/c/[^"]+)"', self.html)

    @property
    def pixel(self) -> str:
        found = re.search(r'<img src="(https://news\.vendor\.example/t/o/[^"]+)"', self.html)
        assert found, "no pixel in the newsletter"
        return found.group(1)


def path_of(url: str) -> str:
    return urlsplit(url).path


def send_newsletters(
    session: Session, settings: Settings, clock: FakeClock, tmp_path: Path, count: int = 1, *,
    category: str = "digest", transport: Transport | None = None,
) -> list[Sent]:  # fmt: skip
    """Queue `count` newsletters and let a worker (with the settings' tracking) send them as files."""
    body = newsletter_body(session)
    rows = queue(session, body, count, category=category)
    outbox = tmp_path / "outbox"
    worker = make_worker(session, transport or FileTransport(outbox, SENDER), clock,
                         tracking=tracking_from_settings(settings))  # fmt: skip
    worker.run(drain=True)
    sent = []
    for row in rows:
        session.refresh(row)
        path = outbox / f"message-{row.id}.eml"
        if not path.exists():
            sent.append(Sent(row, "", ""))
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        html, text = message.get_body(("html",)), message.get_body(("plain",))
        assert html is not None
        assert text is not None
        sent.append(Sent(row, html.get_content(), text.get_content()))
    return sent


def recorded(app: Flask, session: Session) -> list[Event]:
    """Write what the endpoints buffered, then every open and click event, oldest first."""
    buffer = tracking_buffer(app)
    assert buffer is not None
    buffer.flush(everything=True)
    session.expire_all()
    return list(session.scalars(select(Event).where(Event.kind.in_(["open", "click"])).order_by(Event.id)))
