"""The bounce and complaint mailbox, read from a real IMAP and POP3 server (dovecot on loopback)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from campaigns.delivery import send_outbox_tick
from campaigns.delivery.bounces import READ_BEAT, bounce_mailbox_tick, read_bounce_mailbox
from campaigns.delivery.events import key_digest
from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind, KeptMailboxMessage
from core.auth.links import LinkSigner
from core.config import MailboxSettings, Settings
from core.mail.verp import VerpAddresses
from core.models import Heartbeat
from subscribers.models import Contact, ContactStatus, Suppression, SuppressionReason
from subscribers.suppression import is_suppressed
from tests.campaigns.delivery.conftest import POSTAL, SENDER, START, a_body, queue
from tests.campaigns.delivery.dovecot import Dovecot
from tests.campaigns.delivery.reports import USER_UNKNOWN, arf, dsn, original_message, vacation_reply
from tests.conftest import make_settings
from tests.subscribers.factories import ContactFactory

SECRET = "test-secret-key-that-is-long-enough-for-signing"
BOUNCE_ADDRESS = "bounces@bounce.channelcast.example"
VERP = VerpAddresses(BOUNCE_ADDRESS, LinkSigner(SECRET))
NOW = START.replace(hour=10)


@pytest.fixture
def settings(tmp_path: Path, engine: Engine, dovecot: Dovecot) -> Settings:
    return make_settings(
        tmp_path,
        engine.url.render_as_string(hide_password=False),
        POSTAL_ADDRESS=POSTAL,
        MAIL_FROM=SENDER,
        BOUNCE_ADDRESS=BOUNCE_ADDRESS,
        BOUNCE_MAILBOX_URL=dovecot.url("imap"),
    )


def sent(session: Session, count: int, *, start: int = 0) -> list[Delivery]:
    deliveries = queue(session, a_body(session), count, start=start, key_prefix=f"sent{start}")
    for delivery in deliveries:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, START
    session.flush()
    return deliveries


def message_id_of(delivery: Delivery) -> str:
    return f"<{delivery.id}.{key_digest(delivery.idempotency_key)}@channelcast.example>"


def bounce_for(delivery: Delivery, *, recipient: str = "", status: str = "5.1.1", diagnostic: str = "") -> bytes:
    """A DSN for our message, returned to the message's own VERP address."""
    verp = VERP.address_for(delivery.id)
    original = original_message(return_path=verp, message_id=message_id_of(delivery), to=delivery.recipient_email)
    return dsn(to=verp, recipient=recipient or delivery.recipient_email, original=original, status=status,
               diagnostic=diagnostic or USER_UNKNOWN)  # fmt: skip


def complaint_for(delivery: Delivery) -> bytes:
    verp = VERP.address_for(delivery.id)
    original = original_message(return_path=verp, message_id=message_id_of(delivery), to=delivery.recipient_email)
    return arf(original=original, rcpt_to="redacted@mailbox.example", mail_from=verp)


def read(session: Session, dovecot: Dovecot, protocol: str = "imap", *, tls: bool = False) -> str:
    return read_bounce_mailbox(
        session,
        dovecot.settings(protocol, tls=tls),
        verp=VERP,
        soft_bounce_limit=3,
        now=NOW,
        ssl_context=dovecot.client_tls() if tls else None,
    ).summary()


def kept_reasons(session: Session) -> list[str]:
    return [row.reason for row in session.scalars(select(KeptMailboxMessage).order_by(KeptMailboxMessage.id))]


# ---------------------------------------------------------------------------------------------- the done-when


@pytest.mark.parametrize(("protocol", "tls"), [("imap", True), ("pop3", True), ("imap", False), ("pop3", False)])
def test_a_hard_bounce_in_the_mailbox_stops_mail_to_the_address_and_leaves_the_mailbox(
    session: Session, dovecot: Dovecot, protocol: str, tls: bool
) -> None:
    contact = ContactFactory.create(email="contact0@partner.example")
    delivery, other = sent(session, 2)
    dovecot.deliver(bounce_for(delivery))

    summary = read(session, dovecot, protocol, tls=tls)

    assert summary.startswith("1 processed (1 hard bounce)")
    assert is_suppressed(session, delivery.recipient_email)
    assert not is_suppressed(session, other.recipient_email)
    session.refresh(contact)
    assert contact.status is ContactStatus.BOUNCED
    event = session.scalars(select(Event).where(Event.kind == EventKind.BOUNCE)).one()
    assert event.delivery_id == delivery.id
    assert "5.1.1" in event.detail["reason"]
    assert dovecot.inbox() == []


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_a_spam_complaint_in_the_mailbox_unsubscribes_and_suppresses_the_address(
    session: Session, dovecot: Dovecot, protocol: str
) -> None:
    contact = ContactFactory.create(email="contact0@partner.example")
    (delivery,) = sent(session, 1)
    dovecot.deliver(complaint_for(delivery))

    read(session, dovecot, protocol)

    entry = session.scalars(select(Suppression)).one()
    assert (entry.email, entry.reason, entry.source) == (
        delivery.recipient_email,
        SuppressionReason.COMPLAINED,
        "mailbox",
    )
    session.refresh(contact)
    assert contact.status is ContactStatus.COMPLAINED
    assert dovecot.inbox() == []


