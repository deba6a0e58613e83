"""SendGrid's v3 mail/send through the official library, many recipients of one body per request.

Messages that share a body (and category) go out together: one request carries the body once,
with placeholders, and up to 1,000 personalizations, each with the recipient's substitutions,
our ref in `custom_args` (it comes back in every webhook event) and the recipient's own
List-Unsubscribe headers. An address appears at most once per request.

What an answer means: 202 sent; 429, 5xx or a connection that could not be made: nothing was
accepted, retry (honouring Retry-After); another 4xx: refused for good, with SendGrid's words; no
answer after the request left (timeout, connection dropped): uncertain, reconciled from events.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import urllib.error
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient

from core.db import utc_now
from core.mail.placeholders import substitutions
from core.mail.transports.base import (
    Outcome,
    OutgoingMessage,
    SendResult,
    SendUnit,
    Transport,
    all_with,
)

MAX_PERSONALIZATIONS = 1000
MAX_SUBSTITUTION_BYTES = 10_000
REF_ARG = "delivery_id"  # the custom_args key that carries our ref into webhook events


def substitution_bytes(pairs: Mapping[str, str]) -> int:
    return sum(len(key.encode()) + len(value.encode()) for key, value in pairs.items())


def retry_after_seconds(headers: Any, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds (a number or an HTTP date); SendGrid's X-RateLimit-Reset as a fallback."""
    if headers is None:
        return None
    raw = headers.get("Retry-After")
    if raw:
        raw = raw.strip()
        if raw.isdigit():
            return float(raw)
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - (now or utc_now())).total_seconds())
    reset = headers.get("X-RateLimit-Reset")
    if reset and reset.strip().isdigit():
        return max(0.0, int(reset) - (now or utc_now()).timestamp())
    return None


def provider_error_text(error: HTTPError) -> str:
    """SendGrid's own error messages from the response body, e.g. 'The from address ... (from.email)'."""
    body = error.body.decode(errors="replace") if isinstance(error.body, bytes) else str(error.body or "")
    try:
        errors = json.loads(body).get("errors", [])
        text = "; ".join(
            f"{item.get('message', '')} ({item['field']})" if item.get("field") else str(item.get("message", ""))
            for item in errors
        )
    except (ValueError, AttributeError):
        text = body
    return f"SendGrid {error.status_code}: {text.strip() or error.reason}"


class SendGridTransport(Transport):
    name = "sendgrid"
    sends_in_parallel = True  # every request is a connection of its own (urllib), so threads share the client

    def __init__(
        self,
        api_key: str,
        sender: str,
        *,
        host: str,
        timeout: float = 30,
        max_per_request: int = MAX_PERSONALIZATIONS,
        own_tracking: bool = False,
    ) -> None:
        """`own_tracking`: we add our own pixel and links (TRACKING), so SendGrid's are switched off."""
        self.client = SendGridAPIClient(api_key=api_key, host=host)
        self.client.client.timeout = timeout
        name, email = parseaddr(sender)
        self.sender = {"email": email, **({"name": name} if name else {})}
        self.max_per_request = min(max_per_request, MAX_PERSONALIZATIONS)
        self.own_tracking = own_tracking

    def units(self, batch: Sequence[OutgoingMessage]) -> list[list[OutgoingMessage]]:
        """Group by body and category, then fill requests of up to 1,000 distinct addresses."""
        groups: dict[tuple[str, str], list[OutgoingMessage]] = {}
        for message in batch:
            groups.setdefault((message.body.key, message.category), []).append(message)
        units: list[list[OutgoingMessage]] = []
        for messages in groups.values():
            units.extend(self._requests_for(messages))
        return units

    def _requests_for(self, messages: list[OutgoingMessage]) -> list[list[OutgoingMessage]]:
        units: list[list[OutgoingMessage]] = []
        addresses: list[set[str]] = []
        first_open = 0  # units before this one are full
        for message in messages:
            address = message.to_email.lower()
            index = next(
                (
                    i
                    for i in range(first_open, len(units))
                    if address not in addresses[i] and len(units[i]) < self.max_per_request
                ),
                len(units),
            )
            if index == len(units):
                units.append([])
                addresses.append(set())
            units[index].append(message)
            addresses[index].add(address)
            while first_open < len(units) and len(units[first_open]) >= self.max_per_request:
                first_open += 1
        return units

    def payload(self, unit: Sequence[OutgoingMessage], pairs: Sequence[dict[str, str]] | None = None) -> dict[str, Any]:
        """The request body; `pairs` are each message's substitutions when already computed."""
        pairs = pairs or [substitutions(message.values) for message in unit]
        body = unit[0].body
        request: dict[str, Any] = {
            "from": self.sender,
            "subject": body.subject,
            "content": [{"type": "text/plain", "value": body.text}, {"type": "text/html", "value": body.html}],
            "personalizations": [self._personalization(m, p) for m, p in zip(unit, pairs, strict=True)],
        }
        if unit[0].category:
            request["categories"] = [unit[0].category[:255]]
        if self.own_tracking:  # one count of each open and click: ours
            request["tracking_settings"] = {
                "click_tracking": {"enable": False, "enable_text": False},
                "open_tracking": {"enable": False},
            }
        return request

    def _personalization(self, message: OutgoingMessage, pairs: dict[str, str]) -> dict[str, Any]:
        to = {"email": message.to_email, **({"name": message.to_name} if message.to_name else {})}
        return {
            "to": [to],
            "substitutions": pairs,
            "custom_args": {REF_ARG: str(message.ref)},
            "headers": message.headers,
        }

    @contextmanager
    def connect(self) -> Iterator[SendUnit]:
        yield self._send_request

    def _send_request(self, unit: Sequence[OutgoingMessage]) -> list[SendResult]:
        pairs = [substitutions(message.values) for message in unit]
        fits = [substitution_bytes(p) <= MAX_SUBSTITUTION_BYTES for p in pairs]
        too_big = [m for m, ok in zip(unit, fits, strict=True) if not ok]
        refused = all_with(too_big, Outcome.FAILED, "per-recipient fields exceed SendGrid's 10,000-byte limit")
        if too_big:
            unit = [m for m, ok in zip(unit, fits, strict=True) if ok]
            pairs = [p for p, ok in zip(pairs, fits, strict=True) if ok]
        if not unit:
            return refused
        return refused + self._post(unit, pairs)

    def _post(self, unit: Sequence[OutgoingMessage], pairs: list[dict[str, str]]) -> list[SendResult]:
        try:
            response = self.client.send(self.payload(unit, pairs))
        except HTTPError as error:
            wait = retry_after_seconds(error.headers)
            if error.status_code == 429 or error.status_code >= 500:
                return all_with(unit, Outcome.RETRY, provider_error_text(error), retry_after=wait)
            return all_with(unit, Outcome.FAILED, provider_error_text(error))
        except urllib.error.URLError as error:  # the request never got through: safe to try again
            return all_with(unit, Outcome.RETRY, f"SendGrid unreachable: {error.reason}")
        except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
            return all_with(unit, Outcome.UNCERTAIN, f"no answer from SendGrid after sending: {error!r}")
        message_id = response.headers.get("X-Message-Id", "") if response.headers else ""
        return [SendResult(m.ref, Outcome.SENT, provider_message_id=message_id) for m in unit]
