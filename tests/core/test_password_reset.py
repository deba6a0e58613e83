"""Forgot your password: a single-use link by email, the same answer for any address, and a rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus
from core.audit import AuditEntry
from core.auth.models import User
from tests.conftest import csrf_token_from
from tests.core.mailbox import link_in, messages_to
from tests.factories import PASSWORD

NEW_PASSWORD = "copper-meadow-whistle-38"

pytestmark = pytest.mark.usefixtures("empty_trail")


def ask(client: FlaskClient, address: str):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/password/forgot")
    response = client.post("/password/forgot", data={"csrf_token": token, "email": address})
    response.close()  # the mail leaves once the answer is out, as a WSGI server closes it
    return response


def choose(client: FlaskClient, path: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/login")
    return client.post(path, data={"csrf_token": token, "password": password, "confirm": password})


def test_the_sign_in_page_links_to_forgot_password(client: FlaskClient) -> None:
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_the_known_one_gets_mail(
    app: Flask, client: FlaskClient, session: Session, marketer: User
) -> None:
    known, unknown = ask(client, marketer.email), ask(client, "nobody@vendor.example")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    [delivery] = session.scalars(select(Delivery)).all()
    assert (delivery.recipient_email, delivery.category) == (marketer.email, "password-reset")
    assert delivery.status is DeliveryStatus.SENT
    assert len(messages_to(app, marketer.email)) == 1


def test_the_link_sets_a_new_password_once_and_signs_out_other_sessions(
    app: Flask, client: FlaskClient, session: Session, marketer: User
) -> None:
    ask(client, marketer.email)
    path = link_in(messages_to(app, marketer.email)[0], "/password/reset/")
    assert client.get(path).status_code == 200
    assert choose(client, path, NEW_PASSWORD).status_code == 302
    session.refresh(marketer)
    assert marketer.check_password(NEW_PASSWORD)
    assert not marketer.check_password(PASSWORD)
    second = choose(app.test_client(), path, "another-brand-new-secret-7")
    assert second.status_code == 410
    session.refresh(marketer)
    assert marketer.check_password(NEW_PASSWORD)
    trail = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(marketer.id)).order_by(AuditEntry.id)
    ).all()
    assert trail == ["user.password_reset_requested", "user.password_reset"]


def test_a_reset_link_expires_after_an_hour(app: Flask, client: FlaskClient, marketer: User) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        ask(client, marketer.email)
        path = link_in(messages_to(app, marketer.email)[0], "/password/reset/")
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC), tick=False):
        expired = client.get(path)
    assert expired.status_code == 410
    assert "Send me a new link" in expired.get_data(as_text=True)


def test_a_deactivated_user_gets_no_mail(app: Flask, client: FlaskClient, session: Session, marketer: User) -> None:
    marketer.is_active = False
    session.flush()
    assert ask(client, marketer.email).status_code == 302
    assert messages_to(app, marketer.email) == []


def test_one_address_may_ask_five_times_an_hour(app: Flask, client: FlaskClient, marketer: User) -> None:
    statuses = [ask(client, marketer.email).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert ask(client, "someone.else@vendor.example").status_code == 302  # another address is not held up
