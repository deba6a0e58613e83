"""The admin shell at desktop and phone widths, on the demo data: the navigation fits one row at
1280 px and folds behind a real menu button at 375 px; no admin page scrolls sideways on a phone
and every table fits or stacks as cards; pages show names, never interest-area slugs or language
codes; and the pages pass an axe scan."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_content_library import serious_violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ADMIN = "admin@demo.channelcast.example"

# Every admin page an administrator reaches, with the demo's first record of each kind.
ADMIN_PAGES = [
    "/", "/content/", "/content/new", "/content/1", "/content/areas/", "/content/areas/new", "/content/areas/1",
    "/campaigns/", "/campaigns/calendar", "/campaigns/new", "/campaigns/1", "/campaigns/1/edit", "/campaigns/1/kit",
    "/campaigns/1/kit/en", "/admin/partners", "/admin/partners/new", "/admin/partners/1", "/admin/partners/1/edit",
    "/admin/partners/1/brand/", "/admin/partners/1/portal-users/", "/admin/partners/1/contacts/new",
    "/admin/contacts/1", "/admin/contacts/1/edit", "/admin/contacts/1/move", "/admin/contacts/import",
    "/admin/distributor-teams", "/admin/distributor-teams/1/edit", "/newsletters/contacts/1", "/admin/delivery/",
    "/admin/delivery/messages/failed", "/admin/delivery/mailbox", "/admin/delivery/suppressions", "/admin/users/",
    "/admin/users/1", "/admin/users/invite", "/admin/audit/", "/admin/api/", "/admin/webhooks/", "/account",
]  # fmt: skip

# What a phone shows wider than the screen: the page itself, or a table that neither fits nor stacks.
OVERFLOW = """() => {
  const wide = [];
  if (document.documentElement.scrollWidth > innerWidth) wide.push('page ' + document.documentElement.scrollWidth);
  for (const table of document.querySelectorAll('main table')) {
    const box = table.getBoundingClientRect();
    const name = table.className || (table.caption && table.caption.innerText);
    if (box.width && (box.left < 0 || box.right > innerWidth + 0.5)) wide.push('table ' + name);
  }
  return wide;
}"""

# Text a person reads (code samples excluded: the areas page names each area's import code there).
VISIBLE_TEXT = """() => {
  const copy = document.querySelector('main').cloneNode(true);
  copy.querySelectorAll('code, script, style, iframe').forEach(node => node.remove());
  return copy.innerText;
}"""

# Cells and list items that say nothing but a language code, where the language's name belongs.
LANGUAGE_CODES = """() => Array.from(document.querySelectorAll('main td, main dd, main li, main span, main abbr'))
  .filter(node => node.offsetParent !== null)
  .filter(node => /^(en|nl|de|fr|sv|pl)(\\s*,\\s*(en|nl|de|fr|sv|pl))*$/.test(node.innerText.trim()))
  .map(node => node.outerHTML.slice(0, 80))"""


# Where each navigation link sits: one row means one distinct top.
TOPS = "links => links.map(link => Math.round(link.getBoundingClientRect().top))"


def demo_slugs_that_differ_from_names(page: Page, base: str) -> list[str]:
    """The demo's interest-area codes that are not simply their English name in lower case
    ("data-protection" for Data protection; not "server" for Servers, a word pages use anyway)."""
    page.goto(base + "/content/areas/")
    pairs = page.locator("main tbody tr").evaluate_all(
        "rows => rows.map(row => [row.querySelector('code').innerText, row.querySelector('strong').innerText])"
    )
    return [slug for slug, name in pairs if not name.lower().startswith(slug)]


def test_at_375_px_no_admin_page_scrolls_sideways_and_pages_show_names_not_codes(
    live_server: str, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, ADMIN)
    slugs = demo_slugs_that_differ_from_names(page, live_server)
    assert "data-protection" in slugs  # the check has something to find
    assert "client-devices" in slugs
    wide, internals = [], []
    for path in ADMIN_PAGES:
        response = page.goto(live_server + path)
        assert response is not None
        assert response.status == 200, path
        wide += [f"{path}: {what}" for what in page.evaluate(OVERFLOW)]
        text = page.evaluate(VISIBLE_TEXT)
        internals += [
            f"{path}: slug {slug}" for slug in slugs if re.search(rf"(?<![\w-]){re.escape(slug)}(?![\w-])", text)
        ]
        internals += [f"{path}: code {cell}" for cell in page.evaluate(LANGUAGE_CODES)]
    context.close()
    assert wide == []
    assert internals == [], internals


def test_the_navigation_is_one_row_at_1280_px_with_one_current_item(live_server: str, page: Page) -> None:
    sign_in(page, live_server, ADMIN)
    sections = [
        ("/", "Overview"),
        ("/admin/partners/1/portal-users/", "Partners"),
        ("/campaigns/1/kit", "Campaigns"),
        ("/admin/webhooks/", "API"),
    ]
    for path, current in sections:
        page.goto(live_server + path)
        nav = page.get_by_role("navigation", name="Main")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        tops = nav.get_by_role("link").evaluate_all(TOPS)
        assert len(tops) >= 8
        assert len(set(tops)) == 1, f"{path}: the navigation wraps ({tops})"
        marked = nav.locator('[aria-current="page"]')
        expect(marked).to_have_count(1)
        expect(marked).to_have_text(current)
    screenshot(page, "admin-nav-1280")
    assert serious_violations(page) == []


def test_at_375_px_the_menu_button_opens_and_closes_the_navigation(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, ADMIN)
    page.goto(live_server + "/admin/partners")
    button = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    screenshot(page, "admin-partners-375")
    assert serious_violations(page) == []

    button.focus()
    page.keyboard.press("Enter")  # a real button: the keyboard opens it too
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Partners")).to_be_visible()
    expect(nav.locator('[aria-current="page"]')).to_have_text("Partners")
    screenshot(page, "admin-menu-open-375")
    assert serious_violations(page) == []

    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Overview")).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav).to_be_hidden()

    button.click()
    nav.get_by_role("link", name="Campaigns").click()
    page.wait_for_url(live_server + "/campaigns/")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    assert serious_violations(page) == []
    context.close()


def test_a_german_admin_reads_the_pages_in_german_at_both_widths(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, ADMIN)
    page.goto(live_server + "/account")
    page.get_by_label("Language of these pages").select_option("de")
    page.get_by_role("button", name="Save").first.click()
    try:
        page.goto(live_server + "/campaigns/")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.get_by_role("heading", level=1)).to_have_text("Kampagnen")
        tops = page.get_by_role("navigation", name="Hauptmenü").get_by_role("link").evaluate_all(TOPS)
        assert len(tops) >= 8
        assert len(set(tops)) == 1, f"the German navigation wraps at 1280 px ({tops})"
        assert serious_violations(page) == []
        page.set_viewport_size({"width": 375, "height": 800})
        expect(page.get_by_role("button", name="Menü")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    finally:
        page.goto(live_server + "/account")
        page.get_by_label("Sprache dieser Seiten").select_option("en")
        page.get_by_role("button", name="Speichern").first.click()
        context.close()
