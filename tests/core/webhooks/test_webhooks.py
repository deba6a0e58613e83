"""Outbound webhooks: what happens here reaches a registered receiver, signed, retried, and visible."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.events import apply_address_event
from campaigns.delivery.models import EventKind
from core.auth.models import User
from core.db import utc_now
from core.scheduler import run_ticks
from core.webhooks import emit
from core.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from core.webhooks.registry import event_types
from core.webhooks.sender import SendOptions, deliver_due
from core.webhooks.services import create_endpoint
from subscribers.contact_editing import ContactDraft, create_contact
from subscribers.importer import import_contacts
from subscribers.links import unsubscribe_url
from subscribers.models import ConsentSource
from subscribers.schedule import Frequency
from subscribers.services import PreferenceChoice, update_preferences
from tests.conftest import csrf_token_from, refreshed, sign_in
from tests.core.webhooks.receiver import Receiver, webhook_receiver
from tests.subscribers.factories import ContactFactory, PartnerFactory

README = Path(__file__).resolve().parents[3] / "README.md"
OPTIONS = SendOptions(max_attempts=4, timeout_seconds=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


def register(app: Flask, session: Session, url: str, *types: str, active: bool = True) -> WebhookEndpoint:
    with app.app_context():
        endpoint = create_endpoint(
            session, url=url, description="CRM", event_types=list(types), known_types=event_types(app), by=None,
            https_only=False,
        )  # fmt: skip
    endpoint.is_active = active
    session.flush()
    return endpoint


def readme_verifier() -> Any:
    """The verification snippet from the README, run as a reader would paste it."""
    text = README.read_text()
    block = re.search(r"<!-- webhook-verify -->\s*```python\n(.*?)```", text, re.S)
    assert block, "the README has no webhook verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 (our own README's snippet)
    return namespace["verify_webhook"]


def test_a_one_click_unsubscribe_reaches_the_receiver_signed_as_the_readme_verifies(
    app: Flask, client: FlaskClient, session: Session, receiver: Receiver
) -> None:
    endpoint = register(app, session, receiver.url, "contact.unsubscribed")
    contact = ContactFactory.create(email="jan@partner.example")
    with app.test_request_context():
        path = unsubscribe_url(contact).split("://", 1)[1].partition("/")[2]
    assert client.post("/" + path, data={"List-Unsubscribe": "One-Click"}).status_code == 200

    stats = deliver_due(session, OPTIONS, owner="test")
    assert (stats.sent, stats.retry, stats.dead) == (1, 0, 0)
    [call] = receiver.calls
    event = json.loads(call.body)
    assert event["type"] == "contact.unsubscribed"
    assert event["data"] == {"contact_id": contact.id, "email": "jan@partner.example",
                             "partner_id": contact.partner_id, "source": "form", "detail": "one-click"}  # fmt: skip
    assert call.headers["webhook-id"].startswith("msg_")
    assert call.headers["webhook-signature"].startswith("v1,")
    verify = readme_verifier()
    assert verify(endpoint.secret, call.headers, call.body)
    assert not verify(endpoint.secret, call.headers, call.body.replace(b"jan@", b"eve@"))
    assert not verify("whsec_" + "A" * 44, call.headers, call.body)
    delivery = session.scalars(select(WebhookDelivery)).one()
    assert delivery.status is WebhookStatus.SENT
    assert [attempt.status_code for attempt in delivery.attempt_log] == [204]


def test_an_event_whose_change_is_rolled_back_sends_nothing(app: Flask, session: Session) -> None:
    register(app, session, "http://127.0.0.1:9/never", "contact.unsubscribed")
    nested = session.begin_nested()
    with app.app_context():
        emit(session, "contact.unsubscribed", {"contact_id": 1})
    nested.rollback()
    assert session.scalar(select(func.count(WebhookDelivery.id))) == 0


def test_only_active_receivers_of_that_event_get_it(app: Flask, session: Session) -> None:
    wanted = register(app, session, "http://127.0.0.1:9/a", "email.bounced", "contact.unsubscribed")
    register(app, session, "http://127.0.0.1:9/b", "contact.created")
    register(app, session, "http://127.0.0.1:9/c", "email.bounced", active=False)
    with app.app_context():
        apply_address_event(
            session, "Gone@Partner.example", EventKind.BOUNCE, source="sendgrid", detail="550 no such user",
            at=utc_now(), soft_bounce_limit=3,
        )  # fmt: skip
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    assert delivery.endpoint_id == wanted.id
    body = json.loads(delivery.body)
    assert body["type"] == "email.bounced"
    assert body["data"]["email"] == "gone@partner.example"


def test_an_unknown_event_type_is_a_programming_error(app: Flask, session: Session) -> None:
    with app.app_context(), pytest.raises(ValueError, match="never registered"):
        emit(session, "contact.teleported", {})


def test_an_import_and_a_preference_change_are_events_too(app: Flask, session: Session) -> None:
    register(app, session, "http://127.0.0.1:9/crm", "contact.created", "contact.preferences_changed")
    data = b"Email,Partner,Tier,Type,Country\nnew@acme.example,Acme BV,gold,solution,NL\n"
    with app.app_context():
        report = import_contacts(session, data, file_name="crm.csv", tiers=("registered", "silver", "gold", "platinum"))
        assert report.contacts_created == 1
        contact = ContactFactory.create()
        choice = PreferenceChoice(interests=[], frequency=Frequency.MONTHLY, preferred_weekday=2, preferred_hour=8,
                                  locale="de")  # fmt: skip
        assert update_preferences(session, contact, choice, source=ConsentSource.FORM)
    kinds = [
        json.loads(body)["type"] for body in session.scalars(select(WebhookDelivery.body).order_by(WebhookDelivery.id))
    ]
    assert kinds == ["contact.created", "contact.preferences_changed"]
    changed = json.loads(
        session.scalars(select(WebhookDelivery.body).order_by(WebhookDelivery.id.desc())).first() or ""
    )
    assert changed["data"]["frequency"] == "monthly"
    assert changed["data"]["locale"] == "de"


def test_a_failing_receiver_is_retried_with_growing_gaps_then_dead_and_shown(
    app: Flask, client: FlaskClient, session: Session, receiver: Receiver, admin: User
) -> None:
    receiver.status = 500
    endpoint = register(app, session, receiver.url, "contact.unsubscribed")
    with app.app_context():
        emit(session, "contact.unsubscribed", {"contact_id": 7})
    delivery = session.scalars(select(WebhookDelivery)).one()
    moment, gaps = utc_now(), []
    for attempt in range(1, OPTIONS.max_attempts + 1):
        clock = functools.partial(lambda at: at, moment)
        stats = deliver_due(session, OPTIONS, owner="test", clock=clock)
        delivery = refreshed(session, delivery)
        assert delivery.attempts == attempt
        if attempt < OPTIONS.max_attempts:
            assert stats.retry == 1
            assert delivery.status is WebhookStatus.QUEUED
            # Not due before its time: a batch now claims nothing.
            assert deliver_due(session, OPTIONS, owner="test", clock=clock).retry == 0
            gaps.append((delivery.next_attempt_at - moment).total_seconds())
            moment = delivery.next_attempt_at
    assert delivery.status is WebhookStatus.DEAD
    assert len(receiver.calls) == OPTIONS.max_attempts
    assert len({call.headers["webhook-id"] for call in receiver.calls}) == 1  # one message, tried again
    assert 15 <= gaps[0] <= 30
    assert gaps == sorted(gaps)
    sign_in(client, admin)
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "Dead" in page
    assert "answered 500" in page
    overview = client.get("/admin/webhooks/").get_data(as_text=True)
    assert "⚠ 1" in overview
    csrf = csrf_token_from(client, f"/admin/webhooks/{endpoint.id}")
    assert client.post(f"/admin/webhooks/deliveries/{delivery.id}/again", data={"csrf_token": csrf}).status_code == 302
    assert refreshed(session, delivery).status is WebhookStatus.QUEUED
    receiver.status = 200
    assert deliver_due(session, OPTIONS, owner="test").sent == 1


def test_the_scheduler_sends_webhooks_itself_with_the_file_transport(
    app: Flask, session: Session, receiver: Receiver
) -> None:
    register(app, session, receiver.url, "contact.unsubscribed")
    with app.app_context():
        emit(session, "contact.unsubscribed", {"contact_id": 9})
    outcomes = run_ticks(app)
    assert outcomes["webhooks"] == "1 sent, 0 to retry, 0 dead"
    assert receiver.arrived.is_set()


def test_an_admin_registers_a_receiver_and_sees_its_secret_once(
    client: FlaskClient, session: Session, admin: User
) -> None:
    sign_in(client, admin)
    csrf = csrf_token_from(client, "/admin/webhooks/")
    response = client.post("/admin/webhooks/", data={
        "csrf_token": csrf, "url": "https://crm.partner.example/hooks", "description": "Salesforce",
        "event_types": ["contact.unsubscribed", "kit.downloaded"], "is_active": "y",
    })  # fmt: skip
    assert response.status_code == 200
    endpoint = session.scalars(select(WebhookEndpoint)).one()
    assert endpoint.secret in response.get_data(as_text=True)
    assert endpoint.event_types == ["contact.unsubscribed", "kit.downloaded"]
    assert endpoint.secret not in client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    bad = client.post("/admin/webhooks/", data={"csrf_token": csrf, "url": "ftp://x", "event_types": []})
    assert bad.status_code == 400
    assert "Receiver URL" in bad.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_nobody_but_admins_sees_or_registers_receivers(client: FlaskClient, session: Session, role: str) -> None:
    from tests.factories import UserFactory

    sign_in(client, UserFactory.create(role=role))
    assert client.get("/admin/webhooks/").status_code == 403
    assert client.post("/admin/webhooks/", data={"url": "https://x.example"}).status_code in (400, 403)
    assert session.scalar(select(func.count(WebhookEndpoint.id))) == 0


def test_a_dead_workers_lease_runs_out_and_another_sends_the_delivery(
    app: Flask, session: Session, receiver: Receiver
) -> None:
    from core.webhooks.sender import LEASE_SECONDS, claim

    register(app, session, receiver.url, "contact.unsubscribed")
    with app.app_context():
        emit(session, "contact.unsubscribed", {"contact_id": 3})
    moment = utc_now()
    assert len(claim(session, owner="worker-that-dies", now=moment, limit=10)) == 1
    assert deliver_due(session, OPTIONS, owner="other", clock=lambda: moment).sent == 0  # still leased
    later = moment + dt.timedelta(seconds=LEASE_SECONDS + 1)
    assert deliver_due(session, OPTIONS, owner="other", clock=lambda: later).sent == 1
    assert len(receiver.calls) == 1


def test_a_contact_added_by_staff_is_announced_to_integrations(app: Flask, session: Session, admin: User) -> None:
    register(app, session, "http://127.0.0.1:9/crm", "contact.created")
    partner = PartnerFactory.create()
    choice = PreferenceChoice(interests=[], frequency=Frequency.MONTHLY, preferred_weekday=2, preferred_hour=8,
                              locale="nl", timezone="Europe/Amsterdam")  # fmt: skip
    with app.app_context():
        contact = create_contact(session, partner, ContactDraft("ann@acme.example", "Ann", "", choice), by=admin)
    [body] = session.scalars(select(WebhookDelivery.body)).all()
    event = json.loads(body)
    assert (event["type"], event["data"]["contact_id"], event["data"]["source"]) == (
        "contact.created",
        contact.id,
        "admin",
    )
