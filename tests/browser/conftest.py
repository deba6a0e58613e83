"""A live Channelcast on a free loopback port, and Debian's Chromium driven by Playwright.

The live server runs on its own migrated SQLite file with the demo loaded, so the browser sees
exactly what `make run` shows a newcomer.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import BaseWSGIServer, make_server

from core import migrate
from core.demo import DEMO_PASSWORD, demo_steps, load_demo
from tests.conftest import IN_CI, make_settings
from wsgi import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("live")
    # Bind first, so the app's PUBLIC_BASE_URL (links and images in emails) names the real port.
    server: BaseWSGIServer = make_server("127.0.0.1", 0, lambda _environ, _start: [], threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(make_settings(directory, f"sqlite:///{directory / 'live.db'}", PUBLIC_BASE_URL=base_url))
    database = app.extensions["channelcast.db"]
    migrate.upgrade(database.engine)
    with app.app_context():
        load_demo(database.session, demo_steps(app))
        database.session.commit()
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail("Debian's chromium is missing in CI (make test installs it when run as root)")
        pytest.skip("Debian's chromium is not installed: run `make browser` as root, or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Saved for review under tests/artifacts/ (and picked for the README by hand)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, live_server: str, email: str) -> None:
    """Sign in through the form as a demo user and wait for the overview."""
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/")
