"""A fake SendGrid v3 mail/send on a free loopback port, strict where SendGrid is strict.

Every request is checked against SendGrid's request schema (a copy of the shared contract in
`contracts/`) and the limits a schema cannot express: 1,000 personalizations and recipients,
each address once per request, text/plain before text/html, custom_args under 10,000 bytes per
message (the top-level ones merged with its personalization's),
substitutions under 10,000 bytes per personalization. Accepted messages are recorded by the
`delivery_id` in their custom_args. On demand it answers 429 with Retry-After for a window of
time, 5xx for the next N requests, or accepts and then hangs (the client times out after the
request left: its fate is unknown to the sender).

    with FakeSendGrid() as fake: ... SENDGRID_API_HOST=fake.url ...

`python -m bench.fake_sendgrid [DELAY_MS]` runs it as its own process (the benchmark does),
printing its port; `GET /_fake/stats` answers with counts.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent / "contracts" / "sendgrid-mail-send.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
LIMIT_BYTES = 10_000
MAX_RECIPIENTS = 1000


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def contract_problems(payload: Any) -> list[str]:
    """Why SendGrid would answer 400 to this request body (empty: it would accept it)."""
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in VALIDATOR.iter_errors(payload)
    ]
    if problems:
        return problems
    personalizations = payload["personalizations"]
    addresses = [r["email"].lower() for p in personalizations for kind in ("to", "cc", "bcc") for r in p.get(kind, [])]
    if len(addresses) > MAX_RECIPIENTS:
        problems.append(f"personalizations: {len(addresses)} recipients, at most {MAX_RECIPIENTS} per request")
    duplicates = sorted(address for address, count in Counter(addresses).items() if count > 1)
    if duplicates:
        problems.append(f"personalizations: each address once per request; repeated: {', '.join(duplicates[:5])}")
    types = [part["type"] for part in payload.get("content", [])]
    if "text/plain" in types and "text/html" in types and types.index("text/plain") > types.index("text/html"):
        problems.append("content: text/plain must come before text/html")
    if not payload.get("content") and not payload.get("template_id"):
        problems.append("content: required unless a template_id is given")
    if not payload.get("subject") and not all(p.get("subject") for p in personalizations):
        problems.append("subject: required at the top level or in every personalization")
    for index, personalization in enumerate(personalizations):
        # Each message carries the top-level custom_args merged with its personalization's.
        merged = {**payload.get("custom_args", {}), **personalization.get("custom_args", {})}
        if merged and len(json.dumps(merged).encode()) >= LIMIT_BYTES:
            problems.append(f"personalizations/{index}/custom_args: 10,000 bytes at most with the top-level ones")
        pairs = personalization.get("substitutions", {})
        if sum(len(k.encode()) + len(str(v).encode()) for k, v in pairs.items()) > LIMIT_BYTES:
            problems.append(f"personalizations/{index}/substitutions: over 10,000 bytes")
    return problems


@dataclass(frozen=True)
class Accepted:
    delivery_id: str
    email: str
    subject: str
    request: int


@dataclass(frozen=True)
class Answered:
    number: int
    at: dt.datetime
    status: int
    personalizations: int


@dataclass
class FakeSendGrid:
    """The fake's behaviour switches and what it saw; safe to read from the test thread."""

    clock: Callable[[], dt.datetime] = utc_clock
    keep_payloads: bool = True
    api_key: str = "SG.fake-key"
    accepted: list[Accepted] = field(default_factory=list)
    answered: list[Answered] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[list[str]] = field(default_factory=list)
    delay_seconds: float = 0.0  # every accepted request answers this late (a slow provider)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._limited_until: dt.datetime | None = None
        self._failures: list[int] = []
        self._hangs: list[float] = []
        self._server: ThreadingHTTPServer | None = None
        self.accepted_ids: Counter[str] = Counter()

    # -------------------------------------------------------------------------------- switches

    def rate_limit_for(self, seconds: float) -> None:
        """Answer 429 with Retry-After until `seconds` from now (by the fake's clock)."""
        self._limited_until = self.clock() + dt.timedelta(seconds=seconds)

    def fail_next(self, count: int, status: int = 500) -> None:
        self._failures.extend([status] * count)

    def hang_next(self, count: int, seconds: float) -> None:
        """Accept the next `count` requests, then keep the client waiting `seconds` before 202."""
        self._hangs.extend([seconds] * count)

    # -------------------------------------------------------------------------------- serving

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeSendGrid:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True, name="fake-sendgrid").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSendGrid:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": len(self.answered),
                "accepted": sum(self.accepted_ids.values()),
                "distinct": len(self.accepted_ids),
                "duplicates": sum(count - 1 for count in self.accepted_ids.values() if count > 1),
                "rejected": len(self.rejections),
                "statuses": dict(Counter(a.status for a in self.answered)),
            }

    def statuses(self) -> list[int]:
        return [answer.status for answer in self.answered]

    # -------------------------------------------------------------------------------- answering

    def answer(self, authorization: str, body: bytes) -> tuple[int, dict[str, str], dict[str, Any] | None, float]:
        """(status, headers, JSON body, seconds to wait before answering) for one request."""
        now = self.clock()
        with self._lock:
            number = len(self.answered) + 1
            status, headers, reply, wait = self._decide(authorization, body, now, number)
            accepted = len(self.payloads[-1]["personalizations"]) if status == 202 and self.keep_payloads else 0
            self.answered.append(Answered(number, now, status, accepted))
        return status, headers, reply, wait

    def _decide(
        self, authorization: str, body: bytes, now: dt.datetime, number: int
    ) -> tuple[int, dict[str, str], dict[str, Any] | None, float]:
        if authorization != f"Bearer {self.api_key}":
            return 401, {}, _errors(["authorization: bad or missing API key"]), 0
        if self._limited_until is not None and now < self._limited_until:
            retry_after = max(1, round((self._limited_until - now).total_seconds()))
            return 429, {"Retry-After": str(retry_after)}, _errors(["too many requests"]), 0
        if self._failures:
            return self._failures.pop(0), {}, _errors(["internal error, try again"]), 0
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {}, _errors(["body is not JSON"]), 0
        problems = contract_problems(payload)
        if problems:
            self.rejections.append(problems)
            return 400, {}, _errors(problems), 0
        self._record(payload, number)
        wait = self._hangs.pop(0) if self._hangs else self.delay_seconds
        return 202, {"X-Message-Id": uuid.uuid4().hex[:22]}, None, wait

    def _record(self, payload: dict[str, Any], number: int) -> None:
        if self.keep_payloads:
            self.payloads.append(payload)
        for personalization in payload["personalizations"]:
            delivery_id = personalization.get("custom_args", {}).get("delivery_id", "")
            self.accepted_ids[delivery_id] += 1
            if self.keep_payloads:
                subject = payload.get("subject", "")
                for key, value in personalization.get("substitutions", {}).items():
                    subject = subject.replace(key, value)
                email = personalization["to"][0]["email"]
                self.accepted.append(Accepted(delivery_id, email, subject, number))


def _errors(messages: list[str]) -> dict[str, Any]:
    return {"errors": [{"message": message, "field": None} for message in messages]}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # workers with many requests in flight: no refused or delayed connects


class _Handler(BaseHTTPRequestHandler):
    owner: FakeSendGrid

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        if self.path != "/v3/mail/send":
            self._reply(404, {}, _errors([f"no such endpoint {self.path}"]))
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, headers, reply, wait = self.owner.answer(self.headers.get("Authorization", ""), body)
        if wait:
            time.sleep(wait)
        self._reply(status, headers, reply)

    def do_GET(self) -> None:
        if self.path == "/_fake/stats":
            self._reply(200, {}, self.owner.stats())
        else:
            self._reply(404, {}, None)

    def _reply(self, status: int, headers: dict[str, str], reply: dict[str, Any] | None) -> None:
        data = json.dumps(reply).encode() if reply is not None else b""
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass


def main() -> None:
    """Run as a process: print the port, serve until killed (an argument: answer that many ms late)."""
    delay_ms = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    fake = FakeSendGrid(keep_payloads=False, delay_seconds=delay_ms / 1000).start()
    print(fake.url.rpartition(":")[2], flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
