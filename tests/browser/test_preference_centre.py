"""A partner contact manages their newsletter from the link in an email, in a real browser."""

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from core.demo import DEMO_ADMIN_EMAIL
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def serious_violations(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]


def fits_a_phone(page: Page) -> bool:
    page.set_viewport_size({"width": 375, "height": 740})
    fits = page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})
    return bool(fits)


def sign_in_and_open_an_active_contact(page: Page, live_server: str) -> str:
    sign_in(page, live_server, DEMO_ADMIN_EMAIL)
    page.goto(live_server + "/admin/partners?tier=gold")
    page.locator("tbody tr a").first.click()
    page.locator("tbody tr", has_text="Receives mail").first.locator("a").click()
    return str(page.url)


def support_links(page: Page, live_server: str) -> tuple[str, str]:
    page.get_by_role("button", name="Show preference links").click()
    expect(page.locator(".links code")).to_have_count(2)
    codes = page.locator(".links code").all_inner_texts()
    preference, unsubscribe = (live_server + urlsplit(url).path for url in codes)
    return preference, unsubscribe


def test_a_contact_changes_topics_frequency_language_and_pauses_then_unsubscribes(
    live_server: str, browser: Browser, page: Page
) -> None:
    contact_page = sign_in_and_open_an_active_contact(page, live_server)
    preference, unsubscribe = support_links(page, live_server)

    partner = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    them = partner.new_page()
    them.goto(preference + "?lang=en")
    assert them.get_by_role("heading", level=1).inner_text() == "Your newsletter preferences"
    assert serious_violations(them) == []
    assert fits_a_phone(them)
    topics = them.locator("fieldset", has_text="Topics")
    for box in topics.get_by_role("checkbox").all():
        box.uncheck()
    topics.get_by_label("Security").check()
    topics.get_by_label("Cloud").check()
    them.get_by_label("Every two weeks").check()
    them.get_by_role("button", name="Save my choices").click()
    expect(them.get_by_text("Your choices are saved.")).to_be_visible()
    next_line = them.locator(".next-newsletter").inner_text()
    assert re.fullmatch(r"Your next newsletter: .+, about Cloud and Security\.", next_line), next_line
    screenshot(them, "preference-centre")

    them.get_by_role("link", name="Nederlands").click()
    expect(them.get_by_role("heading", level=1)).to_have_text("Uw nieuwsbriefvoorkeuren")
    them.get_by_label("1 maand").check()
    them.get_by_role("button", name="Nieuwsbrieven pauzeren").click()
    expect(them.locator(".next-newsletter")).to_contain_text("gepauzeerd tot")
    assert serious_violations(them) == []

    them.goto(unsubscribe + "?lang=en")
    assert them.get_by_role("heading", level=1).inner_text() == "Unsubscribe"
    assert serious_violations(them) == []
    assert fits_a_phone(them)
    screenshot(them, "unsubscribe-confirmation")
    them.get_by_role("button", name="Yes, unsubscribe me").click()
    expect(them.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    partner.close()

    page.goto(contact_page)
    history = page.locator("table", has_text="Consent log").inner_text()
    for action in ("preferences", "paused", "unsubscribed"):
        assert re.search(rf"{action}\s+By the contact", history), f"{action} missing from the consent log"
    assert "frequency: " in history
    assert "-> fortnightly" in history


def test_a_bad_link_gets_a_friendly_page_that_passes_axe(live_server: str, page: Page) -> None:
    page.goto(live_server + "/p/this-is-not-a-real-token")
    assert page.get_by_role("heading", level=1).inner_text() == "This link does not work"
    assert serious_violations(page) == []
