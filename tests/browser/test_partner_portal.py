"""A partner marketer in a real browser: magic-link sign-in, brand colours and logo with the live preview,
a kit download; and an accessibility scan of every portal page."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from bench import kit_samples
from tests.browser.conftest import screenshot
from tests.browser.test_content_library import serious_violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PARTNER_MARKETER = "marketing@portal-gb.demo.channelcast.example"  # from the demo (campaigns/kits/demo.py)


def newest_sign_in_link(outboxes: Path) -> str:
    messages = sorted(outboxes.glob("live*/instance/outbox/*.eml"), key=lambda path: path.stat().st_mtime)
    assert messages, "no message in the live server's outbox"
    text = messages[-1].read_bytes().decode().replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
    match = re.search(r"https?://[^\s\"<>]+/portal/sign-in/[A-Za-z0-9._-]+", text)
    assert match
    return match.group(0)


def sign_in_by_magic_link(page: Page, live_server: str, base: Path) -> None:
    page.goto(live_server + "/portal/sign-in")
    page.get_by_label("Your work email").fill(PARTNER_MARKETER)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = newest_sign_in_link(base)
    page.goto(live_server + urlsplit(link).path)  # the link names PUBLIC_BASE_URL, not this test server
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Campaigns and kits for"))).to_be_visible()


def test_a_partner_marketer_signs_in_sets_the_brand_sees_the_preview_and_downloads_a_kit(
    live_server: str,
    page: Page,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    sign_in_by_magic_link(page, live_server, tmp_path_factory.getbasetemp())
    screenshot(page, "portal-home")

    page.get_by_role("link", name="Your brand", exact=True).click()
    preview = page.frame_locator("#brand-preview")
    expect(preview.locator("#banner-preview")).to_be_visible()
    page.get_by_label("Primary colour").fill("#7a1f5c")
    expect(preview.locator('[style*="#7a1f5c"]').first).to_be_attached()
    expect(page.locator("#primary_color-contrast")).to_contain_text("contrast")
    logo = tmp_path / "logo.png"
    logo.write_bytes(kit_samples.logo(colour="#1a7f37"))
    page.get_by_label("Logo (PNG, JPEG or WebP)").set_input_files(str(logo))
    expect(preview.locator('img[src^="data:image/png"]').first).to_be_attached()
    screenshot(page, "portal-brand-editor")
    page.get_by_role("button", name="Save my brand").click()
    expect(page.get_by_text("Your brand is saved")).to_be_visible()
    expect(page.get_by_alt_text("Your current logo")).to_be_visible()

    page.get_by_role("link", name="Campaigns and kits", exact=True).click()
    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("Download ZIP")).first.click()
    download = downloading.value
    assert download.suggested_filename.endswith("-en.zip")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert "flyer.pdf" in archive.namelist()


def test_the_portal_pages_have_no_serious_accessibility_problems(
    live_server: str,
    page: Page,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    page.goto(live_server + "/portal/sign-in")
    found = {"sign-in": serious_violations(page)}
    sign_in_by_magic_link(page, live_server, tmp_path_factory.getbasetemp())
    found["home"] = serious_violations(page)
    page.get_by_role("link", name=re.compile("^Kit in")).first.click()
    found["kit"] = serious_violations(page)
    screenshot(page, "portal-kit")
    for name, label in (("brand", "Your brand"), ("contacts", "Your contacts")):
        page.get_by_role("link", name=label, exact=True).click()
        found[name] = serious_violations(page)
    screenshot(page, "portal-contacts")
    assert found == {name: [] for name in found}
