"""The partner programme in a real browser: the competency matrix and the other vendor pages, and
the portal home's programme panel, at 1280 and 375 pixels wide, each scanned with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.demo import DEMO_ADMIN_EMAIL
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_content_library import serious_violations
from tests.browser.test_partner_portal import sign_in_by_magic_link

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def fits_the_width(page: Page) -> bool:
    """Nothing sticks out sideways: the page is no wider than the window."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_the_competency_matrix_and_programme_pages_work_at_both_widths_without_serious_accessibility_problems(
    live_server: str, page: Page
) -> None:
    sign_in(page, live_server, DEMO_ADMIN_EMAIL)
    page.get_by_role("link", name="Programme", exact=True).click()
    expect(page.get_by_role("heading", name="Competency matrix", level=1)).to_be_visible()
    expect(page.locator(".competency-matrix tbody tr").first).to_be_visible()
    expect(page.get_by_text("Held").first).to_be_visible()
    found = {"matrix": serious_violations(page)}
    screenshot(page, "programme-matrix-1280")
    for name, label in (("training", "Needs training"), ("competencies", "Competencies"),
                        ("requirements", "Requirements"), ("import", "Import certifications")):  # fmt: skip
        page.get_by_role("navigation", name="Partner programme").get_by_role("link", name=label, exact=True).click()
        found[name] = serious_violations(page)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + "/admin/programme/")
    assert fits_the_width(page)
    found["matrix-375"] = serious_violations(page)
    screenshot(page, "programme-matrix-375")
    page.locator(".competency-matrix tbody th a").first.click()
    expect(page.get_by_role("heading", name="Competencies and certified people")).to_be_visible()
    assert fits_the_width(page)
    found["partner-375"] = serious_violations(page)
    screenshot(page, "programme-partner-375")
    assert found == {name: [] for name in found}


def test_the_portal_home_shows_the_programme_panel_at_both_widths(
    live_server: str, page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sign_in_by_magic_link(page, live_server, tmp_path_factory.getbasetemp())
    panel = page.get_by_role("region", name="Your partner programme")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Tier", exact=True)).to_be_visible()
    expect(panel.get_by_role("heading", name="Competencies you hold")).to_be_visible()
    found = {"portal-1280": serious_violations(page)}
    screenshot(page, "programme-portal-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(panel).to_be_visible()
    assert fits_the_width(page)
    found["portal-375"] = serious_violations(page)
    screenshot(page, "programme-portal-375")
    assert found == {name: [] for name in found}
