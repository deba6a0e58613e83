import dataclasses
import datetime as dt
import re

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from campaigns.delivery.bounces import READ_BEAT
from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind, KeptMailboxMessage
from core.auth.models import User
from core.config import MailboxSettings, Settings
from core.scheduler import record_heartbeat
from subscribers.models import SuppressionReason
from subscribers.suppression import suppress
from tests.campaigns.delivery.conftest import a_body, queue
from tests.conftest import csrf_token_from, sign_in


def a_dead_message(session: Session) -> Delivery:
    deliveries = queue(session, a_body(session), 3)
    dead = deliveries[0]
    dead.status, dead.attempts, dead.last_error = DeliveryStatus.DEAD, 8, "SendGrid 503: try again later"
    deliveries[1].status = DeliveryStatus.SENT
    session.flush()
    return dead


def test_the_dashboard_shows_the_outbox_now_by_the_hour_and_its_errors(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    a_dead_message(session)
    page = sign_in(client, marketer).get("/admin/delivery/").get_data(as_text=True)
    assert "<dt>Queued</dt><dd>1</dd>" in page
    assert "<dt>Dead</dt><dd>1</dd>" in page
    assert "SendGrid 503: try again later" in page
    assert "The last 24 hours" in page


def test_viewers_do_not_see_delivery_and_strangers_must_sign_in(client: FlaskClient, viewer: User) -> None:
    assert client.get("/admin/delivery/").status_code == 302
    assert sign_in(client, viewer).get("/admin/delivery/").status_code == 403


def test_an_admin_sends_a_dead_message_again_with_the_retry_button(
    client: FlaskClient, session: Session, admin: User
) -> None:
    dead = a_dead_message(session)
    sign_in(client, admin)
    page = client.get("/admin/delivery/messages/dead").get_data(as_text=True)
    assert dead.recipient_email in page
    assert "Retry" in page

    token = csrf_token_from(client, "/admin/delivery/messages/dead")
    response = client.post(f"/admin/delivery/messages/{dead.id}/retry", data={"csrf_token": token})

    assert response.status_code == 302
    session.refresh(dead)
    assert dead.status is DeliveryStatus.QUEUED
    assert dead.attempts == 0
    assert "is queued again" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_marketer_sees_dead_messages_but_cannot_retry_them(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    dead = a_dead_message(session)
    sign_in(client, marketer)
    page = client.get("/admin/delivery/messages/dead").get_data(as_text=True)
    assert dead.recipient_email in page
    assert "Retry" not in page
    token = csrf_token_from(client, "/admin/delivery/")
    assert client.post(f"/admin/delivery/messages/{dead.id}/retry", data={"csrf_token": token}).status_code == 403


def test_an_uncertain_message_can_be_marked_as_sent_after_checking_the_provider(
    client: FlaskClient, session: Session, admin: User
) -> None:
    (delivery,) = queue(session, a_body(session), 1)
    delivery.status = DeliveryStatus.UNCERTAIN
    session.flush()
    sign_in(client, admin)
    token = csrf_token_from(client, "/admin/delivery/messages/uncertain")
    client.post(f"/admin/delivery/messages/{delivery.id}/mark-sent", data={"csrf_token": token})
    session.refresh(delivery)
    assert delivery.status is DeliveryStatus.SENT


def test_the_suppression_list_shows_each_address_with_its_reason(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    suppress(session, "gone@partner.example", SuppressionReason.BOUNCED, source="sendgrid", detail="550 no such user")
    suppress(session, "angry@partner.example", SuppressionReason.COMPLAINED, source="sendgrid")
    sign_in(client, marketer)
    page = client.get("/admin/delivery/suppressions").get_data(as_text=True)
    assert "gone@partner.example" in page
    assert "550 no such user" in page
    assert "angry@partner.example" in page
    bounced = client.get("/admin/delivery/suppressions?reason=bounced").get_data(as_text=True)
    assert "gone@partner.example" in bounced
    assert "angry@partner.example" not in bounced


# ---------------------------------------------------------------------------------------------- rates and the mailbox


def sent_on(session: Session, day: dt.datetime, count: int, *, start: int) -> list[Delivery]:
    deliveries = queue(session, a_body(session, f"topic{start}"), count, start=start, key_prefix=f"day{start}")
    for delivery in deliveries:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, day
    session.flush()
    return deliveries


def events(session: Session, kind: EventKind, deliveries: list[Delivery], day: dt.datetime) -> None:
    for delivery in deliveries:
        session.add(Event(kind=kind, delivery_id=delivery.id, contact_id=None, occurred_at=day, detail={}))
    session.flush()


@time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_the_dashboard_shows_daily_rates_and_warns_above_the_providers_limits(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    today, yesterday = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)
    calm = sent_on(session, yesterday, 100, start=0)
    events(session, EventKind.SOFT_BOUNCE, calm[:1], yesterday)  # soft bounces are counted, not rated
    busy = sent_on(session, today, 100, start=100)
    events(session, EventKind.BOUNCE, busy[:3], today)  # 3%: over 2%
    events(session, EventKind.SPAMREPORT, busy[3:4], today)  # 1%: over 0.3%
    events(session, EventKind.SOFT_BOUNCE, busy[4:6], today)

    page = sign_in(client, marketer).get("/admin/delivery/").get_data(as_text=True)
    rows = {
        match[0]: match[1]
        for match in re.findall(r'<th scope="row">([A-Z][a-z]{2} \d\d?, \d{4})</th>(.*?)</tr>', page, re.S)
    }
    cells = {day: re.findall(r'<td class="num"[^>]*>(.*?)</td>', row, re.S) for day, row in rows.items()}
    assert [re.sub(r"<[^>]+>", "", c).split()[0] for c in cells["Mar 10, 2026"]] == [
        "100",
        "3",
        "3.00%",
        "2",
        "1",
        "1.00%",
    ]
    assert "over 2%" in cells["Mar 10, 2026"][2]
    assert "over 0.3%" in cells["Mar 10, 2026"][5]
    assert cells["Mar 9, 2026"][2] == "0.00%"
    assert "Complaints are too high:" in page
    assert "Bounces are too high:" not in page  # 3 of 200 over the fortnight: 1.5%
    assert len(rows) == 14


def test_the_mailbox_page_shows_a_read_error_and_the_messages_kept_for_a_person(
    client: FlaskClient, session: Session, marketer: User, app: Flask, settings: Settings
) -> None:
    app.config["CHANNELCAST"] = dataclasses.replace(
        settings, bounce_mailbox=MailboxSettings("imap", True, "imap.vendor.example", 993, "bounces", "secret")
    )
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    error = "imaps://bounces@imap.vendor.example:993/INBOX: the IMAP server said: [AUTHENTICATIONFAILED] failed."
    record_heartbeat(session, READ_BEAT, now, f"error: {error}")
    reason = "the bounce address bounces+1.0.0.x@b.example carries a forged or damaged token"
    session.add(KeptMailboxMessage(mailbox="x", uid="1:7", subject="Undelivered Mail Returned to Sender",
                                   sender="MAILER-DAEMON@mx.partner.example", size=4096, first_seen_at=now,
                                   reason=reason))  # fmt: skip
    session.flush()
    sign_in(client, marketer)
    page = client.get("/admin/delivery/mailbox").get_data(as_text=True)
    assert "The mailbox could not be read" in page
    assert "[AUTHENTICATIONFAILED]" in page
    assert "secret" not in page
    assert "forged or damaged token" in page
    assert "Undelivered Mail Returned to Sender" in page
    assert "cannot be read" in client.get("/admin/delivery/").get_data(as_text=True)