def test_the_scheduler_reads_the_mailbox_every_few_minutes_and_says_how_it_went(
    app: Flask, session: Session, dovecot: Dovecot
) -> None:
    (delivery,) = sent(session, 1)
    dovecot.deliver(bounce_for(delivery))
    with app.app_context():
        first = bounce_mailbox_tick(session, NOW)
        dovecot.deliver(bounce_for(delivery, status="4.2.2", diagnostic="smtp; 452 4.2.2 Mailbox full"))
        too_soon = bounce_mailbox_tick(session, NOW.replace(minute=2))
        later = bounce_mailbox_tick(session, NOW.replace(minute=5))
    assert first.startswith("1 processed (1 hard bounce)")
    assert too_soon == "not due"
    assert later.startswith("1 processed (1 soft bounce)")
    beat = session.scalars(select(Heartbeat).where(Heartbeat.name == READ_BEAT)).one()
    assert beat.detail == later


def test_a_report_read_twice_is_recorded_once(session: Session, dovecot: Dovecot) -> None:
    (delivery,) = sent(session, 1)
    report = bounce_for(delivery)
    dovecot.deliver(report, report)
    read(session, dovecot)
    assert len(session.scalars(select(Event).where(Event.kind == EventKind.BOUNCE)).all()) == 1
    assert dovecot.inbox() == []


def test_a_bounce_found_by_message_id_alone_counts_too(session: Session, dovecot: Dovecot) -> None:
    """Some servers bounce to the From address; the returned headers still name our message."""
    (delivery,) = sent(session, 1)
    original = original_message(return_path="news@channelcast.example", message_id=message_id_of(delivery),
                                to=delivery.recipient_email)  # fmt: skip
    dovecot.deliver(dsn(to="news@channelcast.example", recipient=delivery.recipient_email, original=original,
                        headers_only=True))  # fmt: skip
    read(session, dovecot)
    assert is_suppressed(session, delivery.recipient_email)


# ---------------------------------------------------------------------------------------------- soft bounces


def test_soft_bounces_suppress_the_address_only_at_the_limit_within_thirty_days(
    session: Session, dovecot: Dovecot
) -> None:
    deliveries = sent(session, 3)
    for delivery in deliveries:
        delivery.recipient_email = "full@partner.example"
    session.flush()

    def mailbox_full(delivery: Delivery) -> bytes:
        return bounce_for(delivery, status="5.2.2", diagnostic="smtp; 552 5.2.2 Mailbox full",
                          recipient="full@partner.example")  # fmt: skip

    dovecot.deliver(mailbox_full(deliveries[0]), mailbox_full(deliveries[1]))
    read(session, dovecot)
    assert not is_suppressed(session, "full@partner.example")

    dovecot.deliver(mailbox_full(deliveries[2]))
    read(session, dovecot)
    entry = session.scalars(select(Suppression)).one()
    assert entry.reason is SuppressionReason.BOUNCED
    assert entry.detail.startswith("3 soft bounces in 30 days, the last: 5.2.2")


def test_soft_bounces_older_than_thirty_days_do_not_count(session: Session, dovecot: Dovecot) -> None:
    deliveries = sent(session, 3)
    for delivery in deliveries:
        delivery.recipient_email = "full@partner.example"
    session.flush()
    dovecot.deliver(*(bounce_for(d, status="4.2.2", recipient="full@partner.example") for d in deliveries[:2]))
    read_bounce_mailbox(session, dovecot.settings("imap"), verp=VERP, soft_bounce_limit=3, now=NOW.replace(month=1))
    dovecot.deliver(bounce_for(deliveries[2], status="4.2.2", recipient="full@partner.example"))
    read(session, dovecot)
    assert not is_suppressed(session, "full@partner.example")


# ------------------------------------------------------------------------------- kept, shown, nothing suppressed


