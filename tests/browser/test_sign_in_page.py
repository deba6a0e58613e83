import pytest
from playwright.sync_api import Browser, Page, expect

from core.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_newcomer_signs_in_with_the_demo_admin_and_sees_the_overview(live_server: str, page: Page) -> None:
    page.goto(live_server + "/")
    assert page.title() == "Sign in · Channelcast"
    screenshot(page, "sign-in")
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Good to see you, Alex"
    expect(page.get_by_text("System status")).to_be_visible()
    screenshot(page, "overview")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_a_wrong_password_is_explained_next_to_the_field(live_server: str, page: Page) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator(".field__error")
    assert error.inner_text().startswith("Wrong email or password")
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"


def test_the_sign_in_page_works_on_a_phone(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(live_server + "/login")
    button = page.get_by_role("button", name="Sign in").bounding_box()
    assert button is not None
    assert button["x"] >= 0
    assert button["x"] + button["width"] <= 375
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, "the page scrolls sideways on a phone"
    screenshot(page, "sign-in-phone")
    context.close()
