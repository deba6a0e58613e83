"""Amazon SNS messages (how Amazon SES reports bounces and complaints): check they really come from SNS.

SNS signs each message with a key whose certificate it serves from an `https://sns.<region>.
amazonaws.com/...pem` address named in the message. We accept only such an address, fetch the
certificate once (fetching is injectable: tests hand in their own certificate, as the real
fetch is off-machine), check it is valid now, and verify the signature (SignatureVersion 1:
SHA1 with RSA, 2: SHA256 with RSA) over the fields SNS signs. A message older than an hour is a
replay. Which topics we listen to is the caller's check (SES_SNS_TOPIC_ARNS): anyone can create
a topic and point it at us, and its messages are signed by SNS all the same.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SNS_HOST = re.compile(r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
MAX_AGE = dt.timedelta(hours=1)
FETCH_TIMEOUT_SECONDS = 10
MAX_CERTIFICATES = 32
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}

Fetch = Callable[[str], bytes]


class SnsError(Exception):
    """The message is not a genuine, fresh SNS message; the text says which check failed."""


def is_sns_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme == "https"
        and parts.port is None
        and not parts.username
        and bool(parts.hostname and SNS_HOST.fullmatch(parts.hostname))
    )


def fetch_over_https(url: str) -> bytes:
    """The real fetch (certificates, subscription confirmations): only ever an SNS https address."""
    if not is_sns_url(url):
        raise SnsError(f"refusing to fetch {url!r}: not an https address on sns.<region>.amazonaws.com")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (https checked above)
        return bytes(response.read(100_000))


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    fields = SIGNED_FIELDS[str(message["Type"])]
    return "".join(f"{name}\n{message[name]}\n" for name in fields if name in message).encode()


class SnsVerifier:
    """Verifies SNS messages; keeps the certificates it fetched (a handful of signing keys in all)."""

    def __init__(self, fetch: Fetch = fetch_over_https) -> None:
        self.fetch = fetch
        self._certificates: dict[str, x509.Certificate] = {}

    def verify(self, message: Any, *, now: dt.datetime) -> None:
        if not isinstance(message, dict) or message.get("Type") not in SIGNED_FIELDS:
            raise SnsError("not an SNS message (no known Type)")
        missing = [name for name in SIGNED_FIELDS[message["Type"]] if name != "Subject" and name not in message]
        if missing:
            raise SnsError(f"the message lacks {', '.join(missing)}")
        version = str(message.get("SignatureVersion", ""))
        if version not in HASHES:
            raise SnsError(f"SignatureVersion {version!r} is not 1 or 2")
        self._check_time(str(message["Timestamp"]), now)
        certificate = self._certificate(str(message.get("SigningCertURL", "")), now)
        try:
            signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
            public_key = certificate.public_key()
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise SnsError("the signing certificate does not hold an RSA key")
            public_key.verify(signature, string_to_sign(message), padding.PKCS1v15(), HASHES[version]())
        except (InvalidSignature, binascii.Error, ValueError) as error:
            raise SnsError("the signature does not verify") from error

    def _check_time(self, timestamp: str, now: dt.datetime) -> None:
        try:
            sent = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        except ValueError:
            raise SnsError(f"Timestamp {timestamp!r} is not a time") from None
        if sent.tzinfo is None or abs(now - sent) > MAX_AGE:
            raise SnsError(f"Timestamp {timestamp} is more than an hour away from now (a replay?)")

    def _certificate(self, url: str, now: dt.datetime) -> x509.Certificate:
        if not is_sns_url(url) or not urlsplit(url).path.endswith(".pem"):
            raise SnsError(f"SigningCertURL {url!r} is not a .pem on https://sns.<region>.amazonaws.com")
        certificate = self._certificates.get(url)
        if certificate is None:
            try:
                certificate = x509.load_pem_x509_certificate(self.fetch(url))
            except (OSError, ValueError) as error:
                raise SnsError(f"the signing certificate could not be fetched or read: {error}") from error
            if len(self._certificates) >= MAX_CERTIFICATES:
                self._certificates.clear()
            self._certificates[url] = certificate
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise SnsError("the signing certificate is not valid now")
        return certificate

    def confirm_subscription(self, message: Mapping[str, Any]) -> None:
        """Visit the SubscribeURL of a verified SubscriptionConfirmation: SNS then starts sending."""
        url = str(message.get("SubscribeURL", ""))
        if not is_sns_url(url):
            raise SnsError(f"SubscribeURL {url!r} is not on https://sns.<region>.amazonaws.com")
        try:
            self.fetch(url)
        except OSError as error:
            raise SnsError(f"confirming the subscription failed: {error}") from error
