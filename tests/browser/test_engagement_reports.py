"""The report pages in Chromium: a month of newsletters and what readers did, counted by the roll-up
job, then every report page read by an admin (and the partner page by its account manager), each
passing an axe scan at 1280 and 375 px without sideways scrolling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import EventKind
from campaigns.engagement.rollups import roll_up
from campaigns.planning.models import Campaign
from content.models import ContentItem
from core.db import make_engine, utc_now
from subscribers.models import Contact, Partner
from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.test_users_and_audit import check_both_widths, live_database
from tests.campaigns.engagement.helpers import event, newsletter
from tests.conftest import make_settings
from wsgi import create_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ADMIN = "admin@demo.channelcast.example"
MANAGER = "anna.devries@demo.channelcast.example"


def a_month_of_reading(database: Path, tmp_path: Path) -> dict[str, int]:
    """Newsletters to the demo's first contacts carrying a campaign's item, opens, clicks, a kit download."""
    url = f"sqlite:///{database}"
    app = create_app(make_settings(tmp_path, url))
    engine = make_engine(url)
    with app.app_context(), Session(engine) as session:
        factories.use_session(session)
        item = session.scalars(select(ContentItem).order_by(ContentItem.id)).first()
        assert item is not None
        campaign = Campaign(name="Spring storage push", timezone="UTC", launch_at=utc_now(), ends_at=utc_now())
        campaign.content_items = [item]
        session.add(campaign)
        contacts = session.scalars(select(Contact).order_by(Contact.id).limit(12)).all()
        sent_at = utc_now() - dt.timedelta(days=3)
        for n, contact in enumerate(contacts):
            mail = newsletter(session, contact, "2026-12", [item.id])
            event(session, EventKind.DELIVERED, mail, at=sent_at)
            if n % 2 == 0:
                event(session, EventKind.OPEN, mail, at=sent_at + dt.timedelta(hours=n))
            if n % 3 == 0:
                event(session, EventKind.CLICK, mail, at=sent_at + dt.timedelta(hours=n), item=item.id)
            event(session, EventKind.CLICK, mail, at=sent_at, automated=True)  # a link scanner
        partner = contacts[0].partner
        event(session, EventKind.KIT_DOWNLOAD, campaign_id=campaign.id, partner_id=partner.id, at=sent_at)
        session.commit()
        roll_up(session)
        area = item.interest_areas[0].id if item.interest_areas else 0
        found = {"campaign": campaign.id, "item": item.id, "area": area, "partner": partner.id}
        managed = session.scalars(select(Partner).where(Partner.account_manager_id.is_not(None))).first()
        found["managed"] = managed.id if managed else partner.id
    engine.dispose()
    return found


def test_every_report_page_reads_well_at_both_widths_and_passes_axe(
    live_server: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    ids = a_month_of_reading(live_database(tmp_path_factory.getbasetemp()), tmp_path)
    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(admin, live_server, ADMIN)
    admin.get_by_role("link", name="Reports", exact=True).click()
    expect(admin.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    problems = check_both_widths(admin, "reports-index")
    admin.get_by_role("link", name="Spring storage push").click()
    expect(admin.get_by_role("heading", name="Campaign: Spring storage push")).to_be_visible()
    expect(admin.locator("svg[role=img] title").first).to_have_text("Day by day")
    problems += check_both_widths(admin, "report-campaign")
    pages = {
        "report-period": "/admin/reports/periods/2026-12",
        "report-item": f"/admin/reports/items/{ids['item']}",
        "report-partner": f"/admin/reports/partners/{ids['partner']}",
        "report-partners": "/admin/reports/partners",
        "partners-list-by-engagement": "/admin/partners?sort=engagement",
    }
    if ids["area"]:
        pages["report-area"] = f"/admin/reports/areas/{ids['area']}"
    for name, path in pages.items():
        admin.goto(live_server + path)
        problems += check_both_widths(admin, name)
    with admin.expect_download() as download:
        admin.goto(live_server + f"/admin/reports/campaigns/{ids['campaign']}")
        admin.get_by_role("link", name="Download (CSV)").first.click()
    assert download.value.suggested_filename == f"campaign-{ids['campaign']}-by_day.csv"
    manager = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(manager, live_server, MANAGER)
    problems += check_both_widths(manager, "overview-account-manager")
    manager.goto(live_server + f"/admin/reports/partners/{ids['managed']}")
    problems += check_both_widths(manager, "report-partner-account-manager")
    assert problems == []
