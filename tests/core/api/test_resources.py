"""Contract tests of today's resources: what each endpoint answers, and what it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.planning.models import Campaign, CampaignStatus
from content.models import ContentItem, ContentStatus
from core.audit import AuditEntry
from core.db import utc_now
from subscribers.models import Suppression, SuppressionReason
from subscribers.suppression import suppress
from tests.api_helpers import call, make_token
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import ContentItemFactory, InterestAreaFactory


@pytest.fixture
def token(app: Flask, session: Session) -> str:
    return make_token(app, session)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_interest_areas_are_the_active_ones_in_the_vendors_order(client: FlaskClient, token: str) -> None:
    cloud = InterestAreaFactory.create(slug="cloud", names={"en": "Cloud", "nl": "Cloud (nl)"}, position=2)
    storage = InterestAreaFactory.create(slug="storage", names={"en": "Storage"}, position=1)
    InterestAreaFactory.create(slug="retired", is_active=False, position=0)
    body = call(client, "GET", "/api/v1/interest-areas", token).get_json()
    assert [area["slug"] for area in body["items"]] == ["storage", "cloud"]
    assert body["items"][1] == {"id": cloud.id, "slug": "cloud", "name": "Cloud", "names": cloud.names,
                                "descriptions": cloud.descriptions, "position": 2}  # fmt: skip
    assert body["next"] is None
    assert storage.id in {area["id"] for area in body["items"]}


def test_content_lists_and_reads_only_what_partners_see_now(client: FlaskClient, token: str) -> None:
    area = InterestAreaFactory.create()
    now = utc_now()
    visible = ContentItemFactory.create(
        interest_areas=[area], publish_at=now - dt.timedelta(hours=1), locales=("en", "nl")
    )
    ContentItemFactory.create(publish_at=now + dt.timedelta(days=1))  # not yet
    ContentItemFactory.create(publish_at=now - dt.timedelta(days=9), expires_at=now - dt.timedelta(days=1))  # over
    draft = ContentItemFactory.create(status=ContentStatus.DRAFT, publish_at=now - dt.timedelta(hours=1))
    items = call(client, "GET", "/api/v1/content-items", token).get_json()["items"]
    assert [item["id"] for item in items] == [visible.id]
    assert set(items[0]["texts"]) == {"en", "nl"}
    assert items[0]["interest_area_ids"] == [area.id]
    assert call(client, "GET", f"/api/v1/content-items/{visible.id}", token).status_code == 200
    assert call(client, "GET", f"/api/v1/content-items/{draft.id}", token).status_code == 404
    other_area = InterestAreaFactory.create()
    filtered = call(client, "GET", f"/api/v1/content-items?interest_area_id={other_area.id}", token).get_json()
    assert filtered["items"] == []


def test_a_draft_made_through_the_api_follows_the_editors_rules(
    client: FlaskClient, session: Session, token: str
) -> None:
    area = InterestAreaFactory.create()
    body = {
        "kind": "event", "interest_area_ids": [area.id], "allowed_tiers": ["gold"], "priority": 70,
        "cta_url": "https://events.vendor.example/storage-day",
        "texts": {"en": {"title": "Storage day", "summary": "Join us", "cta_label": "Register"},
                  "nl": {"title": "Opslagdag", "cta_label": "Aanmelden"}},
    }  # fmt: skip
    made = call(client, "POST", "/api/v1/content-items", token, json=body)
    assert made.status_code == 201
    item = session.get(ContentItem, made.get_json()["id"])
    assert item is not None
    assert (item.status, item.kind.value, item.allowed_tiers, item.locales) == (
        ContentStatus.DRAFT,
        "event",
        ["gold"],
        ["en", "nl"],
    )
    refused = call(client, "POST", "/api/v1/content-items", token, json={
        "interest_area_ids": [area.id, 999999], "texts": {"en": {"title": "x"}},
    })  # fmt: skip
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "interest_area_ids[1]"
    untitled = call(client, "POST", "/api/v1/content-items", token, json={"texts": {"de": {"title": "Nur Deutsch"}}})
    assert untitled.status_code == 422
    assert untitled.get_json()["errors"][0]["field"] == "texts.en.title"


def test_campaigns_list_by_state_and_read_with_an_etag(client: FlaskClient, token: str) -> None:
    draft = CampaignFactory.create()
    live = CampaignFactory.create(status=CampaignStatus.LIVE)
    everything = call(client, "GET", "/api/v1/campaigns", token).get_json()["items"]
    assert [c["id"] for c in everything] == [draft.id, live.id]
    only_live = call(client, "GET", "/api/v1/campaigns?status=live", token).get_json()["items"]
    assert [c["id"] for c in only_live] == [live.id]
    read = call(client, "GET", f"/api/v1/campaigns/{live.id}", token)
    assert read.get_json()["status"] == "live"
    assert read.headers["ETag"].startswith('"')


def test_a_campaign_draft_is_checked_like_the_admin_form(client: FlaskClient, session: Session, token: str) -> None:
    good = {"name": "Cloud week", "timezone": "Europe/Berlin", "launch_at": "2031-03-02T09:00:00",
            "ends_at": "2031-03-09T18:00:00", "partner_types": ["solution"], "countries": ["de"]}  # fmt: skip
    made = call(client, "POST", "/api/v1/campaigns", token, json=good)
    assert made.status_code == 201
    campaign = session.get(Campaign, made.get_json()["id"])
    assert campaign is not None
    assert campaign.launch_at == dt.datetime(2031, 3, 2, 8, 0, tzinfo=dt.UTC)
    assert campaign.target_countries == ["DE"]
    ends_first = call(client, "POST", "/api/v1/campaigns", token, json={**good, "ends_at": "2031-03-01T09:00:00"})
    assert (ends_first.status_code, ends_first.get_json()["errors"][0]["field"]) == (422, "ends_at")
    bad_zone = call(client, "POST", "/api/v1/campaigns", token, json={**good, "timezone": "Mars/Olympus"})
    assert (bad_zone.status_code, bad_zone.get_json()["errors"][0]["field"]) == (422, "timezone")


@pytest.mark.usefixtures("empty_trail")
def test_scheduling_a_live_campaign_is_a_conflict(client: FlaskClient, session: Session, token: str) -> None:
    live = CampaignFactory.create(status=CampaignStatus.LIVE)
    response = call(client, "POST", f"/api/v1/campaigns/{live.id}/schedule", token, headers={"If-Match": "*"})
    assert response.status_code == 409
    assert "live campaign cannot be moved" in response.get_json()["detail"]
    entries = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "campaign")).all()
    assert "campaign.move" not in entries


@pytest.mark.usefixtures("empty_trail")
def test_suppressions_are_listed_and_added_once(client: FlaskClient, session: Session, token: str) -> None:
    suppress(session, "bounced@partner.example", SuppressionReason.BOUNCED, source="sendgrid")
    listed = call(client, "GET", "/api/v1/suppressions", token).get_json()["items"]
    assert [(row["email"], row["reason"], row["source"]) for row in listed] == [
        ("bounced@partner.example", "bounced", "sendgrid")
    ]
    added = call(
        client, "POST", "/api/v1/suppressions", token, json={"email": "Left@Reseller.example", "detail": "CRM"}
    )
    assert added.status_code == 201
    assert added.get_json()["email"] == "left@reseller.example"
    again = call(client, "POST", "/api/v1/suppressions", token, json={"email": "left@reseller.example"})
    assert again.status_code == 200
    weaker = call(client, "POST", "/api/v1/suppressions", token, json={"email": "bounced@partner.example"})
    assert (weaker.status_code, weaker.get_json()["reason"]) == (200, "bounced")  # never weakened
    bad = call(client, "POST", "/api/v1/suppressions", token, json={"email": "not-an-address"})
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "email")
    erased = call(client, "POST", "/api/v1/suppressions", token, json={"email": "x@y.example", "reason": "erased"})
    assert erased.status_code == 422
    assert session.scalar(select(Suppression.source).where(Suppression.email == "left@reseller.example")) == "api"
    actions = session.scalars(select(AuditEntry.actor_kind).where(AuditEntry.action == "suppression.add")).all()
    assert actions == ["api_token"]
