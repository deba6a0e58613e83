"""Signed links work for whoever holds them: no log line, ours or gunicorn's, may hold one."""

from __future__ import annotations

import datetime as dt
import logging
import runpy
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from gunicorn.config import Config
from werkzeug.test import EnvironBuilder

from core.logs import redact_secrets

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        ("/p/abc.DEF-123", "/p/[redacted]"),
        ("/p/abc.DEF-123/unsubscribe", "/p/[redacted]/unsubscribe"),
        ("/u/tok", "/u/[redacted]"),
        ("/invite/tok", "/invite/[redacted]"),
        ("/password/reset/tok", "/password/reset/[redacted]"),
        ("/portal/sign-in/tok", "/portal/sign-in/[redacted]"),
        ("/api/v1/kit-downloads/tok", "/api/v1/kit-downloads/[redacted]"),
        ("/t/o/tok.gif", "/t/o/[redacted]"),
        ('"GET /t/c/tok HTTP/1.1"', '"GET /t/c/[redacted] HTTP/1.1"'),
        ("/admin/partners/12", "/admin/partners/12"),  # an id is not a secret
        ("/admin/partners/12/p/x", "/admin/partners/12/p/x"),  # only at the start of a path
    ],
)
def test_the_secret_of_a_signed_link_never_reaches_a_log(logged: str, kept: str) -> None:
    assert redact_secrets(logged) == kept


def test_a_request_for_the_preference_page_is_logged_without_its_token(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        app.test_client().get("/p/not-a-real-but-secret-looking-token")
    lines = [record.getMessage() for record in caplog.records]
    assert any("/p/[redacted]" in line for line in lines)
    assert not any("secret-looking" in line for line in lines)


def test_gunicorns_access_log_redacts_the_request_line_and_path() -> None:
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    logger = config["logger_class"](Config())
    request = SimpleNamespace(method="GET", path="/p/tok-123", query="", uri="/p/tok-123", version=(1, 1), headers=[])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], status_code=200)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/p/tok-123", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/p/tok-123", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=3))
    assert "tok-123" not in atoms["r"]
    assert atoms["U"] == "/p/[redacted]"


def _start_response(_status: str, _headers: list[tuple[str, str]], _exc: object = None) -> Callable[[bytes], object]:
    return lambda _body: None


def test_a_request_the_app_logged_is_not_logged_again_by_gunicorn(
    app: Flask, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    settings = Config()
    settings.set("accesslog", "-")
    logger = config["logger_class"](settings)
    served = EnvironBuilder(path="/p/not-a-real-token").get_environ()
    with caplog.at_level(logging.INFO):
        b"".join(app(served, _start_response))  # as gunicorn calls it, with the environ it then logs from
    unseen = EnvironBuilder(path="/t/o/tok.gif").get_environ()  # answered in front of the app, never by it
    for environ in (served, unseen):
        request = SimpleNamespace(method="GET", path=environ["PATH_INFO"], query="", uri=environ["PATH_INFO"],
                                  version=(1, 1), headers=[])  # fmt: skip
        response = SimpleNamespace(status="200 OK", sent=10, headers=[], status_code=200)
        logger.access(response, request, environ, dt.timedelta(milliseconds=3))
    access_lines = capsys.readouterr().out.splitlines()
    assert [line for line in access_lines if "/p/" in line] == []  # the app's own line is the one
    assert len([record for record in caplog.records if "/p/[redacted]" in record.getMessage()]) == 1
    assert len([line for line in access_lines if "/t/o/[redacted]" in line]) == 1
