"""Amazon SES (through SNS, signature verified) and Postmark webhooks, behind the same event mapping.

Payloads are shaped as the providers document them. SNS signs with a key whose certificate it
serves from sns.<region>.amazonaws.com; that fetch is the one thing stubbed (it is off-machine):
the tests sign with their own key and hand in its certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from campaigns.delivery.events import key_digest
from campaigns.delivery.models import Delivery, DeliveryStatus, Event, EventKind
from campaigns.delivery.sns import SnsVerifier, string_to_sign
from core.auth.links import LinkSigner
from core.config import Settings
from core.mail.verp import VerpAddresses
from subscribers.models import ContactStatus, Suppression, SuppressionReason
from subscribers.suppression import is_suppressed
from tests.campaigns.delivery.conftest import POSTAL, SENDER, START, a_body, queue
from tests.conftest import make_settings
from tests.subscribers.factories import ContactFactory

NOW = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)
TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-events"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
SECRET = "test-secret-key-that-is-long-enough-for-signing"
VERP = VerpAddresses("bounces@bounce.channelcast.example", LinkSigner(SECRET))
POSTMARK_USER, POSTMARK_PASSWORD = "postmark", "a-long-random-webhook-password"


class FakeSns:
    """Signs like SNS (with our own key) and serves the certificate to the verifier."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=30))
            .not_valid_after(NOW + dt.timedelta(days=300))
            .sign(self.key, hashes.SHA256())
        )
        self.fetched: list[str] = []

    def fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        return self.certificate.public_bytes(serialization.Encoding.PEM) if url.endswith(".pem") else b"<ok/>"

    def sign(self, message: dict[str, Any], version: str = "1") -> dict[str, Any]:
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303 (SNS's version 1 is SHA1)
        signature = self.key.sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
        return {**message, "SignatureVersion": version, "Signature": base64.b64encode(signature).decode(),
                "SigningCertURL": CERT_URL}  # fmt: skip


@pytest.fixture(scope="module")
def sns() -> FakeSns:
    return FakeSns()


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return make_settings(
        tmp_path,
        engine.url.render_as_string(hide_password=False),
        POSTAL_ADDRESS=POSTAL,
        MAIL_FROM=SENDER,
        BOUNCE_ADDRESS=VERP.bounce_address,
        SES_SNS_TOPIC_ARNS=TOPIC,
        POSTMARK_WEBHOOK_USER=POSTMARK_USER,
        POSTMARK_WEBHOOK_PASSWORD=POSTMARK_PASSWORD,
    )


@pytest.fixture
def ses_app(app: Flask, sns: FakeSns) -> Flask:
    sns.fetched.clear()
    app.extensions["channelcast.sns"] = SnsVerifier(fetch=sns.fetch)
    return app


def sent(session: Session, count: int = 1) -> list[Delivery]:
    deliveries = queue(session, a_body(session), count)
    for delivery in deliveries:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, START
    session.flush()
    return deliveries


def notification(body: dict[str, Any], *, message_id: str = "b7a5e0c6-0001", topic: str = TOPIC) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic,
        "Message": json.dumps(body),
        "Timestamp": (NOW - dt.timedelta(seconds=30)).isoformat().replace("+00:00", "Z"),
        "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
    }


def ses_mail(delivery: Delivery, *, verp: bool = True) -> dict[str, Any]:
    """SES's `mail` object: the envelope sender it was given and the message's own headers."""
    message_id = f"<{delivery.id}.{key_digest(delivery.idempotency_key)}@channelcast.example>"
    return {
        "timestamp": "2026-03-03T11:58:00.000Z",
        "source": VERP.address_for(delivery.id) if verp else "news@channelcast.example",
        "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/channelcast.example",
        "sendingAccountId": "123456789012",
        "messageId": "0102018c-aaaa-bbbb-cccc-000000000000-000000",
        "destination": [delivery.recipient_email],
        "headersTruncated": False,
        "headers": [{"name": "Message-ID", "value": message_id}, {"name": "Subject", "value": "Storage news"}],
        "commonHeaders": {"from": [SENDER], "to": [delivery.recipient_email], "messageId": message_id},
    }


def ses_bounce(
    delivery: Delivery, bounce_type: str = "Permanent", *, email: str = "", verp: bool = True
) -> dict[str, Any]:
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General" if bounce_type == "Permanent" else "MailboxFull",
            "bouncedRecipients": [{"emailAddress": email or delivery.recipient_email, "action": "failed",
                                   "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
            "timestamp": "2026-03-03T11:59:00.000Z",
            "feedbackId": "0102018c-feed-0000-0000-000000000000-000000",
            "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
        },
        "mail": ses_mail(delivery, verp=verp),
    }  # fmt: skip


