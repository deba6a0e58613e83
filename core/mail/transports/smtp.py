"""SMTP: one connection per batch (STARTTLS, then AUTH), one envelope per message.

The envelope is sent step by step (MAIL, RCPT, DATA) so every failure lands in the right place:
a 4xx reply is retried later, a 5xx reply fails that message with the server's words, a
connection lost before DATA leaves nothing sent (retry), and a connection lost during DATA
leaves the message's fate unknown (uncertain: the server may have queued it).

With a DKIM signer each message is signed; with VERP addresses (BOUNCE_ADDRESS) each message's
envelope sender names it, so a bounce that comes back says exactly which message bounced.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from core.mail.dkim import DkimSigner
from core.mail.transports.base import (
    Outcome,
    OutgoingMessage,
    SendResult,
    SendUnit,
    Transport,
    message_bytes,
    sender_address,
)
from core.mail.verp import VerpAddresses


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 30


class _Refused(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code


def _reply_text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else message


class SmtpTransport(Transport):
    name = "smtp"

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        *,
        tls_context: ssl.SSLContext | None = None,
        dkim: DkimSigner | None = None,
        verp: VerpAddresses | None = None,
    ) -> None:
        self.server = server
        self.sender = sender
        self.tls_context = tls_context or ssl.create_default_context()
        self.dkim = dkim
        self.verp = verp

    def envelope_sender(self, message: OutgoingMessage) -> str:
        """MAIL FROM: the message's own signed bounce address, or the From address without VERP."""
        return self.verp.address_for(message.ref) if self.verp else sender_address(self.sender)

    @contextmanager
    def connect(self) -> Iterator[SendUnit]:
        connection = self._open()
        session = _SmtpSession(connection, self)
        try:
            yield session.send_unit
        finally:
            with suppress(smtplib.SMTPException, OSError):
                connection.quit()

    def _open(self) -> smtplib.SMTP:
        server = self.server
        connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        try:
            connection.ehlo()
            if server.starttls:
                connection.starttls(context=self.tls_context)
                connection.ehlo()
            if server.user:
                connection.login(server.user, server.password)
        except smtplib.SMTPException as error:
            connection.close()
            # Unreachable for this batch: the worker retries every message later.
            raise OSError(f"SMTP {server.host}:{server.port}: {error}") from error
        except BaseException:
            connection.close()
            raise
        return connection


class _SmtpSession:
    """One connection's worth of messages; after the connection breaks, the rest wait for a retry."""

    def __init__(self, connection: smtplib.SMTP, transport: SmtpTransport) -> None:
        self.connection = connection
        self.transport = transport
        self.broken = ""

    def send_unit(self, unit: Sequence[OutgoingMessage]) -> list[SendResult]:
        return [self._send_one(message) for message in unit]

    def _send_one(self, message: OutgoingMessage) -> SendResult:
        if self.broken:
            return SendResult(message.ref, Outcome.RETRY, error=f"SMTP connection lost: {self.broken}")
        data = message_bytes(message, self.transport.sender, self.transport.dkim)
        try:
            self._envelope(self.transport.envelope_sender(message), message.to_email)
        except _Refused as refused:
            with suppress(smtplib.SMTPException, OSError):
                self.connection.rset()
            outcome = Outcome.RETRY if 400 <= refused.code < 500 else Outcome.FAILED
            return SendResult(message.ref, outcome, error=f"SMTP {refused}")
        except (smtplib.SMTPException, OSError) as error:
            self.broken = str(error) or type(error).__name__
            return SendResult(message.ref, Outcome.RETRY, error=f"SMTP connection lost: {self.broken}")
        return self._data(message, data)

    def _envelope(self, envelope_from: str, recipient: str) -> None:
        for code, text in (self.connection.mail(envelope_from), self.connection.rcpt(recipient)):
            if code != 250 and code != 251:
                raise _Refused(code, _reply_text(text))

    def _data(self, message: OutgoingMessage, data: bytes) -> SendResult:
        try:
            code, text = self.connection.data(data)
        except smtplib.SMTPDataError as error:  # refused before the message was sent
            outcome = Outcome.RETRY if 400 <= error.smtp_code < 500 else Outcome.FAILED
            return SendResult(message.ref, outcome, error=f"SMTP {error.smtp_code} {_reply_text(error.smtp_error)}")
        except (smtplib.SMTPException, OSError) as error:
            self.broken = str(error) or type(error).__name__
            return SendResult(message.ref, Outcome.UNCERTAIN, error=f"SMTP connection lost during DATA: {self.broken}")
        if code != 250:
            outcome = Outcome.RETRY if 400 <= code < 500 else Outcome.FAILED
            return SendResult(message.ref, outcome, error=f"SMTP {code} {_reply_text(text)}")
        return SendResult(message.ref, Outcome.SENT, provider_message_id=message.message_id)
