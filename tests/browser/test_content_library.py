"""A marketer's round trip through the library in a real browser, and an accessibility scan of its pages."""

import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]
MARKETER = "marketing@demo.channelcast.example"
TITLE = "RackLine R8 launch webinar for partners"


def hero_png(path: Path) -> Path:
    image = Image.new("RGB", (1200, 628), "#0b5cad")
    ImageDraw.Draw(image).ellipse((700, 100, 1100, 500), fill="#5fb0e8")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def serious_violations(page: Page) -> list[str]:
    """axe-core's findings of impact serious or critical, as 'rule: first target' lines."""
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        f"{violation['id']}: {violation['nodes'][0]['target']} ({violation['help']})"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_a_marketer_writes_an_item_in_two_languages_with_an_image_publishes_it_and_finds_it(
    live_server: str,
    page: Page,
    tmp_path: Path,
) -> None:
    sign_in(page, live_server, MARKETER)
    page.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="New item").click()

    page.get_by_label("Title").first.fill(TITLE)
    page.locator("#text_en-summary").fill("Join the launch webinar and see the new rack server live.")
    page.locator("#text_en-body").fill("Register **today**. <script>alert('x')</script>")
    nl_tab = page.get_by_role("tab", name="Nederlands")
    expect(nl_tab.locator("[data-marker]")).to_be_visible()
    nl_tab.click()
    page.locator("#text_nl-title").fill("Lanceringswebinar RackLine R8 voor partners")
    expect(nl_tab.locator("[data-marker]")).to_be_hidden()
    page.get_by_label("Servers").check()
    page.get_by_label("Hero image (PNG, JPEG, WebP or GIF)").set_input_files(str(hero_png(tmp_path / "webinar.png")))
    expect(page.locator("#image-chosen")).to_be_visible()

    preview = page.frame_locator("#preview-frame")
    expect(preview.locator("body")).to_contain_text("Lanceringswebinar RackLine R8")  # the live preview follows the tab
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server}/content/*")
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert page.locator("img[alt='Current hero image']").evaluate("image => image.naturalWidth") > 0
    assert "<script>" not in page.frame_locator("#preview-frame").locator("body").inner_html()

    for action in ("Send for review", "Approve", "Publish now"):
        page.get_by_role("button", name=action).click()
    expect(page.get_by_text("The item is now: Published.")).to_be_visible()
    screenshot(page, "content-editor")
    assert serious_violations(page) == []

    page.goto(f"{live_server}/content/?q=RackLine+R8")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row.get_by_text("Published")).to_be_visible()
    assert row.locator(".locale--missing [lang]").count() == 4  # en and nl written; de, fr, sv, pl missing


def test_the_library_and_editor_pass_an_accessibility_scan(live_server: str, page: Page) -> None:
    sign_in(page, live_server, MARKETER)
    page.goto(live_server + "/content/")
    assert page.get_by_role("heading", level=1).inner_text() == "Content library"
    screenshot(page, "content-library")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Content", exact=True).click()
    page.locator("table.library a").first.click()
    page.wait_for_url(f"{live_server}/content/*")
    assert serious_violations(page) == []
    page.goto(live_server + "/content/new")
    assert serious_violations(page) == []
    page.goto(live_server + "/content/areas/")
    assert serious_violations(page) == []
