"""Report pages: figures from the roll-ups, every table as CSV, and who may read which report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import EventKind
from campaigns.engagement.models import PartnerOutreach
from campaigns.engagement.rollups import roll_up_batch
from core.audit import AuditEntry
from core.auth.models import User
from subscribers.models import Partner
from tests.campaigns.engagement.helpers import MONDAY, event, newsletter
from tests.campaigns.factories import CampaignFactory
from tests.conftest import csrf_token_from, sign_in
from tests.content.factories import ContentItemFactory, InterestAreaFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory

NOW = MONDAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def tuesday_after_the_newsletter() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def a_month_of_mail(app: Flask, session: Session, manager: User | None = None) -> dict[str, object]:
    area = InterestAreaFactory.create(names={"en": "Storage"})
    item = ContentItemFactory.create(title="Flash arrays", interest_areas=[area])
    spring = CampaignFactory.create(name="Spring storage push", content_items=[item])
    acme = PartnerFactory.create(name="Acme Storage BV", tier="gold", country="DE", account_manager=manager)
    jan = ContactFactory.create(partner=acme, locale="de")
    eva = ContactFactory.create(partner=PartnerFactory.create(name="Globex", tier="silver", country="NL"), locale="nl")
    first, second = newsletter(session, jan, "2026-03", [item.id]), newsletter(session, eva, "2026-03", [item.id])
    event(session, EventKind.DELIVERED, first)
    event(session, EventKind.DELIVERED, second)
    event(session, EventKind.OPEN, first, at=MONDAY + dt.timedelta(hours=1))
    event(session, EventKind.CLICK, first, at=MONDAY + dt.timedelta(hours=1), item=item.id)
    event(session, EventKind.CLICK, second, at=MONDAY + dt.timedelta(seconds=2), automated=True)  # a scanner
    event(session, EventKind.KIT_DOWNLOAD, campaign_id=spring.id, partner_id=acme.id, at=MONDAY + dt.timedelta(hours=2))
    with app.app_context():
        roll_up_batch(session, NOW)
    return {"area": area, "item": item, "campaign": spring, "acme": acme, "globex": eva.partner}


def test_the_campaign_report_shows_reach_opens_clicks_and_kit_downloads_by_partner_and_leaves_scanners_out(
    app: Flask, client: FlaskClient, session: Session, marketer: User
) -> None:
    data = a_month_of_mail(app, session)
    sign_in(client, marketer)
    page = client.get(f"/admin/reports/campaigns/{data['campaign'].id}").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Spring storage push" in page
    assert "Acme Storage BV" in page  # kit downloads by partner
    assert "<svg" in page
    assert "<title" in page
    stats = page.split("In short")[1].split("</dl>")[0]
    assert "<dt>Unique opens</dt><dd>1</dd>" in stats
    assert "<dt>Unique clicks</dt><dd>1</dd>" in stats
    assert "<dt>Click rate</dt><dd>50.0%</dd>" in stats
    assert "<dt>Partners reached</dt><dd>2</dd>" in stats
    assert "Germany" in page
    assert "Gold" in page  # split by country and tier


def test_every_report_table_downloads_as_csv(app: Flask, client: FlaskClient, session: Session, marketer: User) -> None:
    data = a_month_of_mail(app, session)
    sign_in(client, marketer)
    response = client.get(f"/admin/reports/campaigns/{data['campaign'].id}/by_tier.csv")  # type: ignore[attr-defined]
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Tier,Sent,Delivered,Unique opens,Unique clicks,Click rate")
    assert "Gold,1,1,1,1,1.0000,0,0,0" in lines
    period = client.get("/admin/reports/periods/2026-03/items.csv").get_data(as_text=True)
    assert "Flash arrays (en),2,1,1,1,1.0000" in period
    assert client.get(f"/admin/reports/items/{data['item'].id}/newsletters.csv").status_code == 200  # type: ignore[attr-defined]
    assert client.get(f"/admin/reports/areas/{data['area'].id}/weeks.csv").status_code == 200  # type: ignore[attr-defined]
    assert client.get("/admin/reports/campaigns.csv").status_code == 200
    assert client.get(f"/admin/reports/campaigns/{data['campaign'].id}/nothing.csv").status_code == 404  # type: ignore[attr-defined]


def test_period_item_and_area_reports_show_their_figures(
    app: Flask, client: FlaskClient, session: Session, viewer: User
) -> None:
    data = a_month_of_mail(app, session)
    sign_in(client, viewer)
    period = client.get("/admin/reports/periods/2026-03").get_data(as_text=True)
    item = client.get(f"/admin/reports/items/{data['item'].id}").get_data(as_text=True)  # type: ignore[attr-defined]
    area = client.get(f"/admin/reports/areas/{data['area'].id}").get_data(as_text=True)  # type: ignore[attr-defined]
    index = client.get("/admin/reports/").get_data(as_text=True)
    assert "Newsletter period 2026-03" in period
    assert "Flash arrays" in period
    assert "Content item: Flash arrays" in item
    assert "2026-03" in item
    assert "Interest area: Storage" in area
    assert "Spring storage push" in index
    assert "Storage" in index
    assert client.get("/admin/reports/periods/drop-table").status_code == 404


def test_an_account_manager_reads_only_their_own_partners_report_and_no_campaign_reports(
    app: Flask, client: FlaskClient, session: Session, account_manager: User
) -> None:
    data = a_month_of_mail(app, session, manager=account_manager)
    acme, globex = data["acme"], data["globex"]
    assert isinstance(acme, Partner)
    assert isinstance(globex, Partner)
    sign_in(client, account_manager)
    own = client.get(f"/admin/reports/partners/{acme.id}")
    other = client.get(f"/admin/reports/partners/{globex.id}")
    assert own.status_code == 200
    assert "1 kit downloads" in own.get_data(as_text=True)
    assert other.status_code == 403
    assert client.get(f"/admin/reports/partners/{globex.id}/days.csv").status_code == 403
    assert client.get(f"/admin/reports/campaigns/{data['campaign'].id}").status_code == 403  # type: ignore[attr-defined]
    denied = session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(globex.id))).all()
    assert denied, "the refusal is in the audit trail"
    listing = client.get("/admin/reports/partners").get_data(as_text=True)
    assert "Acme Storage BV" in listing
    assert "Globex" not in listing


def test_an_account_manager_notes_an_outreach_and_it_shows_in_the_timeline(
    app: Flask, client: FlaskClient, session: Session, account_manager: User
) -> None:
    data = a_month_of_mail(app, session, manager=account_manager)
    acme = data["acme"]
    assert isinstance(acme, Partner)
    sign_in(client, account_manager)
    url = f"/admin/reports/partners/{acme.id}"
    token = csrf_token_from(client, url)
    future = client.post(f"{url}/outreach", data={"csrf_token": token, "happened_on": "2027-01-01", "channel": "call"})
    assert future.status_code == 400
    assert "cannot be in the future" in future.get_data(as_text=True)
    saved = client.post(f"{url}/outreach", data={"csrf_token": token, "happened_on": "2026-03-02",
                                                  "channel": "call", "note": "Talked about flash"})  # fmt: skip
    assert saved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Talked about flash" in page
    assert session.scalars(select(PartnerOutreach)).one().user_id == account_manager.id
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "partner.outreach_logged")).one()
    assert client.post(f"{url}/outreach", data={"happened_on": "2026-03-02", "channel": "call"}).status_code == 400


def test_the_partner_page_shows_a_90_day_sparkline_of_the_score_and_links_to_the_report(
    app: Flask, client: FlaskClient, session: Session, marketer: User
) -> None:
    acme = a_month_of_mail(app, session)["acme"]
    assert isinstance(acme, Partner)
    sign_in(client, marketer)
    page = client.get(f"/admin/partners/{acme.id}").get_data(as_text=True)
    assert f'src="/admin/reports/partners/{acme.id}/sparkline.svg"' in page
    assert "Engagement score of Acme Storage BV over the last 90 days" in page
    svg = client.get(f"/admin/reports/partners/{acme.id}/sparkline.svg")
    assert svg.mimetype == "image/svg+xml"
    assert "<title" in svg.get_data(as_text=True)
