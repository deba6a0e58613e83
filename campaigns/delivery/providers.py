"""Amazon SES (through SNS) and Postmark events, turned into our ProviderEvents (events.py applies them).

Neither carries our delivery id the way SendGrid's custom args do. SES names the envelope sender
(our VERP address, when BOUNCE_ADDRESS is set) and the message's own Message-ID header; Postmark
names only the address. What finds no message by those is matched to the latest message sent
to the address in the last 30 days (both providers authenticate themselves, unlike a bounce in
a mailbox).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from campaigns.delivery.events import ProviderEvent
from campaigns.delivery.models import EventKind
from core.mail.verp import VerpAddresses

# SES: bounceType (and, for transient bounces, whether the address is worth keeping).
SES_BOUNCES = {"Permanent": EventKind.BOUNCE, "Transient": EventKind.SOFT_BOUNCE, "Undetermined": EventKind.SOFT_BOUNCE}
# Postmark's bounce Types; others (auto-replies, subscribe requests, challenge mails, ...) are no bounce.
POSTMARK_HARD = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated"}
POSTMARK_SOFT = {"SoftBounce", "Transient", "Blocked", "DnsError", "DMARCPolicy", "Unknown"}


class PayloadError(ValueError):
    """A body that is not shaped as the provider documents it."""


def _when(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo else None


# ---------------------------------------------------------------------------------------------- Amazon SES


def ses_events(sns_message: Mapping[str, Any], *, verp: VerpAddresses | None) -> list[ProviderEvent]:
    """The events in one SES notification (the SNS message's Message field, itself JSON)."""
    try:
        body = json.loads(str(sns_message.get("Message", "")))
    except ValueError:
        raise PayloadError("the SNS Message is not JSON") from None
    if not isinstance(body, dict):
        raise PayloadError("the SNS Message is not an SES notification")
    kind = body.get("notificationType") or body.get("eventType")
    mail = _dict(body.get("mail"))
    base = ProviderEvent(
        provider="ses",
        event_id=f"ses:{sns_message.get('MessageId', '')}",
        kind=EventKind.DELIVERED,
        delivery_ref=_ses_ref(mail, verp),
        message_id=_ses_message_id(mail),
        provider_message_id=str(mail.get("messageId", "")),
    )
    if kind == "Bounce":
        return _ses_bounce(body.get("bounce"), base)
    if kind == "Complaint":
        return _ses_complaint(body.get("complaint"), base)
    if kind == "Delivery":
        details = _dict(body.get("delivery"))
        when, response = _when(details.get("timestamp")), str(details.get("smtpResponse", ""))
        return [
            replace(base, event_id=f"{base.event_id}:{i}", email=str(address), occurred_at=when, reason=response)
            for i, address in enumerate(_list(details.get("recipients")))
        ]
    return []  # sends, opens, rejects, ...: nothing for us to act on


def _ses_ref(mail: Mapping[str, Any], verp: VerpAddresses | None) -> int | None:
    source = str(mail.get("source", ""))
    return verp.ref_of(source) if verp and source else None


def _ses_message_id(mail: Mapping[str, Any]) -> str:
    common = _dict(mail.get("commonHeaders"))
    if isinstance(common.get("messageId"), str):
        return str(common["messageId"])
    for header in _list(mail.get("headers")):
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "message-id":
            return str(header.get("value", ""))
    return ""


def _ses_bounce(bounce: Any, base: ProviderEvent) -> list[ProviderEvent]:
    if not isinstance(bounce, dict) or bounce.get("bounceType") not in SES_BOUNCES:
        raise PayloadError("an SES bounce without a known bounceType")
    bounce_type, subtype = str(bounce["bounceType"]), str(bounce.get("bounceSubType", ""))
    events = []
    for i, recipient in enumerate(_list(bounce.get("bouncedRecipients"))):
        if not isinstance(recipient, dict) or not recipient.get("emailAddress"):
            raise PayloadError("an SES bounced recipient without emailAddress")
        reason = " ".join(str(recipient[key]) for key in ("status", "diagnosticCode") if recipient.get(key))
        events.append(
            replace(
                base,
                event_id=f"{base.event_id}:{i}",
                kind=SES_BOUNCES[bounce_type],
                email=str(recipient["emailAddress"]),
                occurred_at=_when(bounce.get("timestamp")),
                reason=reason or f"{bounce_type} {subtype}".strip(),
                detail={"type": bounce_type, "subtype": subtype},
            )
        )
    return events


def _ses_complaint(complaint: Any, base: ProviderEvent) -> list[ProviderEvent]:
    if not isinstance(complaint, dict):
        raise PayloadError("an SES complaint without its complaint object")
    feedback = str(complaint.get("complaintFeedbackType", "abuse"))
    if feedback == "not-spam":
        return []
    when = _when(complaint.get("timestamp"))
    return [
        replace(
            base,
            event_id=f"{base.event_id}:{i}",
            kind=EventKind.SPAMREPORT,
            email=str(recipient.get("emailAddress", "")),
            occurred_at=when,
            reason=f"complaint ({feedback})",
        )
        for i, recipient in enumerate(_list(complaint.get("complainedRecipients")))
        if isinstance(recipient, dict)
    ]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------------------- Postmark


def postmark_event(payload: Any) -> ProviderEvent | None:
    """One Postmark webhook call is one record; None when it means nothing for us."""
    if not isinstance(payload, dict) or not isinstance(payload.get("RecordType"), str):
        raise PayloadError("not a Postmark webhook record (no RecordType)")
    record, record_id = payload["RecordType"], payload.get("ID", "")
    base = ProviderEvent(
        provider="postmark",
        event_id="",
        kind=EventKind.DELIVERED,
        email=str(payload.get("Email") or payload.get("Recipient") or ""),
        provider_message_id=str(payload.get("MessageID", "")),
    )
    if record == "Bounce":
        kind = _postmark_bounce_kind(str(payload.get("Type", "")))
        what = payload.get("Name") or payload.get("Type")
        details = payload.get("Details") or payload.get("Description", "")
        return replace(
            base, event_id=f"postmark:bounce:{record_id}", kind=kind, occurred_at=_when(payload.get("BouncedAt")),
            reason=f"{what}: {details}", detail={"type": str(payload.get("Type", ""))},
        ) if kind else None  # fmt: skip
    if record == "SpamComplaint":
        return replace(
            base, event_id=f"postmark:spam:{record_id}", kind=EventKind.SPAMREPORT,
            occurred_at=_when(payload.get("BouncedAt")), reason="spam complaint",
        )  # fmt: skip
    if record == "Delivery":
        return replace(
            base, event_id=f"postmark:delivery:{base.provider_message_id}:{base.email}",
            occurred_at=_when(payload.get("DeliveredAt")), reason=str(payload.get("Details", "")),
        )  # fmt: skip
    return None


def _postmark_bounce_kind(bounce_type: str) -> EventKind | None:
    if bounce_type in POSTMARK_HARD:
        return EventKind.BOUNCE
    if bounce_type in POSTMARK_SOFT:
        return EventKind.SOFT_BOUNCE
    if bounce_type == "SpamComplaint":
        return EventKind.SPAMREPORT
    return None