def ses_complaint(delivery: Delivery) -> dict[str, Any]:
    return {
        "notificationType": "Complaint",
        "complaint": {
            "userAgent": "ExampleCorp Feedback Loop (V0.01)",
            "complainedRecipients": [{"emailAddress": delivery.recipient_email}],
            "complaintFeedbackType": "abuse",
            "timestamp": "2026-03-03T11:59:30.000Z",
            "feedbackId": "0102018c-feed-0000-0000-000000000001-000000",
        },
        "mail": ses_mail(delivery, verp=False),
    }


def post_sns(client: FlaskClient, message: dict[str, Any]) -> Any:
    # SNS posts JSON with a text/plain content type.
    return client.post("/webhooks/ses", data=json.dumps(message), content_type="text/plain; charset=UTF-8")


# ---------------------------------------------------------------------------------------------- Amazon SES


@pytest.mark.parametrize("version", ["1", "2"])
@time_machine.travel(NOW, tick=False)
def test_an_ses_hard_bounce_stops_mail_to_the_address(
    ses_app: Flask, client: FlaskClient, session: Session, sns: FakeSns, version: str
) -> None:
    contact = ContactFactory.create(email="contact0@partner.example")
    delivery, other = sent(session, 2)

    response = post_sns(client, sns.sign(notification(ses_bounce(delivery)), version))

    assert response.status_code == 200
    assert response.json == {"recorded": 1, "duplicates": 0, "ignored": 0}
    assert is_suppressed(session, delivery.recipient_email)
    assert not is_suppressed(session, other.recipient_email)
    session.refresh(contact)
    assert contact.status is ContactStatus.BOUNCED
    event = session.scalars(select(Event).where(Event.kind == EventKind.BOUNCE)).one()
    assert (event.delivery_id, event.detail["provider"]) == (delivery.id, "ses")
    assert sns.fetched == [CERT_URL]


@time_machine.travel(NOW, tick=False)
def test_an_ses_complaint_found_by_message_id_suppresses_as_complained(
    ses_app: Flask, client: FlaskClient, session: Session, sns: FakeSns
) -> None:
    (delivery,) = sent(session)
    assert post_sns(client, sns.sign(notification(ses_complaint(delivery)))).status_code == 200
    entry = session.scalars(select(Suppression)).one()
    assert (entry.reason, entry.source) == (SuppressionReason.COMPLAINED, "ses")


@time_machine.travel(NOW, tick=False)
def test_an_ses_transient_bounce_counts_but_does_not_suppress_and_a_replay_counts_once(
    ses_app: Flask, client: FlaskClient, session: Session, sns: FakeSns
) -> None:
    (delivery,) = sent(session)
    message = sns.sign(notification(ses_bounce(delivery, "Transient")))
    assert post_sns(client, message).json == {"recorded": 1, "duplicates": 0, "ignored": 0}
    assert post_sns(client, message).json == {"recorded": 0, "duplicates": 1, "ignored": 0}
    assert not is_suppressed(session, delivery.recipient_email)
    assert [e.kind for e in session.scalars(select(Event))] == [EventKind.SOFT_BOUNCE]


@time_machine.travel(NOW, tick=False)
def test_an_ses_bounce_for_an_address_we_never_mailed_changes_nothing(
    ses_app: Flask, client: FlaskClient, session: Session, sns: FakeSns
) -> None:
    (delivery,) = sent(session)
    stranger = ses_bounce(delivery, email="someone-else@partner.example", verp=False)
    stranger["mail"]["commonHeaders"]["messageId"] = "<not-ours@elsewhere.example>"
    stranger["mail"]["headers"] = []
    response = post_sns(client, sns.sign(notification(stranger)))
    assert response.json == {"recorded": 0, "duplicates": 0, "ignored": 1}
    assert session.scalars(select(Suppression)).all() == []


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda m: {**m, "Message": m["Message"].replace("Permanent", "Transient")}, id="tampered"),
        pytest.param(
            lambda m: {**m, "SigningCertURL": "https://sns.eu-west-1.amazonaws.com.evil.example/c.pem"},
            id="certificate-elsewhere",
        ),
        pytest.param(lambda m: {**m, "SigningCertURL": CERT_URL.replace("https", "http")}, id="certificate-over-http"),
        pytest.param(lambda m: {**m, "SignatureVersion": "3"}, id="unknown-version"),
        pytest.param(lambda m: {k: v for k, v in m.items() if k != "Signature"}, id="unsigned"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_sns_messages_that_fail_a_check_get_403_and_change_nothing(
    ses_app: Flask, client: FlaskClient, session: Session, sns: FakeSns, forge: Any
) -> None:
    (delivery,) = sent(session)
    response = post_sns(client, forge(sns.sign(notification(ses_bounce(delivery)))))
    assert response.status_code == 403
    assert session.scalars(select(Event)).all() == []
    assert all(url == CERT_URL for url in sns.fetched)  # never a certificate from anywhere else


@time_machine.travel(NOW, tick=False)
def test_a_genuine_message_from_a_topic_we_do_not_listen_to_or_an_old_one_gets_403(
    ses_app: Flask, client: FlaskClient, session: Session, sns: FakeSns
) -> None:
    (delivery,) = sent(session)
    strangers = notification(ses_bounce(delivery), topic="arn:aws:sns:eu-west-1:999999999999:someone-elses")
    assert post_sns(client, sns.sign(strangers)).status_code == 403
    old = notification(ses_bounce(delivery))
    old["Timestamp"] = "2026-03-03T09:00:00.000Z"
    assert post_sns(client, sns.sign(old)).status_code == 403
    assert session.scalars(select(Event)).all() == []


@time_machine.travel(NOW, tick=False)
def test_a_subscription_confirmation_for_our_topic_is_confirmed(
    ses_app: Flask, client: FlaskClient, sns: FakeSns
) -> None:
    subscribe_url = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=abc"
    message = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747b",
        "TopicArn": TOPIC,
        "Message": f"You have chosen to subscribe to the topic {TOPIC}. To confirm, visit the SubscribeURL.",
        "SubscribeURL": subscribe_url,
        "Timestamp": "2026-03-03T11:59:00.000Z",
    }  # fmt: skip
    response = post_sns(client, sns.sign(message, "2"))
    assert response.status_code == 200
    assert sns.fetched == [CERT_URL, subscribe_url]


