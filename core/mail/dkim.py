"""DKIM signing (RFC 6376) with dkimpy, and the DNS record that lets receivers check it.

The key is checked and converted at start-up (core/config.py); here it only signs. Every
header a receiver shows or acts on is signed, one-click unsubscribe included, so nobody on the
way can change the sender, the subject or where "unsubscribe" leads without breaking the
signature.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import dkim
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

from core.config import DkimSettings

SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
    "MIME-Version",
    "Content-Type",
)
TXT_CHUNK = 250  # one DNS TXT string holds at most 255 characters


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str
    private_key_pem: bytes

    @classmethod
    def from_settings(cls, settings: DkimSettings | None) -> DkimSigner | None:
        return cls(settings.selector, settings.domain, settings.private_key_pem) if settings else None

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header on top (relaxed/relaxed, rsa-sha256)."""
        present = {
            line.split(b":", 1)[0].strip().lower().decode()
            for line in message.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            if line and line[:1] not in (b" ", b"\t")
        }
        headers = [name.encode() for name in SIGNED_HEADERS if name.lower() in present]
        signature = dkim.sign(
            message,
            self.selector.encode(),
            self.domain.encode(),
            self.private_key_pem,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=headers,
        )
        return bytes(signature) + message

    def public_key_base64(self) -> str:
        key = load_pem_private_key(self.private_key_pem, password=None)
        der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def record_value(self) -> str:
        return f"v=DKIM1; k=rsa; p={self.public_key_base64()}"

    def zone_line(self) -> str:
        """The record as a zone-file line; long values split into quoted strings of 255 characters at most."""
        value = self.record_value()
        strings = " ".join(f'"{value[start : start + TXT_CHUNK]}"' for start in range(0, len(value), TXT_CHUNK))
        return f"{self.record_name()}. IN TXT ( {strings} )"
