"""Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over id, timestamp and body.

    webhook-id: msg_2Vq9...                     the same on every attempt of one message
    webhook-timestamp: 1767225600               seconds since the epoch, of this attempt
    webhook-signature: v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>

The secret is `whsec_` followed by the base64 of the key's bytes; the key is those bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_TAG = "whsec_"  # noqa: S105 (a marker, not a secret)


def new_secret() -> str:
    return SECRET_TAG + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The value of the webhook-signature header."""
    key = base64.b64decode(secret.removeprefix(SECRET_TAG))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "Content-Type": "application/json",
        "User-Agent": "Channelcast-Webhooks/1",
    }
