"""Email addresses as we store and compare them."""

from __future__ import annotations

import hashlib


def normalise_email(email: str) -> str:
    """Lower-cased and trimmed: the one form stored, compared and hashed everywhere."""
    return email.strip().lower()


def email_hash(email: str) -> str:
    """A stable fingerprint of an address, kept after the address itself is erased."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()
