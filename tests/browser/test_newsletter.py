"""The newsletter as people see it: the admin's preview, and the email at phone and desktop widths."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_staff_preview_a_contacts_next_newsletter_at_phone_and_desktop_width(
    live_server: str, page: Page, browser: Browser
) -> None:
    sign_in(page, live_server, "admin@demo.channelcast.example")
    page.goto(live_server + "/admin/partners")
    page.locator("table tbody a").first.click()  # a partner (the header sorts)
    page.locator("table a[href*='/admin/contacts/']").first.click()
    page.get_by_role("link", name="What will they receive next?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Next newsletter")
    expect(page.get_by_text("When").first).to_be_visible()
    screenshot(page, "newsletter-preview-admin")
    email_url = page.locator("iframe").first.get_attribute("src")
    assert email_url
    for width in (375, 600):
        # The staff session's cookie, so the email URL opens for the signed-in admin.
        context = browser.new_context(
            viewport={"width": width, "height": 900}, storage_state=page.context.storage_state()
        )
        email = context.new_page()
        email.goto(live_server + email_url)
        assert "/u/" in email.content()  # the visible unsubscribe link, in any language
        overflow = email.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"the newsletter scrolls sideways at {width} px"
        screenshot(email, f"newsletter-{width}")
        context.close()
