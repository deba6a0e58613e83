import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.fake_sendgrid import SCHEMA_PATH, FakeSendGrid
from core.mail.transports import (
    FileTransport,
    MessageBody,
    Outcome,
    OutgoingMessage,
    SendGridTransport,
    SmtpServer,
    SmtpTransport,
)
from core.mail.transports.sendgrid import retry_after_seconds
from tests.campaigns.delivery.conftest import POSTAL, SENDER, fields_for

BODY = MessageBody(
    "hash-1",
    "News for %%name%%",
    f'<p>Hi %%name.html%%</p><a href="%%unsubscribe_url.html%%">Unsubscribe</a><p>{POSTAL}</p>',
    f"Hi %%name%%\nUnsubscribe: %%unsubscribe_url%%\n{POSTAL}",
)


def message(ref: int, to: str = "", name: str = "Jan & Piet") -> OutgoingMessage:
    return OutgoingMessage(
        ref=ref,
        to_email=to or f"contact{ref}@partner.example",
        to_name=name,
        body=BODY,
        values=fields_for(ref, name),
        message_id=f"<{ref}.abc@channelcast.example>",
        list_unsubscribe_url=f"https://partners.example/u/token-{ref}",
        category="digest",
    )


# ------------------------------------------------------------------------------------------------- SMTP


class Mailbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.connections: set[int] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.connections.add(id(session))
        return "250 2.0.0 Ok: queued"


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def check_password(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"mailer" and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[Mailbox, SmtpTransport]]:
    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=check_password,
        auth_require_tls=True,
    )
    controller.start()
    client_tls = ssl.create_default_context(cafile=str(cert))
    transport = SmtpTransport(
        SmtpServer("127.0.0.1", port, "mailer", "s3cret", starttls=True, timeout=5), SENDER, tls_context=client_tls
    )
    try:
        yield mailbox, transport
    finally:
        controller.stop()


def test_smtp_sends_a_batch_over_one_encrypted_signed_in_connection(smtp_server: tuple[Mailbox, SmtpTransport]) -> None:
    mailbox, transport = smtp_server
    results = transport.send([message(1), message(2), message(3)])
    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert len(mailbox.envelopes) == 3
    assert len(mailbox.connections) == 1
    received = email.message_from_bytes(mailbox.envelopes[0].content, policy=default)
    assert isinstance(received, EmailMessage)
    assert received["List-Unsubscribe"] == "<https://partners.example/u/token-1>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Message-ID"] == "<1.abc@channelcast.example>"
    html = received.get_body(("html",))
    assert html is not None
    assert "Hi Jan &amp; Piet" in html.get_content()


def test_smtp_records_each_recipients_refusal_and_sends_the_rest(smtp_server: tuple[Mailbox, SmtpTransport]) -> None:
    mailbox, transport = smtp_server
    results = transport.send([message(1, "nobody@partner.example"), message(2, "busy@partner.example"), message(3)])
    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.RETRY, Outcome.SENT]
    assert results[0].error == "SMTP 550 5.1.1 No such user here"
    assert "451" in results[1].error
    assert [e.rcpt_tos for e in mailbox.envelopes] == [["contact3@partner.example"]]


@pytest.mark.slow  # the server makes a failed sign-in wait
def test_smtp_with_a_wrong_password_sends_nothing_and_says_why(smtp_server: tuple[Mailbox, SmtpTransport]) -> None:
    _mailbox, transport = smtp_server
    transport.server = SmtpServer(transport.server.host, transport.server.port, "mailer", "wrong", timeout=5)
    with pytest.raises(OSError, match=r"SMTP 127\.0\.0\.1"), transport.connect():
        pass


# ------------------------------------------------------------------------------------------------- files and SendGrid


def test_a_message_written_twice_is_still_one_file(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path, SENDER)
    transport.send([message(7)])
    transport.send([message(7)])
    assert [p.name for p in tmp_path.iterdir()] == ["message-7.eml"]


def test_sendgrid_requests_hold_each_address_once_and_at_most_a_thousand_recipients() -> None:
    transport = SendGridTransport("key", SENDER, host="http://127.0.0.1:9")
    batch = [message(n) for n in range(1500)] + [message(5000, "contact1@partner.example")]
    units = transport.units(batch)
    assert [len(unit) for unit in units] == [1000, 501]
    for unit in units:
        addresses = [m.to_email for m in unit]
        assert len(addresses) == len(set(addresses))


def test_sendgrid_refuses_a_recipient_whose_fields_exceed_its_limit_without_a_request(
    fake_sendgrid: FakeSendGrid,
) -> None:
    transport = SendGridTransport(fake_sendgrid.api_key, SENDER, host=fake_sendgrid.url)
    results = transport.send([message(1, name="x" * 6000), message(2)])
    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.SENT]
    assert "10,000-byte" in results[0].error
    assert fake_sendgrid.statuses() == [202]


def test_a_message_without_an_unsubscribe_url_never_gets_built() -> None:
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        OutgoingMessage(1, "a@b.example", "", BODY, {}, "<1@x.example>", "")


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert retry_after_seconds({"Retry-After": "10"}, now) == 10
    assert retry_after_seconds({"Retry-After": "Mon, 02 Mar 2026 09:00:30 GMT"}, now) == 30
    assert retry_after_seconds({"X-RateLimit-Reset": str(int(now.timestamp()) + 5)}, now) == 5
    assert retry_after_seconds({}, now) is None


def test_the_fake_checks_against_the_shared_contract_itself() -> None:
    shared = Path(__file__).resolve().parents[4] / "shared" / "contracts" / SCHEMA_PATH.name
    if not shared.exists():
        pytest.skip("the shared contracts folder is not next to this checkout")
    assert json.loads(SCHEMA_PATH.read_text()) == json.loads(shared.read_text())
