"""Logging: readable lines in development, one JSON object per line in production.

Every line written while a request is handled carries that request's id (taken from a
trusted X-Request-ID header when it looks sane, else generated) so one request can be
followed across lines and services.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
# Paths whose next segment is a bearer secret: a signed link works for whoever holds it, so no log
# line may hold one (preference and unsubscribe pages, invitations, password resets, portal
# sign-in links, kit download links, open pixels and tracked clicks). Matched at the start of a
# path or after a space (gunicorn's request line, "GET /p/... HTTP/1.1").
SECRET_PATHS = re.compile(
    r"((?:^|\s)/(?:p|u|invite|password/reset|portal/sign-in|api/v1/kit-downloads|t/[oc])/)[^/?\s]+"
)


# Set in the WSGI environ once the app has written its own line for a request, so the server's access log
# (deploy/gunicorn.conf.py) leaves that request out: one line per request, not two. Requests the app never
# sees (the tracking endpoints answer in front of it) keep the server's line.
LOGGED_BY_APP = "channelcast.logged"


def redact_secrets(text: str) -> str:
    """`text` with the secret of every signed link in it replaced by "[redacted]"."""
    return SECRET_PATHS.sub(r"\1[redacted]", text)


STANDARD_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}

log = logging.getLogger("channelcast.web")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in STANDARD_RECORD_FIELDS})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s", "%H:%M:%S")


def configure_logging(log_format: str, level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    formatter: logging.Formatter = JsonFormatter() if log_format == "json" else TextFormatter()
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "channelcast", False)]:
        root.removeHandler(old)
    handler.channelcast = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        if not log.isEnabledFor(logging.INFO):
            return response
        path = redact_secrets(request.path)
        log.info(
            "%s %s %s %.1fms",
            request.method,
            path,
            response.status_code,
            elapsed_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 1),
            },
        )
        request.environ[LOGGED_BY_APP] = True
        return response
