"""Vendor users, portal users and the audit trail in a real browser, at desktop and phone widths.

An admin invites a marketer, who follows the emailed link, chooses a password and is signed in;
each step shows on the audit page, the chain verifies, and a copy of the database with one row
altered does not. Every new page passes an axe scan at 1280 and 375 px.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from core.audit import verify_chain
from core.db import make_engine
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_content_library import serious_violations
from tests.browser.test_partner_portal import sign_in_by_magic_link

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ADMIN = "admin@demo.channelcast.example"
ACCOUNT_MANAGER = "anna.devries@demo.channelcast.example"
NEW_PASSWORD = "juniper-harbour-saddle-44"


def newest_link(base: Path, pattern: str) -> str:
    messages = sorted(base.glob("live*/instance/outbox/*.eml"), key=lambda path: path.stat().st_mtime)
    for message in reversed(messages):
        text = message.read_bytes().decode().replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
        match = re.search(rf"https?://[^/\s]+({pattern}[A-Za-z0-9._-]+)", text)
        if match:
            return match.group(1)
    raise AssertionError(f"no {pattern} link in the live server's outbox")


def live_database(base: Path) -> Path:
    [found] = {path.resolve() for path in base.glob("live*/live.db")}  # pytest adds a "livecurrent" symlink
    return found


def check_both_widths(page: Page, name: str) -> list[str]:
    """Axe findings at 1280 and at 375 px, with a screenshot of each."""
    found = serious_violations(page)
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    found += [f"375px {problem}" for problem in serious_violations(page)]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 375:
        found.append(f"375px: the page is {width}px wide and scrolls sideways")
    screenshot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    return found


def test_an_admin_invites_a_marketer_who_sets_a_password_and_the_audit_trail_shows_it(
    live_server: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    base = tmp_path_factory.getbasetemp()
    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(admin, live_server, ADMIN)
    admin.get_by_role("link", name="Users", exact=True).click()
    admin.get_by_role("link", name="Invite a user").click()
    admin.get_by_label("Email").fill("nora.new@demo.channelcast.example")
    admin.get_by_label("Name").fill("Nora Nieuw")
    admin.get_by_label("Role").select_option("marketer")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_text("is invited")).to_be_visible()

    invitee = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    invitee.goto(live_server + newest_link(base, "/invite/"))
    expect(invitee.get_by_role("heading", name="Welcome, Nora Nieuw")).to_be_visible()
    invitee.get_by_label("Password", exact=True).fill("password1234")
    invitee.get_by_label("Password again").fill("password1234")
    invitee.get_by_role("button", name="Save password and sign in").click()
    expect(invitee.get_by_text("easy to guess")).to_be_visible()
    invitee.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_label("Password again").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Save password and sign in").click()
    expect(invitee.get_by_text("Your password is set. Welcome, Nora Nieuw.")).to_be_visible()
    invitee.goto(live_server + "/account")
    invitee.get_by_label("Your time zone").select_option("Europe/Stockholm")
    invitee.get_by_role("button", name="Save", exact=True).click()
    expect(invitee.get_by_text("Times are shown in Europe/Stockholm")).to_be_visible()

    admin.goto(live_server + "/admin/audit/?who=Nora")
    expect(admin.get_by_role("cell", name="Invitation accepted")).to_be_visible()
    expect(admin.get_by_role("cell", name="Own settings changed")).to_be_visible()
    admin.goto(live_server + "/admin/audit/?object=Nora")
    expect(admin.get_by_role("cell", name="User invited")).to_be_visible()
    screenshot(admin, "audit-trail")

    engine = make_engine(f"sqlite:///{live_database(base)}")
    with Session(engine) as session:
        assert verify_chain(session).ok
    engine.dispose()
    # A copy of the database with one row changed behind the app's back no longer verifies.
    copy = tmp_path / "tampered.db"
    with sqlite3.connect(live_database(base)) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        target.execute("UPDATE audit_entries SET actor_label = 'Somebody else' WHERE action = 'user.invite'")
        tampered_id = target.execute("SELECT id FROM audit_entries WHERE action = 'user.invite'").fetchone()[0]
    engine = make_engine(f"sqlite:///{copy}")
    with Session(engine) as session:
        report = verify_chain(session)
    engine.dispose()
    assert report.first_break is not None
    assert report.first_break.entry_id == tampered_id


def test_the_new_pages_pass_an_accessibility_scan_at_desktop_and_phone_width(
    live_server: str, page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    found: dict[str, list[str]] = {}
    page.goto(live_server + "/password/forgot")
    found["forgot"] = check_both_widths(page, "forgot-password")
    page.get_by_label("Email").fill("someone@demo.channelcast.example")
    page.get_by_role("button", name="Send me a link").click()
    found["sent"] = check_both_widths(page, "password-link-sent")
    page.goto(live_server + "/invite/1.1.1.not-a-real-signature")
    found["expired"] = check_both_widths(page, "link-expired")

    sign_in(page, live_server, ADMIN)
    page.goto(live_server + "/admin/users/")
    found["users"] = check_both_widths(page, "users")
    page.goto(live_server + "/admin/users/invite")
    found["invite"] = check_both_widths(page, "users-invite")
    page.goto(live_server + "/admin/users/")
    page.get_by_role("link", name="Mara Jansen").click()
    found["user"] = check_both_widths(page, "user-detail")
    page.goto(live_server + "/account")
    found["account"] = check_both_widths(page, "account")
    page.goto(live_server + "/admin/audit/")
    found["audit"] = check_both_widths(page, "audit")
    page.goto(live_server + "/admin/partners?country=NL")
    page.locator("table tbody a").first.click()  # a partner (the header sorts)
    page.get_by_role("link", name="Portal users").click()
    found["portal-users"] = check_both_widths(page, "portal-users")
    page.get_by_role("button", name="Add portal user").click()  # empty: a field error, shown accessibly
    found["portal-users-error"] = check_both_widths(page, "portal-users-error")

    assert page.context.browser is not None
    portal = page.context.browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in_by_magic_link(portal, live_server, tmp_path_factory.getbasetemp())
    portal.get_by_role("link", name="Your colleagues").click()
    found["colleagues"] = check_both_widths(portal, "portal-colleagues")
    assert found == {name: [] for name in found}


def test_an_account_manager_reads_only_their_partners_trail(live_server: str, page: Page) -> None:
    sign_in(page, live_server, ACCOUNT_MANAGER)
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_text("partners you look after")).to_be_visible()
    response = page.goto(live_server + "/admin/users/")
    assert response is not None
    assert response.status == 403
