import datetime as dt
import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.fake_sendgrid import FakeSendGrid
from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind
from campaigns.delivery.outbox import claim_batch, hand_over, retry_delivery
from core.config import Settings
from core.mail.transports import FileTransport
from core.scheduler import run_ticks
from subscribers.models import SuppressionReason
from subscribers.suppression import suppress
from tests.campaigns.delivery.conftest import (
    POSTAL,
    SENDER,
    FakeClock,
    a_body,
    make_worker,
    queue,
    sendgrid_transport,
    statuses,
)
from tests.conftest import refreshed


def test_the_file_transport_writes_one_complete_email_per_message(
    session: Session, tmp_path: Path, clock: FakeClock
) -> None:
    body = a_body(session)
    queue(session, body, 3)
    worker = make_worker(session, FileTransport(tmp_path / "outbox", SENDER), clock)

    worker.run(drain=True)

    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3
    message = email.message_from_bytes(files[0].read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Storage news for Contact 0"
    assert message["List-Unsubscribe"] == "<https://partners.example/u/token-0>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].endswith("@channelcast.example>")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "Hello Contact 0" in text.get_content()
    assert POSTAL in text.get_content()
    assert 'href="https://partners.example/u/token-0"' in html.get_content()
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert statuses(session) == {"sent": 3}
    assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == EventKind.SENT)) == 3


