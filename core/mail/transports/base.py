"""The one small interface every transport offers, and the plain message it takes.

A transport knows nothing about outboxes or leases. It splits a batch of messages into units
(what goes over the wire in one go: a single message for SMTP and files, up to 1,000 recipients
of one body for SendGrid) and sends one unit at a time over a connection that lives for the
batch. The caller marks a unit as handed over before sending it, so that if the process dies
mid-send it knows which messages may have left.
"""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from core.db import utc_now
from core.mail.placeholders import FillTemplate

if TYPE_CHECKING:
    from core.mail.dkim import DkimSigner

ONE_CLICK = "List-Unsubscribe=One-Click"


class Outcome(enum.StrEnum):
    SENT = "sent"  # the provider accepted it
    RETRY = "retry"  # nothing left our hands (connection refused, 429, 5xx, 4xx SMTP reply): try again later
    FAILED = "failed"  # refused for good (4xx API error, 5xx SMTP reply): the error says why
    UNCERTAIN = "uncertain"  # the request left but no answer came: maybe sent, never blindly resent


@dataclass(frozen=True)
class MessageBody:
    """Subject, HTML and text shared by many messages, with `%%field%%` placeholders."""

    key: str
    subject: str
    html: str
    text: str

    @cached_property
    def templates(self) -> tuple[FillTemplate, FillTemplate, FillTemplate]:
        return FillTemplate.parse(self.subject), FillTemplate.parse(self.html), FillTemplate.parse(self.text)


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for one recipient; `ref` is the caller's id for it (it comes back in SendResult)."""

    ref: int
    to_email: str
    to_name: str
    body: MessageBody
    values: Mapping[str, str]
    message_id: str
    list_unsubscribe_url: str
    category: str = ""
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Programming errors, not user errors: a message without these must never leave.
        if not self.list_unsubscribe_url.startswith(("https://", "http://")):
            raise ValueError(
                f"message {self.ref}: List-Unsubscribe needs an http(s) URL, got {self.list_unsubscribe_url!r}"
            )
        if not (self.message_id.startswith("<") and "@" in self.message_id and self.message_id.endswith(">")):
            raise ValueError(f"message {self.ref}: Message-ID must look like <id@domain>, got {self.message_id!r}")
        if not self.body.html.strip() or not self.body.text.strip():
            raise ValueError(f"message {self.ref}: every message needs both a text and an HTML part")

    @property
    def headers(self) -> dict[str, str]:
        """Headers every message carries: Message-ID and one-click unsubscribe (RFC 8058)."""
        return {
            "Message-ID": self.message_id,
            "List-Unsubscribe": f"<{self.list_unsubscribe_url}>",
            "List-Unsubscribe-Post": ONE_CLICK,
            **self.extra_headers,
        }

    def filled(self) -> tuple[str, str, str]:
        """Subject, HTML and text for this recipient, filled locally."""
        subject, html, text = self.body.templates
        return subject.fill(self.values), html.fill(self.values), text.fill(self.values)


@dataclass(frozen=True)
class SendResult:
    ref: int
    outcome: Outcome
    provider_message_id: str = ""
    error: str = ""
    retry_after: float | None = None  # seconds the provider asked us to wait


class SendUnit(Protocol):
    def __call__(self, unit: Sequence[OutgoingMessage]) -> list[SendResult]: ...


class Transport(ABC):
    name = "transport"
    # True when sending a message twice cannot deliver it twice (files named by ref): a message whose
    # fate is unknown may simply be sent again.
    resend_is_safe = False
    # True when units may go out at once from several threads, each through its own `connect()`
    # (independent HTTP requests); False for one conversation at a time (an SMTP session).
    sends_in_parallel = False

    def units(self, batch: Sequence[OutgoingMessage]) -> list[list[OutgoingMessage]]:
        """How a batch goes over the wire; by default one message at a time."""
        return [[message] for message in batch]

    @abstractmethod
    @contextmanager
    def connect(self) -> Iterator[SendUnit]:
        """A sender for one batch; raises OSError when the service cannot be reached at all."""

    def send(self, batch: Sequence[OutgoingMessage]) -> list[SendResult]:
        """Every unit of a batch over one connection (callers that track hand-over use units/connect)."""
        with self.connect() as send_unit:
            return [result for unit in self.units(batch) for result in send_unit(unit)]


def all_with(
    unit: Sequence[OutgoingMessage], outcome: Outcome, error: str, *, retry_after: float | None = None
) -> list[SendResult]:
    """The same outcome for every message of a unit (one API request, one broken connection)."""
    return [SendResult(message.ref, outcome, error=error, retry_after=retry_after) for message in unit]


def mime_message(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The RFC 5322 message, filled for its recipient: text part first, then HTML."""
    subject, html, text = message.filled()
    mime = EmailMessage(policy=SMTP)
    mime["From"] = sender
    mime["To"] = formataddr((message.to_name, message.to_email)) if message.to_name else message.to_email
    mime["Subject"] = subject
    mime["Date"] = format_datetime(utc_now())
    for name, value in message.headers.items():
        mime[name] = value
    if "List-Id" not in message.headers:
        mime["List-Id"] = list_id(message.category, sender)
    if message.category:
        mime["X-Category"] = message.category
    mime.set_content(text)
    mime.add_alternative(html, subtype="html")
    return mime


def list_id(category: str, sender: str) -> str:
    """RFC 2919 List-Id, one list per kind of mail (`<digest.vendor.example>`).

    Mail with List-Unsubscribe but no List-Id reads as a half-made list to spam filters
    (SpamAssassin's LIST_PARTIAL_SHORT_MSG), and mailbox providers group feedback by it."""
    label = re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-") or "mail"
    domain = sender_address(sender).rpartition("@")[2] or "localhost"
    return f"<{label[:60]}.{domain}>"


def message_bytes(message: OutgoingMessage, sender: str, dkim: DkimSigner | None = None) -> bytes:
    """The message as it goes over the wire (CRLF line ends), DKIM-signed when a signer is given."""
    data = mime_message(message, sender).as_bytes()
    return dkim.sign(data) if dkim else data


def sender_address(sender: str) -> str:
    """The bare address of a From line such as `Name <news@example.com>`."""
    return parseaddr(sender)[1]
