"""Delivery fixtures: a fake SendGrid, a webhook key pair, a clock that sleeps instantly, outbox helpers."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bench.fake_sendgrid import FakeSendGrid
from campaigns.delivery.events import SIGNATURE_HEADER, TIMESTAMP_HEADER
from campaigns.delivery.models import Delivery, RenderedBody
from campaigns.delivery.outbox import NewDelivery, enqueue, store_body
from campaigns.delivery.worker import Worker, WorkerOptions
from core.config import Settings
from core.mail.transports import SendGridTransport, Transport
from tests.campaigns.delivery.dovecot import Dovecot, unavailable_reason
from tests.conftest import make_settings

POSTAL = "Channelcast Test BV, Keizersgracht 1, 1015 CJ Amsterdam, NL"
SENDER = "Channelcast <news@channelcast.example>"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class FakeClock:
    """The worker's clock and sleep: sleeping moves time on at once and is written down."""

    now: dt.datetime = START
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += dt.timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass(frozen=True)
class WebhookKeys:
    private_key: ec.EllipticCurvePrivateKey
    public_key: str  # base64 DER, as SendGrid shows it

    def sign(self, body: bytes, timestamp: int) -> dict[str, str]:
        signature = self.private_key.sign(str(timestamp).encode() + body, ec.ECDSA(hashes.SHA256()))
        return {SIGNATURE_HEADER: base64.b64encode(signature).decode(), TIMESTAMP_HEADER: str(timestamp)}


@pytest.fixture(scope="session")
def webhook_keys() -> WebhookKeys:
    private_key = ec.generate_private_key(ec.SECP256R1())
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return WebhookKeys(private_key, base64.b64encode(der).decode())


@pytest.fixture
def settings(tmp_path: Path, engine: Engine, webhook_keys: WebhookKeys) -> Settings:
    return make_settings(
        tmp_path,
        engine.url.render_as_string(hide_password=False),
        POSTAL_ADDRESS=POSTAL,
        MAIL_FROM=SENDER,
        SENDGRID_WEBHOOK_PUBLIC_KEY=webhook_keys.public_key,
    )


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as fake:
        yield fake


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """One real IMAP/POP3 server (Debian's dovecot) for the whole run, on free loopback ports."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = Dovecot().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Iterator[Dovecot]:
    """The server with an empty inbox before and after the test."""
    dovecot_server.empty()
    yield dovecot_server
    dovecot_server.empty()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def sendgrid_transport(fake: FakeSendGrid, *, timeout: float = 5) -> SendGridTransport:
    return SendGridTransport(fake.api_key, SENDER, host=fake.url, timeout=timeout)


def make_worker(session: Session, transport: Transport, clock: FakeClock, **options: Any) -> Worker:
    import random

    settings = {"backoff_seconds": 30, "poll_seconds": 5, "sender_domain": "channelcast.example", **options}
    return Worker(
        session,
        transport,
        WorkerOptions(**settings),
        owner="test-worker",
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(8),
    )


def a_body(session: Session, topic: str = "storage") -> RenderedBody:
    return store_body(
        session,
        f"{topic.title()} news for %%name%%",
        f"<p>Hello %%name.html%%, here is the {topic} news.</p>"
        '<p><a href="%%unsubscribe_url.html%%">Unsubscribe</a> · '
        '<a href="%%preferences_url.html%%">Preferences</a></p>'
        f"<p>{POSTAL}</p>",
        f"Hello %%name%%, here is the {topic} news.\n\nUnsubscribe: %%unsubscribe_url%%\n"
        f"Preferences: %%preferences_url%%\n{POSTAL}\n",
        postal_address=POSTAL,
    )


def fields_for(n: int, name: str = "") -> dict[str, str]:
    return {
        "name": name or f"Contact {n}",
        "unsubscribe_url": f"https://partners.example/u/token-{n}",
        "preferences_url": f"https://partners.example/p/token-{n}",
    }


def queue(
    session: Session,
    body: RenderedBody,
    count: int,
    *,
    start: int = 0,
    category: str = "digest",
    key_prefix: str = "",
) -> list[Delivery]:
    """`count` messages with this body to contact<n>@partner.example, queued now (by the test clock)."""
    enqueue(
        session,
        [
            NewDelivery(
                idempotency_key=f"{key_prefix or category}:{body.id}:{n}",
                body=body,
                recipient_email=f"contact{n}@partner.example",
                recipient_name=f"Contact {n}",
                contact_id=n,
                fields=fields_for(n),
                category=category,
            )
            for n in range(start, start + count)
        ],
        now=START,
    )
    session.flush()
    keys = select(Delivery).where(Delivery.idempotency_key.startswith(f"{key_prefix or category}:{body.id}:"))
    return list(session.scalars(keys.order_by(Delivery.id)))


def statuses(session: Session) -> dict[str, int]:
    session.expire_all()
    counts: dict[str, int] = {}
    for delivery in session.scalars(select(Delivery)):
        counts[delivery.status.value] = counts.get(delivery.status.value, 0) + 1
    return counts


def post_events(client: FlaskClient, keys: WebhookKeys, events: list[dict[str, Any]], *, at: dt.datetime) -> Any:
    body = json.dumps(events).encode()
    headers = keys.sign(body, int(at.timestamp()))
    return client.post("/webhooks/sendgrid", data=body, headers=headers, content_type="application/json")
