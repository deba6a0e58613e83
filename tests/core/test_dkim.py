"""DKIM signatures verified by dkimpy against the published key (a resolver stub: no network), and VERP."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from typing import Any

import dkim
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from core.auth.links import LinkSigner
from core.config import ConfigError, Settings, load_settings
from core.mail.dkim import DkimSigner
from core.mail.transports import (
    FileTransport,
    MessageBody,
    OutgoingMessage,
    SmtpServer,
    SmtpTransport,
    transport_from_settings,
)
from core.mail.verp import VerpAddresses
from wsgi import create_app

SENDER = "Northwind News <news@mail.northwind.example>"
POSTAL = "Northwind BV, Keizersgracht 1, Amsterdam"
BODY = MessageBody(
    "k1",
    "Storage news for %%name%%",
    f'<p>Hi %%name.html%%</p><a href="%%unsubscribe_url.html%%">Unsubscribe</a><p>{POSTAL}</p>',
    f"Hi %%name%%\nUnsubscribe: %%unsubscribe_url%%\n{POSTAL}",
)


def outgoing(ref: int) -> OutgoingMessage:
    return OutgoingMessage(
        ref=ref,
        to_email=f"contact{ref}@partner.example",
        to_name="Jan Jansen",
        body=BODY,
        values={"name": "Jan", "unsubscribe_url": f"https://partners.example/u/t{ref}"},
        message_id=f"<{ref}.abcdef012345@mail.northwind.example>",
        list_unsubscribe_url=f"https://partners.example/u/t{ref}",
    )


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2048-bit key in PKCS#8, as OpenSSL 3 writes it (dkimpy itself reads only PKCS#1)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


def dkim_settings(tmp_path: Path, key_file: Path, **extra: str) -> Settings:
    return load_settings(
        {
            "INSTANCE_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-signing",
            "MAIL_FROM": SENDER,
            "DKIM_SELECTOR": "cc2026",
            "DKIM_DOMAIN": "northwind.example",
            "DKIM_PRIVATE_KEY_FILE": str(key_file),
            **extra,
        }
    )


def published(signer: DkimSigner) -> Any:
    """A DNS resolver stub that knows exactly one TXT record: the one `dkim-record` prints."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return signer.record_value().encode() if name == f"{signer.record_name()}.".encode() else None

    return lookup


def signed_headers(data: bytes) -> set[str]:
    signature = email.message_from_bytes(data, policy=default)["DKIM-Signature"]
    tags = dict(part.strip().split("=", 1) for part in str(signature).split(";") if "=" in part)
    return {name.strip().lower() for name in tags["h"].split(":")}


def test_file_transport_messages_carry_a_signature_that_verifies_against_the_published_key(
    tmp_path: Path, key_file: Path
) -> None:
    settings = dkim_settings(tmp_path, key_file)
    transport = transport_from_settings(settings)
    assert isinstance(transport, FileTransport)
    transport.send([outgoing(7)])
    data = transport.path_for(7).read_bytes()
    signer = DkimSigner.from_settings(settings.dkim)
    assert signer is not None
    assert dkim.verify(data, dnsfunc=published(signer))
    assert {
        "from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"
    } <= signed_headers(data)  # fmt: skip


def test_a_changed_subject_or_unsubscribe_link_breaks_the_signature(tmp_path: Path, key_file: Path) -> None:
    settings = dkim_settings(tmp_path, key_file)
    signer = DkimSigner.from_settings(settings.dkim)
    assert signer is not None
    transport = FileTransport(tmp_path / "out", SENDER, dkim=signer)
    transport.send([outgoing(8)])
    data = transport.path_for(8).read_bytes()
    for original, forged in (
        (b"Subject: Storage news for Jan", b"Subject: Storage news for Joe"),
        (b"<https://partners.example/u/t8>", b"<https://evil.example/u/t8>"),
    ):
        assert original in data
        assert not dkim.verify(data.replace(original, forged), dnsfunc=published(signer))


