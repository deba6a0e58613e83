"""A partner's kits through the API: listed with a signed link that works for minutes, for that build only."""

from __future__ import annotations

import datetime as dt

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from campaigns.planning.models import Campaign
from core.db import utc_now
from subscribers.models import PartnerUser
from tests.api_helpers import call, make_token
from tests.campaigns.portal.conftest import build_now
from tests.campaigns.portal.test_portal_pages import kit_for


def test_a_partners_kit_is_listed_with_a_link_that_downloads_it_without_a_token(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_acme: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_acme.partner)
    token = make_token(app, session, "kits:read")
    [listed] = call(client, "GET", f"/api/v1/partners/{kit.partner_id}/kits", token).get_json()["items"]
    assert (listed["id"], listed["campaign_name"], listed["sha256"]) == (kit.id, live_campaign.name, kit.sha256)
    link = listed["download_url"].removeprefix("http://localhost")
    download = client.get(link)
    assert download.status_code == 200
    assert download.data[:2] == b"PK"
    [event] = session.scalars(select(Event).where(Event.kind == EventKind.KIT_DOWNLOAD)).all()
    assert event.detail["kit_id"] == kit.id
    assert event.detail["api_token_id"] is not None


def test_a_kit_link_stops_working_after_five_minutes_and_cannot_be_edited(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_acme: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_acme.partner)
    token = make_token(app, session, "kits:read")
    link = call(client, "GET", f"/api/v1/partners/{kit.partner_id}/kits", token).get_json()["items"][0]["download_url"]
    path = link.removeprefix("http://localhost")
    assert client.get(path[:-2] + ("aa" if not path.endswith("aa") else "bb")).status_code == 404
    with time_machine.travel(utc_now() + dt.timedelta(minutes=6)):
        assert client.get(path).status_code == 404
    assert client.get("/api/v1/kit-downloads/ffffffffffffffff.1.1.bWFkZS11cA").status_code == 404  # made up
    kit.sha256 = "0" * 64  # rebuilt since the list was read: the link was for the earlier build
    session.flush()
    assert client.get(path).status_code == 404


def test_kits_of_a_partner_that_does_not_exist_are_404_and_need_the_kits_scope(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    assert call(client, "GET", "/api/v1/partners/999/kits", make_token(app, session)).status_code == 404
    assert (
        call(client, "GET", "/api/v1/partners/999/kits", make_token(app, session, "partners:read")).status_code == 403
    )
