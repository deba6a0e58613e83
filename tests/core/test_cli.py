import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.models import Role, User
from core.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD


def test_users_create_makes_the_first_admin_who_can_sign_in(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "Boss@Vendor.example", "--name", "Bea Boss", "--password", "long-enough-pw"]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@vendor.example" in result.output
    user = session.scalar(select(User).where(User.email == "boss@vendor.example"))
    assert user is not None
    assert user.role is Role.ADMIN
    assert user.check_password("long-enough-pw")


def test_users_create_explains_a_short_or_common_password_or_a_taken_email(
    app: Flask, session: Session, admin: User
) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "--email", "new@vendor.example", "--password", "short-pass"])
    assert short.exit_code != 0
    assert "password: Use at least 12 characters" in short.output
    common = runner.invoke(args=["users", "create", "--email", "new@vendor.example", "--password", "1q2w3e4r5t6y"])
    assert common.exit_code != 0
    assert "10,000 most common passwords" in common.output
    taken = runner.invoke(args=["users", "create", "--email", admin.email, "--password", "long-enough-pw"])
    assert taken.exit_code != 0
    assert f"email: {admin.email} already has an account." in taken.output
    assert session.scalar(select(func.count(User.id)).where(User.email == "new@vendor.example")) == 0


def test_demo_loads_once_prints_the_sign_in_and_a_second_run_changes_nothing(app: Flask, session: Session) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert f"Sign in as {DEMO_ADMIN_EMAIL} with the password {DEMO_PASSWORD}" in first.output
    count = session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already there" in second.output
    assert session.scalar(select(func.count()).select_from(User)) == count
    admin = session.scalar(select(User).where(User.email == DEMO_ADMIN_EMAIL))
    assert admin is not None
    assert admin.check_password(DEMO_PASSWORD)
    assert admin.role is Role.ADMIN


def test_demo_refuses_a_production_database_unless_forced(app: Flask) -> None:
    settings = app.config["CHANNELCAST"]
    app.config["CHANNELCAST"] = type(settings)(**{**settings.__dict__, "app_env": "production"})
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "APP_ENV is production" in result.output


def test_db_current_names_the_revision(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0
    assert "head:" in result.output


@pytest.mark.slow
def test_the_dev_server_serves_pages_and_runs_the_scheduler(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {"PATH": os.environ["PATH"], "INSTANCE_DIR": str(tmp_path), "LOG_LEVEL": "warning"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=root, env=environ, check=True, capture_output=True, timeout=60)
    server = subprocess.Popen([*flask, "dev", "--port", str(port)], cwd=root, env=environ, stdout=subprocess.DEVNULL)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = json.load(response)
                if body["scheduler"]["heartbeat_age_s"] is not None:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert body is not None, "the dev server never answered"
        assert body["ok"] is True
        assert body["scheduler"]["ok"] is True, "the in-process scheduler did not tick"
    finally:
        server.terminate()
        server.wait(timeout=10)