class Recorder:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def test_smtp_messages_are_signed_and_leave_with_their_own_signed_bounce_address(
    tmp_path: Path, key_file: Path, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    settings = dkim_settings(
        tmp_path,
        key_file,
        MAIL_TRANSPORT="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_STARTTLS="false",
        BOUNCE_ADDRESS="bounces@bounce.northwind.example",
    )
    transport = transport_from_settings(settings)
    assert isinstance(transport, SmtpTransport)
    transport.send([outgoing(41), outgoing(42)])

    first, second = recorder.envelopes
    assert first.mail_from.startswith("bounces+")
    assert first.mail_from.endswith("@bounce.northwind.example")
    assert first.mail_from != second.mail_from
    assert len(first.mail_from.partition("@")[0]) <= 64  # RFC 5321's limit for the local part
    verp = VerpAddresses("bounces@bounce.northwind.example", LinkSigner(settings.secret_key))
    assert [verp.ref_of(e.mail_from) for e in (first, second)] == [41, 42]
    assert dkim.verify(first.original_content, dnsfunc=published(transport.dkim))  # type: ignore[arg-type]


def test_a_forged_or_altered_bounce_address_names_no_message() -> None:
    verp = VerpAddresses("bounces@bounce.northwind.example", LinkSigner("k" * 40))
    address = verp.address_for(4711)
    assert verp.ref_of(address) == 4711
    assert verp.ref_of(address.upper().replace("BOUNCES", "bounces")) is None  # the token is case-sensitive
    token = address.partition("+")[2].partition("@")[0]
    ref_hex, rest = token.split(".", 1)
    assert verp.ref_of(f"bounces+{int(ref_hex, 16) + 1:x}.{rest}@bounce.northwind.example") is None
    assert verp.ref_of(VerpAddresses(verp.bounce_address, LinkSigner("x" * 40)).address_for(4711)) is None
    assert verp.ref_of("bounces@bounce.northwind.example") is None
    assert verp.ref_of(address.replace("bounce.northwind", "elsewhere")) is None


def test_without_bounce_address_the_envelope_sender_is_the_from_address(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    SmtpTransport(SmtpServer("127.0.0.1", port, starttls=False, timeout=5), SENDER).send([outgoing(1)])
    assert recorder.envelopes[0].mail_from == "news@mail.northwind.example"
    assert b"DKIM-Signature" not in recorder.envelopes[0].original_content


def test_dkim_record_command_prints_the_txt_record_to_publish(tmp_path: Path, key_file: Path) -> None:
    settings = dkim_settings(tmp_path, key_file)
    app: Flask = create_app(settings)
    result = app.test_cli_runner().invoke(args=["mail", "dkim-record"])
    assert result.exit_code == 0, result.output
    signer = DkimSigner.from_settings(settings.dkim)
    assert signer is not None
    assert "cc2026._domainkey.northwind.example" in result.output
    assert f"v=DKIM1; k=rsa; p={signer.public_key_base64()}" in result.output
    zone = result.output.strip().splitlines()[-1]
    strings = zone.split("( ")[1].rstrip(" )").split('" "')
    assert all(len(s.strip('"')) <= 255 for s in strings)
    assert "".join(s.strip('"') for s in strings) == signer.record_value()


def test_dkim_record_without_dkim_settings_says_what_to_set(tmp_path: Path) -> None:
    app = create_app(load_settings({"INSTANCE_DIR": str(tmp_path)}))
    result = app.test_cli_runner().invoke(args=["mail", "dkim-record"])
    assert result.exit_code != 0
    assert "DKIM_SELECTOR" in result.output


@pytest.mark.parametrize(
    ("change", "variable", "hint"),
    [
        ({"DKIM_DOMAIN": "vendor.example"}, "DKIM_DOMAIN", "does not match MAIL_FROM's domain"),
        ({"DKIM_DOMAIN": "mail.northwind.example.evil"}, "DKIM_DOMAIN", "does not match"),
        ({"DKIM_SELECTOR": ""}, "DKIM_SELECTOR", "set all three"),
        ({"DKIM_PRIVATE_KEY_FILE": "/nonexistent/dkim.pem"}, "DKIM_PRIVATE_KEY_FILE", "cannot be read"),
        ({"DKIM_PRIVATE_KEY_FILE": "NOT_A_KEY"}, "DKIM_PRIVATE_KEY_FILE", "openssl genrsa"),
        ({"BOUNCE_ADDRESS": "bounces+x@bounce.example"}, "BOUNCE_ADDRESS", "without '+'"),
        ({"BOUNCE_MAILBOX_URL": "imaps://bounce.example/INBOX"}, "BOUNCE_MAILBOX_URL", "user and password"),
        ({"BOUNCE_MAILBOX_URL": "https://u:p@bounce.example"}, "BOUNCE_MAILBOX_URL", "imaps://"),
        ({"BOUNCE_MAILBOX_URL": "pop3s://u:p@bounce.example/Junk"}, "BOUNCE_MAILBOX_URL", "POP3 has none"),
        ({"SOFT_BOUNCE_LIMIT": "0"}, "SOFT_BOUNCE_LIMIT", "1 to 100"),
        ({"SES_SNS_TOPIC_ARNS": "ses-events"}, "SES_SNS_TOPIC_ARNS", "arn:aws:sns:"),
        ({"POSTMARK_WEBHOOK_PASSWORD": "short"}, "POSTMARK_WEBHOOK_PASSWORD", "long random value"),
        ({"POSTMARK_WEBHOOK_PASSWORD": "a-long-enough-password"}, "POSTMARK_WEBHOOK_USER", "set both"),
    ],
)
def test_bad_deliverability_settings_stop_start_up_with_one_line(
    tmp_path: Path, key_file: Path, change: dict[str, str], variable: str, hint: str
) -> None:
    if change.get("DKIM_PRIVATE_KEY_FILE") == "NOT_A_KEY":
        (tmp_path / "not-a-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----\n")
        change = {"DKIM_PRIVATE_KEY_FILE": str(tmp_path / "not-a-key.pem")}
    with pytest.raises(ConfigError) as caught:
        dkim_settings(tmp_path, key_file, **change)
    assert caught.value.variable == variable
    assert hint in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "p@" not in str(caught.value)  # a mailbox password is never echoed


def test_a_mailbox_url_is_read_into_its_parts_without_showing_the_password(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "INSTANCE_DIR": str(tmp_path),
            "BOUNCE_MAILBOX_URL": "imaps://bounces%40vendor.example:p%3Ass@imap.vendor.example/Bounces",
        }
    )
    box = settings.bounce_mailbox
    assert box is not None
    assert (box.protocol, box.tls, box.host, box.port, box.user, box.password, box.folder) == (
        "imap", True, "imap.vendor.example", 993, "bounces@vendor.example", "p:ss", "Bounces"
    )  # fmt: skip
    assert "p:ss" not in repr(settings)
    assert "p:ss" not in box.label
