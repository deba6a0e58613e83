"""API tokens: made, looked up, revoked. Plain functions, Session first; they flush, the caller commits.

A token is `cc_` and 43 characters of `secrets.token_urlsafe(32)`: 256 random bits. Only its SHA-256
is stored. A slow password hash (scrypt, argon2) exists to make guessing a *low-entropy* secret
expensive; nobody can guess 256 random bits at any speed, so a slow hash would only add tens of
milliseconds to every API call. A plain digest also lets the lookup be one indexed equality, with
nothing secret compared in Python.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from core.api.models import ApiToken
from core.audit import record
from core.auth.models import User

TOKEN_TAG = "cc_"  # noqa: S105 (a marker, not a secret)
PREFIX_LENGTH = len(TOKEN_TAG) + 8
NAME_MAX = 100
MAX_EXPIRY_DAYS = 3650
LAST_USED_PRECISION = dt.timedelta(minutes=1)
log = logging.getLogger("channelcast.api")


class TokenError(ValueError):
    """Something the person making a token can fix; `field` names the form field or CLI option."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(text: str) -> bool:
    return text.startswith(TOKEN_TAG) and len(text) >= PREFIX_LENGTH


def _clean_scopes(scopes: Sequence[str], known: Collection[str]) -> list[str]:
    chosen = sorted({scope.strip() for scope in scopes if scope.strip()})
    if not chosen:
        raise TokenError("scopes", "Choose at least one scope: what this token may read or change.")
    unknown = [scope for scope in chosen if scope not in known]
    if unknown:
        raise TokenError("scopes", f"Unknown scope {unknown[0]!r}; use one of: {', '.join(sorted(known))}.")
    return chosen


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX or any(ord(char) < 32 for char in name):
        raise TokenError(
            "name", f"Give the token a one-line name of 1 to {NAME_MAX} characters, e.g. 'Salesforce sync'."
        )
    return name


def create_token(
    session: Session,
    *,
    name: str,
    scopes: Sequence[str],
    known_scopes: Collection[str],
    by: User | None,
    now: dt.datetime,
    expires_in_days: int | None = None,
) -> NewToken:
    """Make a token; the secret in the result is shown once and then only its hash remains."""
    clean_name, chosen = _clean_name(name), _clean_scopes(scopes, known_scopes)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise TokenError("expires_days", f"Let it expire in 1 to {MAX_EXPIRY_DAYS} days, or never.")
    secret = TOKEN_TAG + secrets.token_urlsafe(32)
    token = ApiToken(
        name=clean_name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=token_digest(secret),
        scopes=chosen,
        created_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    record(
        session,
        "api_token.create",
        object_type="api_token",
        object_id=token.id,
        object_label=label(token),
        changes={"scopes": (None, chosen), "expires_at": (None, token.expires_at)},
    )
    return NewToken(token, secret)


def revoke_token(session: Session, token: ApiToken, *, by: User | None, now: dt.datetime) -> bool:
    """Stop the token at once (the next call with it gets 401). Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return False
    token.revoked_at, token.revoked_by = now, by
    session.flush()
    record(
        session,
        "api_token.revoke",
        object_type="api_token",
        object_id=token.id,
        object_label=label(token),
        changes={"revoked_at": (None, now)},
    )
    return True


def label(token: ApiToken) -> str:
    return f"{token.name} ({token.prefix}…)"


def token_for_secret(session: Session, secret: str, now: dt.datetime) -> ApiToken | None:
    """The usable token with this secret: not revoked, not expired, its maker still active. Else None."""
    if not looks_like_token(secret):
        return None
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_digest(secret)).options(joinedload(ApiToken.created_by))
    )
    if token is None:
        return None
    if not token.is_usable(now):
        log.info("refused API token %s (%s): revoked, expired or its maker deactivated", token.id, token.prefix)
        return None
    return token


def touch_last_used(session: Session, token: ApiToken, now: dt.datetime) -> bool:
    """Note the use, at most once a minute per token (one conditional UPDATE); True if it wrote."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return False
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_PRECISION))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    token.last_used_at = now
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, usable ones first, newest first."""
    tokens = session.scalars(select(ApiToken).options(joinedload(ApiToken.created_by))).all()
    return sorted(tokens, key=lambda t: (t.revoked_at is not None, -t.id))


def get_token(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)
