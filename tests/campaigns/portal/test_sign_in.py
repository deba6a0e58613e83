"""Partner marketers sign in with a single-use link valid for 15 minutes, and nothing else gets them in."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from urllib.parse import urlsplit

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus
from core.auth.models import User
from subscribers.models import PartnerUser
from tests.campaigns.portal.conftest import link_in, outbox_files, portal_client
from tests.conftest import csrf_token_from, sign_in


def ask_for_link(client: FlaskClient, address: str) -> int:
    token = csrf_token_from(client, "/portal/sign-in")
    return client.post("/portal/sign-in", data={"email": address, "csrf_token": token}).status_code


def use(client: FlaskClient, link: str) -> tuple[int, str]:
    path = urlsplit(link).path
    token = csrf_token_from(client, path)
    response = client.post(path, data={"csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_the_known_one_gets_mail(
    app: Flask, client: FlaskClient, session: Session, marketer_at_acme: PartnerUser
) -> None:
    known = client.post(
        "/portal/sign-in",
        data={"email": "sanne@acme-it.example", "csrf_token": csrf_token_from(client, "/portal/sign-in")},
    )
    unknown = client.post(
        "/portal/sign-in",
        data={"email": "nobody@acme-it.example", "csrf_token": csrf_token_from(client, "/portal/sign-in")},
    )
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    deliveries = session.scalars(select(Delivery)).all()
    assert [d.recipient_email for d in deliveries] == ["sanne@acme-it.example"]
    assert deliveries[0].category == "portal-sign-in"
    assert deliveries[0].status is DeliveryStatus.SENT  # sent during the request, not a minute later


def test_the_sign_in_mail_is_in_the_users_language_with_the_postal_address(
    app: Flask, client: FlaskClient, marketer_at_acme: PartnerUser
) -> None:
    ask_for_link(client, "sanne@acme-it.example")
    [eml] = outbox_files(app)
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "15 minuten" in text
    assert app.config["CHANNELCAST"].postal_address in text
    assert "/portal/sign-in" in message["List-Unsubscribe"]


def test_the_link_signs_in_once_and_a_second_use_gets_the_expired_page(
    app: Flask, client: FlaskClient, marketer_at_acme: PartnerUser
) -> None:
    ask_for_link(client, "sanne@acme-it.example")
    link = link_in(outbox_files(app)[0])
    assert client.get(urlsplit(link).path).status_code == 200  # a mail scanner's GET spends nothing
    status, _page = use(client, link)
    assert status == 302
    assert "Acme" in client.get("/portal/").get_data(as_text=True)
    status, page = use(app.test_client(), link)
    assert status == 410
    assert "verlopen" in page or "expired" in page


def test_a_link_older_than_15_minutes_gets_the_expired_page(
    app: Flask, client: FlaskClient, marketer_at_acme: PartnerUser
) -> None:
    ask_for_link(client, "sanne@acme-it.example")
    link = link_in(outbox_files(app)[0])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        fresh = app.test_client()
        status, page = use(fresh, link)
        assert status == 410
        assert "Send me a new link" in page
        assert fresh.get("/portal/").status_code == 302


def test_a_made_up_link_gets_the_same_friendly_page(app: Flask, client: FlaskClient) -> None:
    status, page = use(client, "http://x/portal/sign-in/1.1.65f0.AAAAAAAAAAAAAAAAAAAAAA")
    assert status == 410
    assert "This link has expired" in page


def test_asking_for_links_too_often_is_refused_for_the_hour(
    app: Flask, client: FlaskClient, marketer_at_acme: PartnerUser
) -> None:
    statuses = [ask_for_link(client, "sanne@acme-it.example") for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert len(outbox_files(app)) == 5


def test_a_vendor_user_is_not_a_portal_user_and_a_portal_user_is_not_a_vendor_user(
    app: Flask, marketer: User, marketer_at_acme: PartnerUser
) -> None:
    vendor = sign_in(app.test_client(), marketer)
    assert vendor.get("/portal/").status_code == 302
    partner = portal_client(app.test_client(), marketer_at_acme)
    assert partner.get("/portal/").status_code == 200
    assert partner.get("/campaigns/").status_code == 302  # to the vendor sign-in page


def test_a_deactivated_partner_user_is_signed_out_and_gets_no_link(
    app: Flask, client: FlaskClient, session: Session, marketer_at_acme: PartnerUser
) -> None:
    portal_client(client, marketer_at_acme)
    marketer_at_acme.is_active = False
    session.flush()
    assert client.get("/portal/").status_code == 302
    ask_for_link(client, "sanne@acme-it.example")
    assert outbox_files(app) == []


def test_an_administrator_adds_a_portal_user_from_the_command_line(
    app: Flask, session: Session, marketer_at_acme: PartnerUser
) -> None:
    runner = app.test_cli_runner()
    partner_id = marketer_at_acme.partner_id
    added = runner.invoke(args=["portal-users", "add", "--partner", str(partner_id), "--email", "New@Acme-IT.example"])
    assert added.exit_code == 0, added.output
    user = session.scalars(select(PartnerUser).where(PartnerUser.email == "new@acme-it.example")).one()
    assert user.locale == "nl"  # the partner's language
    twice = runner.invoke(args=["portal-users", "add", "--partner", str(partner_id), "--email", "new@acme-it.example"])
    assert twice.exit_code == 1
    assert "already" in twice.output
