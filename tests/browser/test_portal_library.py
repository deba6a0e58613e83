"""The portal's library, its item pages and the named person, in a real browser at 1280 and 375
pixels, with an accessibility scan; and the vendor's tier-badge page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench import kit_samples
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_content_library import serious_violations
from tests.browser.test_partner_portal import sign_in_by_magic_link

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ADMIN = "admin@demo.channelcast.example"
WIDTHS = (1280, 375)


def scan_at_both_widths(page: Page, name: str) -> dict[str, list[str]]:
    """axe's serious findings at each width, and a full-page screenshot of each for review."""
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        found[f"{name}-{width}"] = serious_violations(page)
        screenshot(page, f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        assert not overflow, f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 800})
    return found


def test_a_partner_searches_the_library_reads_an_item_and_adds_an_event_to_their_calendar(
    live_server: str, page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sign_in_by_magic_link(page, live_server, tmp_path_factory.getbasetemp())
    expect(page.get_by_role("heading", name=re.compile("^Your contact at"))).to_be_visible()  # the named person

    page.get_by_role("link", name="Library", exact=True).click()
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    found = scan_at_both_widths(page, "portal-library")
    first_title = page.locator(".library-card__title a").first.inner_text()
    word = max(re.findall(r"\w+", first_title), key=len)
    page.get_by_label("Search", exact=True).fill(f'"{word}" OR %')
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".library-card__title a").first).to_be_visible()

    page.goto(live_server + "/portal/library?kind=event")
    page.locator(".library-card__title a").first.click()
    expect(page.get_by_role("heading", name="When")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Your contact at"))).to_be_visible()
    found.update(scan_at_both_widths(page, "portal-library-item"))
    page.get_by_role("button", name=re.compile("^Copy as plain text")).click()
    expect(page.locator("#copy-status")).to_have_text("Copied")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    ics = Path(downloading.value.path()).read_text()
    assert "BEGIN:VEVENT" in ics
    assert "DTSTART:" in ics
    assert found == {name: [] for name in found}


def test_an_admin_uploads_a_tier_badge(live_server: str, page: Page, tmp_path: Path) -> None:
    sign_in(page, live_server, ADMIN)
    page.goto(live_server + "/admin/tier-badges")
    badge = tmp_path / "gold.png"
    badge.write_bytes(kit_samples.badge())
    page.get_by_label("Tier").select_option("gold")
    page.get_by_label("Badge (PNG)").set_input_files(str(badge))
    page.get_by_role("button", name="Upload badge").click()
    expect(page.get_by_text("The Gold badge is saved")).to_be_visible()
    expect(page.get_by_role("img", name="Gold badge")).to_be_visible()
    svg = tmp_path / "gold.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    page.get_by_label("Badge (PNG)").set_input_files(str(svg))
    page.get_by_role("button", name="Upload badge").click()
    expect(page.locator(".field__error")).to_contain_text("SVG")
    assert scan_at_both_widths(page, "admin-tier-badges") == {"admin-tier-badges-1280": [], "admin-tier-badges-375": []}
