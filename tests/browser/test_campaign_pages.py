import re

import pytest
from playwright.sync_api import Page, expect

from core.demo import DEMO_PASSWORD
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def sign_in_as_marketer(page: Page, live_server: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill("marketing@demo.channelcast.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/")


def test_a_marketer_plans_a_campaign_and_finds_it_in_the_calendar(live_server: str, page: Page) -> None:
    sign_in_as_marketer(page, live_server)
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Browser-planned launch")
    page.get_by_label("Launch", exact=True).fill("2099-03-10T09:00")
    page.get_by_label("End").fill("2099-03-24T17:00")
    page.get_by_label("Storage", exact=True).check()
    page.get_by_label("Gold", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Browser-planned launch"))
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("The campaign is now: Scheduled.")).to_be_visible()
    page.goto(live_server + "/campaigns/calendar?month=2099-03")
    launch = page.locator(".calendar__launch", has_text="Browser-planned launch")
    assert launch.count() == 1
    assert page.locator(".calendar__running", has_text="Browser-planned launch").count() == 14
    screenshot(page, "campaign-calendar")


def test_an_impossible_schedule_is_explained_next_to_the_field(live_server: str, page: Page) -> None:
    sign_in_as_marketer(page, live_server)
    page.goto(live_server + "/campaigns/new")
    page.get_by_label("Name").fill("Backwards")
    page.get_by_label("Launch", exact=True).fill("2099-03-10T09:00")
    page.get_by_label("End").fill("2099-03-01T09:00")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#ends_at-error")
    assert error.inner_text() == "The campaign must end after it launches."
    assert page.get_by_label("End").get_attribute("aria-invalid") == "true"
