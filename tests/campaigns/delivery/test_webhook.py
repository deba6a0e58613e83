import datetime as dt
import json
import logging
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind
from core.config import ConfigError, load_settings
from subscribers.models import Suppression, SuppressionReason
from subscribers.suppression import is_suppressed
from tests.campaigns.delivery.conftest import WebhookKeys, a_body, post_events, queue

NOW = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def delivery(session: Session) -> Delivery:
    (delivery,) = queue(session, a_body(session), 1)
    delivery.status = DeliveryStatus.SENT
    session.flush()
    return delivery


def event(delivery: Delivery, kind: str, event_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "email": delivery.recipient_email,
        "timestamp": int(NOW.timestamp()) - 60,
        "event": kind,
        "sg_event_id": event_id,
        "sg_message_id": "abc.filter0001",
        "delivery_id": str(delivery.id),
        **extra,
    }


def events_of(session: Session) -> list[tuple[EventKind, int | None]]:
    return [(e.kind, e.delivery_id) for e in session.scalars(select(Event).order_by(Event.id))]


@time_machine.travel(NOW, tick=False)
def test_signed_events_are_recorded_against_their_message(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    response = post_events(
        client,
        webhook_keys,
        [event(delivery, "delivered", "e1"), event(delivery, "click", "e2", url="https://vendor.example/x")],
        at=NOW,
    )
    assert response.status_code == 200
    assert response.json == {"recorded": 2, "duplicates": 0, "ignored": 0}
    assert events_of(session) == [(EventKind.DELIVERED, delivery.id), (EventKind.CLICK, delivery.id)]
    click = session.scalars(select(Event).where(Event.kind == EventKind.CLICK)).one()
    assert click.detail["url"] == "https://vendor.example/x"
    assert click.contact_id == delivery.contact_id


@time_machine.travel(NOW, tick=False)
def test_a_hard_bounce_stops_all_mail_to_the_address_but_a_block_does_not(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    post_events(client, webhook_keys, [event(delivery, "bounce", "e1", type="blocked", reason="greylisted")], at=NOW)
    assert not is_suppressed(session, delivery.recipient_email)

    post_events(
        client, webhook_keys, [event(delivery, "bounce", "e2", type="bounce", reason="550 no such user")], at=NOW
    )
    entry = session.scalars(select(Suppression)).one()
    assert entry.reason is SuppressionReason.BOUNCED
    assert "550 no such user" in entry.detail


@time_machine.travel(NOW, tick=False)
def test_a_spam_report_suppresses_the_address_as_a_complaint(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    post_events(client, webhook_keys, [event(delivery, "spamreport", "e1")], at=NOW)
    assert session.scalars(select(Suppression)).one().reason is SuppressionReason.COMPLAINED


@time_machine.travel(NOW, tick=False)
def test_an_event_settles_an_uncertain_message_as_sent(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    delivery.status = DeliveryStatus.UNCERTAIN
    session.flush()
    post_events(client, webhook_keys, [event(delivery, "processed", "e1")], at=NOW)
    session.refresh(delivery)
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.provider_message_id == "abc.filter0001"


@time_machine.travel(NOW, tick=False)
def test_a_signature_made_ten_minutes_ago_is_refused_as_a_replay(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    response = post_events(
        client, webhook_keys, [event(delivery, "spamreport", "e1")], at=NOW - dt.timedelta(minutes=10)
    )
    assert response.status_code == 403
    assert events_of(session) == []
    assert not is_suppressed(session, delivery.recipient_email)


@time_machine.travel(NOW, tick=False)
def test_a_replayed_event_is_recorded_once(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    post_events(client, webhook_keys, [event(delivery, "open", "e1")], at=NOW)
    again = post_events(client, webhook_keys, [event(delivery, "open", "e1")], at=NOW)
    assert again.status_code == 200
    assert again.json == {"recorded": 0, "duplicates": 1, "ignored": 0}
    assert events_of(session) == [(EventKind.OPEN, delivery.id)]


@time_machine.travel(NOW, tick=False)
def test_a_body_changed_by_one_byte_is_refused(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    body = json.dumps([event(delivery, "spamreport", "e1")]).encode()
    headers = webhook_keys.sign(body, int(NOW.timestamp()))
    tampered = body.replace(b"spamreport", b"spamrepors")
    response = client.post("/webhooks/sendgrid", data=tampered, headers=headers, content_type="application/json")
    assert response.status_code == 403
    assert events_of(session) == []


@time_machine.travel(NOW, tick=False)
def test_an_event_for_an_unknown_message_is_ignored_and_logged(
    client: FlaskClient,
    session: Session,
    webhook_keys: WebhookKeys,
    delivery: Delivery,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stranger = {**event(delivery, "spamreport", "e1"), "delivery_id": "999999"}
    with caplog.at_level(logging.WARNING, logger="channelcast.delivery.events"):
        response = post_events(client, webhook_keys, [stranger], at=NOW)
    assert response.status_code == 200
    assert response.json == {"recorded": 0, "duplicates": 0, "ignored": 1}
    assert "delivery_id='999999'" in caplog.text
    assert events_of(session) == []
    assert not is_suppressed(session, delivery.recipient_email)


@time_machine.travel(NOW, tick=False)
def test_unsigned_requests_and_bodies_over_a_megabyte_are_refused(
    client: FlaskClient, session: Session, webhook_keys: WebhookKeys, delivery: Delivery
) -> None:
    unsigned = client.post("/webhooks/sendgrid", json=[event(delivery, "spamreport", "e1")])
    assert unsigned.status_code == 403
    huge = b"[" + b" " * (1024 * 1024) + b"]"
    too_big = client.post(
        "/webhooks/sendgrid",
        data=huge,
        headers=webhook_keys.sign(huge, int(NOW.timestamp())),
        content_type="application/json",
    )
    assert too_big.status_code == 413
    assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_a_webhook_key_that_is_not_an_ec_public_key_stops_the_app_at_start_up() -> None:
    with pytest.raises(ConfigError, match="SENDGRID_WEBHOOK_PUBLIC_KEY"):
        load_settings({"SENDGRID_WEBHOOK_PUBLIC_KEY": "bm90IGEga2V5", "SECRET_KEY": "x" * 40}, dotenv=None)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("kind", "extra", "status"),
    [
        ("bounce", {"type": "bounce", "reason": "550 no such user"}, "bounced"),
        ("spamreport", {}, "complained"),
        ("unsubscribe", {}, "unsubscribed"),
    ],
)
def test_a_contact_whose_address_bounced_complained_or_unsubscribed_is_stopped_with_a_consent_record(
    client: FlaskClient,
    session: Session,
    webhook_keys: WebhookKeys,
    kind: str,
    extra: dict[str, str],
    status: str,
) -> None:
    from tests.subscribers.factories import ContactFactory

    contact = ContactFactory.create()
    (delivery,) = queue(session, a_body(session), 1)
    delivery.recipient_email, delivery.contact_id = contact.email, contact.id
    session.flush()
    post_events(client, webhook_keys, [event(delivery, kind, "e-stop", **extra)], at=NOW)
    session.refresh(contact)
    assert contact.status.value == status
    assert is_suppressed(session, contact.email)
    assert contact.consent_records[-1].source.value == "provider"