def test_messages_sharing_a_body_go_to_sendgrid_together_and_each_arrives_once(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    storage, cloud = a_body(session, "storage"), a_body(session, "cloud")
    queue(session, storage, 1500, category="digest")
    queue(session, cloud, 400, start=5000, category="campaign-12")

    make_worker(session, sendgrid_transport(fake_sendgrid), clock).run(drain=True)

    assert fake_sendgrid.rejections == []
    assert sorted(fake_sendgrid.accepted_ids.values()) == [1] * 1900
    assert sorted(answer.personalizations for answer in fake_sendgrid.answered) == [400, 500, 1000]
    by_size = {len(payload["personalizations"]): payload for payload in fake_sendgrid.payloads}
    first = by_size[1000]
    assert [part["type"] for part in first["content"]] == ["text/plain", "text/html"]
    assert first["categories"] == by_size[500]["categories"] == ["digest"]
    assert by_size[400]["categories"] == ["campaign-12"]
    one = first["personalizations"][0]
    assert one["headers"]["List-Unsubscribe"].startswith("<https://partners.example/u/token-")
    assert one["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first["subject"] == "Storage news for %%name%%"
    assert {a.subject for a in fake_sendgrid.accepted if a.email == "contact7@partner.example"} == {
        "Storage news for Contact 7"
    }
    assert statuses(session) == {"sent": 1900}


def test_one_address_twice_in_a_batch_goes_out_in_two_requests(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    body = a_body(session)
    queue(session, body, 2, key_prefix="week-10")
    queue(session, body, 2, key_prefix="week-10-resend")  # the same two addresses, same body and category

    make_worker(session, sendgrid_transport(fake_sendgrid), clock).run(drain=True)

    assert fake_sendgrid.rejections == []
    assert [answer.personalizations for answer in fake_sendgrid.answered] == [2, 2]
    assert statuses(session) == {"sent": 4}


def test_an_address_that_bounced_yesterday_is_skipped_and_marked_suppressed(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    body = a_body(session)
    deliveries = queue(session, body, 5)
    suppress(session, "Contact3@partner.example", SuppressionReason.BOUNCED, source="sendgrid", detail="yesterday")

    make_worker(session, sendgrid_transport(fake_sendgrid), clock).run(drain=True)

    assert "contact3@partner.example" not in {a.email for a in fake_sendgrid.accepted}
    assert len(fake_sendgrid.accepted) == 4
    session.refresh(deliveries[3])
    assert deliveries[3].status is DeliveryStatus.SUPPRESSED
    assert statuses(session) == {"sent": 4, "suppressed": 1}


def test_rate_limits_and_server_errors_are_retried_honouring_retry_after(session: Session, clock: FakeClock) -> None:
    with FakeSendGrid(clock=clock) as fake:
        body = a_body(session)
        queue(session, body, 50)
        fake.rate_limit_for(10)
        worker = make_worker(session, sendgrid_transport(fake), clock, backoff_seconds=2)
        worker.run_once()  # 429
        fake.fail_next(2, status=500)

        worker.run(drain=True)

    assert fake.statuses() == [429, 500, 500, 202]
    first, second = fake.answered[0].at, fake.answered[1].at
    assert second - first >= dt.timedelta(seconds=10)
    assert sorted(fake.accepted_ids.values()) == [1] * 50
    assert statuses(session) == {"sent": 50}


def test_a_refused_request_fails_its_messages_with_sendgrids_words(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    deliveries = queue(session, a_body(session), 2)
    fake_sendgrid.fail_next(1, status=400)

    make_worker(session, sendgrid_transport(fake_sendgrid), clock).run(drain=True)

    session.refresh(deliveries[0])
    assert deliveries[0].status is DeliveryStatus.FAILED
    assert deliveries[0].last_error == "SendGrid 400: internal error, try again"
    assert fake_sendgrid.statuses() == [400]


def test_after_the_last_attempt_a_message_is_dead_until_someone_retries_it(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    (delivery,) = queue(session, a_body(session), 1)
    fake_sendgrid.fail_next(3, status=503)
    worker = make_worker(session, sendgrid_transport(fake_sendgrid), clock, max_attempts=3, backoff_seconds=1)

    worker.run(drain=True)
    delivery = refreshed(session, delivery)
    assert delivery.status is DeliveryStatus.DEAD
    assert delivery.attempts == 3
    assert "SendGrid 503" in (delivery.last_error or "")

    retry_delivery(session, delivery, now=clock())
    worker.run(drain=True)
    delivery = refreshed(session, delivery)
    assert delivery.status is DeliveryStatus.SENT
    assert fake_sendgrid.statuses() == [503, 503, 503, 202]


def test_a_request_without_an_answer_leaves_its_messages_uncertain_not_resent(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    deliveries = queue(session, a_body(session), 3)
    fake_sendgrid.hang_next(1, seconds=2)

    make_worker(session, sendgrid_transport(fake_sendgrid, timeout=0.3), clock).run(drain=True)

    assert statuses(session) == {"uncertain": 3}
    assert "no answer from SendGrid" in (deliveries[0].last_error or "")
    assert sum(fake_sendgrid.accepted_ids.values()) == 3  # SendGrid had them: sending again would double them


def test_when_sendgrid_cannot_be_reached_messages_wait_for_a_retry(session: Session, clock: FakeClock) -> None:
    fake = FakeSendGrid().start()
    transport = sendgrid_transport(fake)
    fake.stop()  # nothing listens on that port any more
    (delivery,) = queue(session, a_body(session), 1)

    make_worker(session, transport, clock).run_once()

    session.refresh(delivery)
    assert delivery.status is DeliveryStatus.QUEUED
    assert delivery.next_attempt_at > clock()
    assert "SendGrid unreachable" in (delivery.last_error or "")


def test_a_dead_workers_messages_are_resent_if_they_never_left_and_uncertain_if_they_had(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    body = a_body(session)
    queue(session, body, 4)
    claimed = claim_batch(session, owner="crashed", now=clock(), limit=4, lease_seconds=60)
    hand_over(
        session, [row.id for row in claimed[:2]], owner="crashed", now=clock(), lease_seconds=60, mark_sending=True
    )
    clock.advance(seconds=61)

    make_worker(session, sendgrid_transport(fake_sendgrid), clock).run(drain=True)

    assert sorted(int(ref) for ref in fake_sendgrid.accepted_ids) == [row.id for row in claimed[2:]]
    assert statuses(session) == {"uncertain": 2, "sent": 2}


def test_a_worker_whose_lease_was_taken_over_sends_nothing_of_it(
    session: Session, fake_sendgrid: FakeSendGrid, clock: FakeClock
) -> None:
    queue(session, a_body(session), 2)
    claimed = claim_batch(session, owner="slow", now=clock(), limit=2, lease_seconds=10)
    clock.advance(seconds=11)
    make_worker(session, sendgrid_transport(fake_sendgrid), clock).run(drain=True)  # re-queues and sends them

    held = hand_over(
        session, [row.id for row in claimed], owner="slow", now=clock(), lease_seconds=10, mark_sending=True
    )

    assert held == set()
    assert sum(fake_sendgrid.accepted_ids.values()) == 2
    assert session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENT)) == 2


def test_with_the_file_transport_the_scheduler_writes_the_outbox_itself(
    app: Flask, session: Session, settings: Settings
) -> None:
    queue(session, a_body(session), 2)
    assert run_ticks(app)["outbox"].startswith("2 sent")
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 2
