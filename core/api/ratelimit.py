"""Rate limits per token, with the IETF draft's RateLimit and RateLimit-Policy headers.

Counted with the `limits` library (the one Flask-Limiter uses for the sign-in limits) in the store
RATELIMIT_STORAGE_URI names: memory for one process, Redis (`redis://host:6379`) when several web
processes must share the counts. The key is the SHA-256 of the bearer token (the same digest the
token table stores), so a flood is refused before any database lookup; a call without a token
counts against its client address. Every answer says where the caller stands
(draft-ietf-httpapi-ratelimit-headers):

    RateLimit-Policy: "per-token";q=600;w=60      600 requests per 60-second window
    RateLimit: "per-token";r=412;t=37             412 left, the window resets in 37 seconds

and a 429 adds Retry-After. If the store cannot be reached the call is let through and logged:
an outage of Redis should not become an outage of the API.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

POLICY_NAME = "per-token"
log = logging.getLogger("channelcast.api")


@dataclass(frozen=True)
class RateLimitState:
    quota: int
    window_seconds: int
    remaining: int
    reset_seconds: int
    allowed: bool

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Policy": f'"{POLICY_NAME}";q={self.quota};w={self.window_seconds}',
            "RateLimit": f'"{POLICY_NAME}";r={self.remaining};t={self.reset_seconds}',
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_seconds))
        return headers


class ApiRateLimiter:
    def __init__(self, storage_uri: str, limit: str, key_prefix: str) -> None:
        self.item: RateLimitItem = parse(limit)
        self.strategy = FixedWindowRateLimiter(storage_from_string(storage_uri))
        self.key_prefix = key_prefix

    def hit(self, identity: str) -> RateLimitState | None:
        """Count one call for `identity`; None when the store could not be reached."""
        keys = (self.key_prefix, "api", identity)
        try:
            allowed = self.strategy.hit(self.item, *keys)
            stats = self.strategy.get_window_stats(self.item, *keys)
        except Exception:  # the store is down: let the call through, say so in the log
            log.exception("rate-limit store unreachable; API call let through unmetered")
            return None
        return RateLimitState(
            quota=self.item.amount,
            window_seconds=self.item.get_expiry(),
            remaining=max(0, stats.remaining),
            reset_seconds=max(0, math.ceil(stats.reset_time - time.time())),
            allowed=allowed,
        )
