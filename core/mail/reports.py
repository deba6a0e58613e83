"""Reading what comes back: delivery status notifications (RFC 3464) and feedback reports (ARF, RFC 5965).

Only the standard formats are read, with the standard library's email parser. Anything else
(a vacation reply, an old-style bounce in prose, a report missing its machine-readable part)
raises UnreadableReport with the reason, so a person can look at it.

What a DSN means for the address, by its status code (RFC 3463): 5.x.x is permanent, a hard
bounce, except where the class says the address itself is fine: 5.2.2 (mailbox full), 5.3.x
(the receiving system), 5.6.x (the content) and 5.7.x (policy: blocked, spam-filtered). Those,
and 4.x.x failures (the sender gave up on a temporary problem), are soft bounces.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from email import message_from_bytes, message_from_string
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr

SOFT_PERMANENT = re.compile(r"5\.(2\.2|3\.\d{1,3}|6\.\d{1,3}|7\.\d{1,3})")
STATUS = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")
COMPLAINT_TYPES = ("abuse", "fraud")
# Headers a receiving server writes with the address a message was delivered to: the VERP address.
DELIVERY_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


class UnreadableReport(ValueError):
    """Not a report we can read; the text says why."""


class Verdict(enum.StrEnum):
    HARD_BOUNCE = "hard bounce"
    SOFT_BOUNCE = "soft bounce"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class RecipientReport:
    """One recipient's line in a DSN, or the complainant of a feedback report."""

    verdict: Verdict
    final_recipient: str
    original_recipient: str = ""
    status: str = ""
    diagnostic: str = ""

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(a for a in (self.final_recipient, self.original_recipient) if a)

    @property
    def reason(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic) if part)[:500]


@dataclass(frozen=True)
class MailReport:
    """What a DSN or an ARF report says, and what it tells about the original message."""

    format: str  # "dsn" or "arf"
    recipients: tuple[RecipientReport, ...]
    delivered_to: tuple[str, ...]  # the addresses the report itself was delivered to (VERP)
    original_return_path: str = ""
    original_message_id: str = ""
    has_original: bool = False
    feedback_type: str = ""
    envelope_candidates: tuple[str, ...] = ()

    @property
    def return_paths(self) -> tuple[str, ...]:
        """Every place a VERP address of ours can appear, most telling first."""
        found = [self.original_return_path, *self.delivered_to, *self.envelope_candidates]
        return tuple(dict.fromkeys(a for a in found if a))


def summary_of(raw: bytes) -> tuple[str, str]:
    """Subject and sender of a message, for a person's list (never raises)."""
    try:
        message = message_from_bytes(raw[:65536], policy=compat32)
        return _header(message, "Subject")[:255], _header(message, "From")[:255]
    except Exception:  # a summary must not fail on the worst mail
        return "", ""


def read_report(raw: bytes) -> MailReport:
    message = message_from_bytes(raw, policy=compat32)
    if message.get_content_type() != "multipart/report":
        raise UnreadableReport(f"not a delivery or feedback report (it is {message.get_content_type()})")
    report_type = str(message.get_param("report-type") or "").lower()
    delivered_to = tuple(
        address
        for header in DELIVERY_HEADERS
        for _name, address in getaddresses(message.get_all(header, []))
        if address
    )
    if report_type == "delivery-status":
        return _dsn(message, delivered_to)
    if report_type == "feedback-report":
        return _arf(message, delivered_to)
    raise UnreadableReport(f"a report of type {report_type or '(none)'!r}, not delivery-status or feedback-report")


