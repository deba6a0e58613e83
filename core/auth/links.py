"""Signed links: tokens in URLs that prove who they were made for, and for what.

A token carries a purpose (it only opens the door it was made for), a subject id, and the
subject's link version at signing time. Bumping the version revokes every older link of that
subject; an expiry is checked when reading. Nothing is stored per link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidLink(Exception):
    """The token is unknown, tampered with, expired, revoked or made for another purpose."""


@dataclass(frozen=True)
class LinkClaim:
    subject_id: int
    version: int
    issued_at: dt.datetime


class LinkSigner:
    def __init__(self, secret_key: str) -> None:
        self._secret_key = secret_key

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret_key, salt=f"channelcast.link.{purpose}")

    def sign(self, purpose: str, subject_id: int, version: int) -> str:
        return self._serializer(purpose).dumps([subject_id, version])

    def read(self, token: str, purpose: str, *, max_age: dt.timedelta | None = None) -> LinkClaim:
        """Check signature and age; raises InvalidLink. Revocation is checked by `verify`."""
        seconds = int(max_age.total_seconds()) if max_age is not None else None
        try:
            payload, issued_at = self._serializer(purpose).loads(token, max_age=seconds, return_timestamp=True)
        except (SignatureExpired, BadSignature):
            raise InvalidLink(purpose) from None
        if not (isinstance(payload, list) and len(payload) == 2 and all(isinstance(v, int) for v in payload)):
            raise InvalidLink(purpose)
        return LinkClaim(subject_id=payload[0], version=payload[1], issued_at=issued_at)

    def verify(
        self,
        token: str,
        purpose: str,
        current_version: Callable[[int], int | None],
        *,
        max_age: dt.timedelta | None = None,
    ) -> int:
        """Return the subject id if the link is genuine, fresh and not revoked.

        `current_version(subject_id)` gives the subject's link version now, or None when the
        subject no longer exists; either mismatch is reported as the same InvalidLink.
        """
        claim = self.read(token, purpose, max_age=max_age)
        if current_version(claim.subject_id) != claim.version:
            raise InvalidLink(purpose)
        return claim.subject_id