def test_reports_we_cannot_trust_are_kept_listed_and_suppress_nothing(session: Session, dovecot: Dovecot) -> None:
    delivery, second = sent(session, 2)
    forged = VERP.address_for(delivery.id).replace("bounces+", "bounces+0")
    stranger_original = original_message(return_path=VERP.address_for(second.id), message_id=message_id_of(second),
                                         to=second.recipient_email)  # fmt: skip
    dovecot.deliver(
        dsn(to=forged, recipient=delivery.recipient_email, original=""),
        dsn(to=VERP.address_for(second.id), recipient="never-mailed@elsewhere.example", original=stranger_original),
        arf(original="", rcpt_to=delivery.recipient_email, mail_from=VERP.address_for(delivery.id)),
        vacation_reply(BOUNCE_ADDRESS),
    )

    assert read(session, dovecot).startswith("0 processed (no events), 4 newly kept")

    assert session.scalars(select(Suppression)).all() == []
    assert session.scalars(select(Event)).all() == []
    reasons = kept_reasons(session)
    assert "forged or damaged token" in reasons[0]
    assert "is about never-mailed@elsewhere.example, but message" in reasons[1]
    assert "without the original message" in reasons[2]
    assert reasons[3].startswith("unreadable: not a delivery or feedback report")
    assert len(dovecot.inbox()) == 4
    # The next read leaves them alone without fetching them again.
    assert read(session, dovecot).endswith("0 newly kept, 4 kept before")


def test_a_kept_message_that_a_person_removed_leaves_the_list(session: Session, dovecot: Dovecot) -> None:
    dovecot.deliver(vacation_reply(BOUNCE_ADDRESS))
    read(session, dovecot)
    assert len(kept_reasons(session)) == 1
    dovecot.empty()
    read(session, dovecot)
    assert kept_reasons(session) == []


@pytest.mark.slow  # 30 MB through a real IMAP server
def test_a_thirty_megabyte_message_is_skipped_with_a_logged_reason(
    session: Session, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    (delivery,) = sent(session, 1)
    huge = bounce_for(delivery) + (b"y" * 998 + b"\r\n") * 31_500
    dovecot.deliver(huge, bounce_for(delivery))
    with caplog.at_level(logging.WARNING, logger="channelcast.delivery.bounces"):
        summary = read(session, dovecot)
    assert summary.startswith("1 processed (1 hard bounce), 1 newly kept")
    assert "too big for a report (30.0 MB" in caplog.text
    (row,) = session.scalars(select(KeptMailboxMessage))
    assert row.size > 30_000_000
    assert row.subject == ""  # never fetched
    assert len(dovecot.inbox()) == 1


# ---------------------------------------------------------------------------------------------- faults


def test_a_wrong_password_is_an_error_in_the_log_and_the_heartbeat_and_sending_goes_on(
    app: Flask, session: Session, dovecot: Dovecot, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["CHANNELCAST"] = dataclasses.replace(settings, bounce_mailbox=dovecot.settings("imap", password="nope"))
    (queued,) = queue(session, a_body(session), 1, key_prefix="to-send")
    with caplog.at_level(logging.WARNING, logger="channelcast.delivery.bounces"), app.app_context():
        bounces = bounce_mailbox_tick(session, NOW)
        outbox = send_outbox_tick(session, NOW)
    assert bounces.startswith("error: imap://bounces@127.0.0.1")
    assert "AUTHENTICATIONFAILED" in bounces
    assert "bounce mailbox could not be read" in caplog.text
    assert outbox.startswith("1 sent")
    session.refresh(queued)
    assert queued.status is DeliveryStatus.SENT
    beat = session.scalars(select(Heartbeat).where(Heartbeat.name == READ_BEAT)).one()
    assert beat.detail.startswith("error: ")


def test_an_unreachable_mailbox_is_tried_again_at_the_next_tick(
    app: Flask, session: Session, settings: Settings
) -> None:
    closed = MailboxSettings("imap", False, "127.0.0.1", 9, "bounces", "x")
    app.config["CHANNELCAST"] = dataclasses.replace(settings, bounce_mailbox=closed)
    with app.app_context():
        first = bounce_mailbox_tick(session, NOW)
        again = bounce_mailbox_tick(session, NOW.replace(minute=1))
    assert first.startswith("error: imap://bounces@127.0.0.1:9/INBOX: cannot connect")
    assert again.startswith("error: ")


def test_contacts_stay_untouched_without_a_mailbox(app: Flask, session: Session, settings: Settings) -> None:
    app.config["CHANNELCAST"] = dataclasses.replace(settings, bounce_mailbox=None)
    with app.app_context():
        assert bounce_mailbox_tick(session, NOW) == "no bounce mailbox set"
    assert session.scalars(select(Contact)).all() == []