def _dsn(message: Message, delivered_to: tuple[str, ...]) -> MailReport:
    part = _part(message, "message/delivery-status")
    payload = part.get_payload() if part is not None else None
    blocks = [block for block in payload if isinstance(block, Message)] if isinstance(payload, list) else []
    if len(blocks) < 2:
        raise UnreadableReport("the delivery report has no per-recipient status (message/delivery-status)")
    recipients = tuple(_recipient(block) for block in blocks[1:])
    original = _original(message)
    return MailReport(
        format="dsn",
        recipients=recipients,
        delivered_to=delivered_to,
        original_return_path=_address(original, "Return-Path") if original else "",
        original_message_id=_header(original, "Message-ID") if original else "",
        has_original=original is not None,
        envelope_candidates=tuple(a for a in (_address(blocks[0], "X-Original-Envelope-From"),) if a),
    )


def _recipient(block: Message) -> RecipientReport:
    final = _typed_address(_header(block, "Final-Recipient"))
    action = _header(block, "Action").lower()
    status_match = STATUS.search(_header(block, "Status"))
    if not final or not action or not status_match:
        raise UnreadableReport("a recipient's status lacks Final-Recipient, Action or Status")
    status = status_match.group(0)
    return RecipientReport(
        verdict=_verdict(action, status),
        final_recipient=final,
        original_recipient=_typed_address(_header(block, "Original-Recipient")),
        status=status,
        diagnostic=" ".join(_header(block, "Diagnostic-Code").split())[:400],
    )


def _verdict(action: str, status: str) -> Verdict:
    if action == "failed":
        permanent = status.startswith("5.") and not SOFT_PERMANENT.fullmatch(status)
        return Verdict.HARD_BOUNCE if permanent else Verdict.SOFT_BOUNCE
    if action == "delayed":
        return Verdict.DELAYED
    if action in ("delivered", "relayed", "expanded"):
        return Verdict.DELIVERED
    raise UnreadableReport(f"an unknown Action {action!r}")


def _arf(message: Message, delivered_to: tuple[str, ...]) -> MailReport:
    part = _part(message, "message/feedback-report")
    payload = part.get_payload() if part is not None else None
    fields = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(fields, Message) or not _header(fields, "Feedback-Type"):
        raise UnreadableReport("the feedback report has no Feedback-Type (message/feedback-report)")
    feedback_type = _header(fields, "Feedback-Type").lower()
    original = _original(message)
    recipient = _typed_address(_header(fields, "Original-Rcpt-To"))
    recipients = (
        (RecipientReport(Verdict.COMPLAINT, recipient, diagnostic=f"feedback type {feedback_type}"),)
        if feedback_type in COMPLAINT_TYPES
        else ()
    )
    return MailReport(
        format="arf",
        recipients=recipients,
        delivered_to=delivered_to,
        original_return_path=_address(original, "Return-Path") if original else "",
        original_message_id=_header(original, "Message-ID") if original else "",
        has_original=original is not None,
        feedback_type=feedback_type,
        envelope_candidates=tuple(a for a in (_typed_address(_header(fields, "Original-Mail-From")),) if a),
    )


def _part(message: Message, content_type: str) -> Message | None:
    return next((part for part in message.walk() if part.get_content_type() == content_type), None)


def _original(message: Message) -> Message | None:
    """The returned message (message/rfc822) or its headers (text/rfc822-headers)."""
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if part.get_content_type() == "text/rfc822-headers":
            text = part.get_payload(decode=True)
            if isinstance(text, bytes):
                return message_from_string(text.decode("utf-8", errors="replace"), policy=compat32)
    return None


def _header(message: Message, name: str) -> str:
    value = message.get(name, "")
    return " ".join(str(value).split())


def _address(message: Message, name: str) -> str:
    """An address as written: a VERP token is case-sensitive (compare with normalise_email where it is not)."""
    return parseaddr(_header(message, name))[1]


def _typed_address(value: str) -> str:
    """`rfc822; someone@example.com` -> someone@example.com (other address types: empty)."""
    kind, sep, address = value.partition(";")
    if not sep:
        address, kind = kind, "rfc822"
    return parseaddr(address.strip())[1] if kind.strip().lower() == "rfc822" else ""
