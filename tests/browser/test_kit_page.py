"""The partner's kit page in a real browser: what a German marketer sees at 1280 and 375 pixels
(compared with committed references, see tests/visual/compare.py), keyboard copy buttons that say
"Kopiert", no sideways scroll on a phone, and an axe scan; and the vendor's preview of it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from campaigns.kits import fonts
from campaigns.portal.kit_views import email_with_inline_images
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in
from tests.browser.test_content_library import serious_violations
from tests.browser.test_partner_portal import newest_sign_in_link
from tests.campaigns.kits.conftest import open_zip
from tests.visual.compare import matches_reference
from tests.visual.test_kit_creative import demo_kit

pytestmark = [pytest.mark.slow, pytest.mark.browser]
GERMAN_MARKETER = "marketing@portal-de.demo.channelcast.example"  # the demo's; no other test changes its brand


def open_kit_page(page: Page, live_server: str, base: Path) -> None:
    page.goto(live_server + "/portal/sign-in")
    page.get_by_label("Your work email").fill(GERMAN_MARKETER)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(live_server + urlsplit(newest_sign_in_link(base)).path)
    page.get_by_role("button").filter(has_text=re.compile("Anmelden|Sign in")).first.click()
    page.get_by_role("link", name=re.compile("^Kit auf")).first.click()
    expect(page.get_by_role("heading", name="E-Mail mit Ihrem Markenauftritt")).to_be_visible()


def settle(page: Page) -> None:
    """Every picture and frame loaded, so a screenshot shows the same page every time."""
    page.evaluate("document.querySelectorAll('[loading=lazy]').forEach(e => { e.loading = 'eager'; })")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")


def test_the_kit_page_at_1280_and_375_pixels_matches_its_references_and_passes_axe(
    live_server: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    try:
        open_kit_page(page, live_server, tmp_path_factory.getbasetemp())
        settle(page)
        assert serious_violations(page) == []
        wide = Image.open(io.BytesIO(page.screenshot(full_page=True, animations="disabled")))
        matches_reference(wide, "kit-page-1280")
        page.screenshot(path=str(ARTIFACTS / "portal-kit-page.png"), animations="disabled")  # the README's, by hand
        page.set_viewport_size({"width": 375, "height": 800})
        settle(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scroll on a phone"
        assert serious_violations(page) == []
        narrow = Image.open(io.BytesIO(page.screenshot(full_page=True, animations="disabled")))
        matches_reference(narrow, "kit-page-375")
        screenshot(page, "portal-kit-page-375")
    finally:
        context.close()


def test_copy_buttons_work_by_keyboard_and_announce_copied(
    live_server: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    try:
        open_kit_page(page, live_server, tmp_path_factory.getbasetemp())
        button = page.get_by_role("button", name=re.compile("^Als Markdown kopieren")).first
        button.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text("Kopiert")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator("#copy-short-markdown").input_value()
        page.get_by_role("button", name=re.compile("^Kopieren.*X")).focus()
        page.keyboard.press("Space")
        assert page.evaluate("navigator.clipboard.readText()") == page.locator("#post-x").inner_text()
    finally:
        context.close()


def test_a_marketer_opens_a_partners_kit_from_the_kit_overview_as_a_preview(live_server: str, page: Page) -> None:
    sign_in(page, live_server, "marketing@demo.channelcast.example")
    page.goto(live_server + "/campaigns/")
    page.get_by_role("link", name="Storage refresh trade-in", exact=True).first.click()
    page.goto(page.url.rstrip("/") + "/kit")
    page.get_by_role("link", name=re.compile("^Open as the partner sees it")).first.click()
    expect(page.get_by_role("note")).to_contain_text("Hier wordt niets verstuurd")  # the first partner: Dutch
    assert page.locator("html").get_attribute("lang") == "nl"
    expect(page.get_by_role("button", name=re.compile("test", re.IGNORECASE))).to_have_count(0)
    assert serious_violations(page) == []


@pytest.mark.parametrize("locale", ["en", "pl"])
def test_the_kit_email_at_600_pixels_matches_its_reference(browser: Browser, locale: str) -> None:
    if not fonts.dejavu_available():
        pytest.skip("DejaVu Sans is not installed (make fonts): renderings would not match their references")
    html = email_with_inline_images(open_zip(demo_kit(locale)))
    context = browser.new_context(viewport={"width": 600, "height": 800}, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.set_content(html, wait_until="load")
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True, animations="disabled")))
    finally:
        context.close()
    matches_reference(shot, f"email-600-{locale}")