# ---------------------------------------------------------------------------------------------- Postmark


def post_postmark(client: FlaskClient, payload: dict[str, Any], password: str = POSTMARK_PASSWORD) -> Any:
    token = base64.b64encode(f"{POSTMARK_USER}:{password}".encode()).decode()
    return client.post("/webhooks/postmark", json=payload, headers={"Authorization": f"Basic {token}"})


def postmark_bounce(delivery: Delivery, bounce_type: str = "HardBounce", record_id: int = 4323372036) -> dict[str, Any]:
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": record_id,
        "Type": bounce_type,
        "TypeCode": 1 if bounce_type == "HardBounce" else 4096,
        "Name": "Hard bounce" if bounce_type == "HardBounce" else "Soft bounce",
        "Tag": "digest",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": delivery.recipient_email,
        "From": "news@channelcast.example",
        "BouncedAt": "2026-03-03T11:59:10.2735393-05:00",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Storage news for Contact 0",
        "Content": "",
    }


@time_machine.travel(NOW, tick=False)
def test_a_postmark_hard_bounce_suppresses_the_address_it_was_sent_to(client: FlaskClient, session: Session) -> None:
    contact = ContactFactory.create(email="contact0@partner.example")
    (delivery,) = sent(session)
    response = post_postmark(client, postmark_bounce(delivery))
    assert response.json == {"recorded": 1, "duplicates": 0, "ignored": 0}
    session.refresh(contact)
    assert contact.status is ContactStatus.BOUNCED
    assert session.scalars(select(Suppression)).one().source == "postmark"


@time_machine.travel(NOW, tick=False)
def test_a_postmark_spam_complaint_suppresses_as_complained(client: FlaskClient, session: Session) -> None:
    (delivery,) = sent(session)
    complaint = {**postmark_bounce(delivery), "RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512}
    assert post_postmark(client, complaint).status_code == 200
    assert session.scalars(select(Suppression)).one().reason is SuppressionReason.COMPLAINED


@time_machine.travel(NOW, tick=False)
def test_postmark_soft_bounces_count_up_to_the_limit(client: FlaskClient, session: Session) -> None:
    (delivery,) = sent(session)
    for record_id in (1, 2):
        post_postmark(client, postmark_bounce(delivery, "SoftBounce", record_id))
    assert not is_suppressed(session, delivery.recipient_email)
    post_postmark(client, postmark_bounce(delivery, "SoftBounce", 3))
    assert session.scalars(select(Suppression)).one().reason is SuppressionReason.BOUNCED


def test_postmark_without_the_right_credentials_gets_401_and_changes_nothing(
    client: FlaskClient, session: Session
) -> None:
    (delivery,) = sent(session)
    assert post_postmark(client, postmark_bounce(delivery), password="wrong-password-wrong").status_code == 401
    assert client.post("/webhooks/postmark", json=postmark_bounce(delivery)).status_code == 401
    assert session.scalars(select(Suppression)).all() == []


def test_postmark_webhook_is_closed_until_a_password_is_set(
    app: Flask, client: FlaskClient, session: Session, settings: Settings
) -> None:
    import dataclasses

    app.config["CHANNELCAST"] = dataclasses.replace(settings, postmark_webhook_password="")
    (delivery,) = sent(session)
    assert post_postmark(client, postmark_bounce(delivery)).status_code == 403


def test_a_postmark_body_of_the_wrong_shape_is_a_400(client: FlaskClient) -> None:
    assert post_postmark(client, {"Type": "HardBounce"}).status_code == 400
