"""The open pixel and click-through endpoints: answered in front of Flask, in microseconds.

    GET /t/o/<token>.gif               the 1x1 pixel (no-store), and an open is recorded
    GET|HEAD /t/c/<body hex>/<token>   302 to the URL recorded for that body and link

They are the hottest paths of the service (a newsletter to 100,000 people opens in waves), so
they are plain WSGI in front of the app: no session, no user, no CSRF, no template. Checking a
token is an HMAC; the body's links come from a per-process cache (one small query the first time
a body is clicked in a process); the event goes to the `EventBuffer`. Anything that is not a
genuine token (tampered, expired, another body's, a link the body does not have) falls through
to Flask, which answers with its ordinary 404 page: never a redirect, nothing recorded.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from threading import Lock
from typing import Any

from sqlalchemy import select
from werkzeug.urls import iri_to_uri

from campaigns.delivery.models import BodyLink
from campaigns.tracking.buffer import EventBuffer, Hit
from campaigns.tracking.machines import AGENT, HEAD, machine_agent
from core.db import Database
from core.mail.tracking import MessageTracking

# The smallest transparent GIF (43 bytes).
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
NO_STORE = ("Cache-Control", "no-store, no-cache, must-revalidate, private, max-age=0")
LINK_CACHE_SIZE = 4096
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class BodyLinks:
    """Each body's recorded links (position -> (URL, content item)), cached per process; bodies never change."""

    def __init__(self, database: Database, size: int = LINK_CACHE_SIZE) -> None:
        self.database = database
        self.size = size
        self._cache: OrderedDict[int, dict[int, tuple[str, int | None]]] = OrderedDict()
        self._lock = Lock()

    def get(self, body_id: int) -> dict[int, tuple[str, int | None]]:
        links = self._cache.get(body_id)
        if links is None:
            links = self._load(body_id)
            if links:  # an unknown body is not remembered: it may be stored a moment later
                with self._lock:
                    self._cache[body_id] = links
                    while len(self._cache) > self.size:
                        self._cache.popitem(last=False)
        return links

    def _load(self, body_id: int) -> dict[int, tuple[str, int | None]]:
        statement = select(BodyLink.position, BodyLink.url, BodyLink.content_item_id).where(BodyLink.body_id == body_id)
        with self.database.new_session() as session:
            return {position: (url, item) for position, url, item in session.execute(statement)}


class TrackingEndpoints:
    """WSGI middleware: answers /t/o/ and /t/c/ itself, hands everything else to the app."""

    def __init__(self, app: WsgiApp, tracking: MessageTracking, links: BodyLinks, buffer: EventBuffer) -> None:
        self.app = app
        self.tracking = tracking
        self.links = links
        self.buffer = buffer

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        method: str = environ.get("REQUEST_METHOD", "")
        if path.startswith("/t/") and method in ("GET", "HEAD"):
            if path.startswith("/t/o/") and path.endswith(".gif") and self.tracking.opens:
                answer = self._open(path[5:-4], method, environ)
            elif path.startswith("/t/c/") and self.tracking.clicks:
                answer = self._click(path[5:], method, environ)
            else:
                answer = None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [] if method == "HEAD" else [body]
        return self.app(environ, start_response)

    def _open(
        self, token: str, method: str, environ: dict[str, Any]
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        ref = self.tracking.read_open(token)
        if ref is None:
            return None
        machine = _machine(method, environ)
        self.buffer.add(Hit(_event_id(), ref, _now(), machine=machine))
        headers = [("Content-Type", "image/gif"), ("Content-Length", str(len(PIXEL))), NO_STORE]
        return "200 OK", headers, PIXEL

    def _click(
        self, rest: str, method: str, environ: dict[str, Any]
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        body_hex, _, token = rest.partition("/")
        if not 0 < len(body_hex) <= 8 or token.count(".") != 3:
            return None
        try:
            body_id = int(body_hex, 16)
        except ValueError:
            return None
        links = self.links.get(body_id)
        claim = self.tracking.read_click(body_id, token, {n: url for n, (url, _item) in links.items()})
        if claim is None:
            return None
        url, item = links[claim.position]
        machine = _machine(method, environ)
        hit = Hit(
            _event_id(), claim.ref, _now(), machine=machine, body_id=body_id, position=claim.position,
            url=url, content_item_id=item, links_total=len(links),
        )  # fmt: skip
        self.buffer.add(hit)
        headers = [("Location", iri_to_uri(url)), ("Content-Length", "0"), NO_STORE, ("Referrer-Policy", "no-referrer")]
        return "302 Found", headers, b""


def _machine(method: str, environ: dict[str, Any]) -> str:
    """What the request itself tells of a machine: a HEAD, or a proxy's or scanner's user agent."""
    if method == "HEAD":
        return HEAD
    return AGENT if machine_agent(environ.get("HTTP_USER_AGENT", "")) else ""


def _event_id() -> str:
    return f"trk-{secrets.token_hex(8)}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
