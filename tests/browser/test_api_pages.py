"""The API pages in a real browser: an admin makes a token and registers a webhook receiver, and the
API reference (Swagger UI, vendored) renders our spec under the page's CSP. At 1280 and 375 px, axe-scanned."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_users_and_audit import check_both_widths

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ADMIN = "admin@demo.channelcast.example"


def test_an_admin_makes_a_token_and_sees_it_once(live_server: str, page: Page) -> None:
    sign_in(page, live_server, ADMIN)
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.get_by_role("heading", name="API", exact=True)).to_be_visible()
    page.get_by_label("Name").fill("Salesforce sync")
    page.get_by_label(re.compile(r"content:read:")).check()
    page.get_by_label(re.compile(r"suppressions:write:")).check()
    page.get_by_role("button", name="Make token").click()
    secret = page.locator(".api-secret__value").inner_text()
    assert re.fullmatch(r"cc_[A-Za-z0-9_-]{43}", secret)
    row = page.get_by_role("row").filter(has_text="Salesforce sync")
    expect(row).to_contain_text(secret[:11])
    assert check_both_widths(page, "api-tokens") == []
    page.goto(live_server + "/admin/api/")
    expect(page.get_by_text(secret)).to_have_count(0)


def test_an_admin_registers_a_webhook_receiver(live_server: str, page: Page) -> None:
    sign_in(page, live_server, ADMIN)
    page.goto(live_server + "/admin/webhooks/")
    page.get_by_label("Receiver URL").fill("https://crm.partner.example/hooks/channelcast")
    page.get_by_label("Description").fill("Salesforce")
    page.get_by_label(re.compile(r"contact\.unsubscribed:")).check()
    page.get_by_label(re.compile(r"email\.bounced:")).check()
    page.get_by_role("button", name="Add receiver").click()
    expect(page.locator(".api-secret__value")).to_contain_text("whsec_")
    assert check_both_widths(page, "api-webhooks") == []
    page.get_by_role("link", name="Salesforce").click()
    expect(page.get_by_role("heading", name=re.compile("Salesforce"))).to_be_visible()
    assert check_both_widths(page, "api-webhook") == []


def test_the_api_reference_renders_our_spec_from_vendored_files(live_server: str, page: Page) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(live_server) else None)
    page.goto(live_server + "/api/v1/docs")
    expect(page.get_by_role("heading", name=re.compile("Channelcast API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/campaigns/{campaign_id}/schedule")).to_be_visible()
    screenshot(page, "api-docs-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "api-docs-375")
    assert [text for text in problems if not text.startswith("failed: ") or ".map" not in text] == []
    assert [url for url in outside if not url.startswith("data:")] == []
