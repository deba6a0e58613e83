"""A live campaign can still move its end, change its content and narrow its targeting, never widen it;
its history lists every step (creation, edits, the scheduler's moves) with who and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from campaigns.planning.models import Campaign, CampaignStatus
from campaigns.planning.services import advance_campaigns, campaign_history, move_campaign
from content.models import InterestArea
from core.auth.models import User
from tests.campaigns.factories import CampaignFactory
from tests.conftest import csrf_token_from, refreshed, sign_in
from tests.content.factories import ContentItemFactory, InterestAreaFactory

pytestmark = pytest.mark.usefixtures("empty_trail")
LIVE_DAY = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def areas(session: Session) -> list[InterestArea]:
    return [InterestAreaFactory.create(slug=slug, names={"en": slug.capitalize()}) for slug in ("storage", "cloud")]


@pytest.fixture
def live(session: Session, areas: list[InterestArea]) -> Campaign:
    return CampaignFactory.create(
        name="Storage refresh", status=CampaignStatus.LIVE, target_tiers=["gold", "platinum"], target_countries=[],
        target_partner_types=[], target_locales=["en", "nl"], interest_areas=[areas[0]],
    )  # fmt: skip


def edit(client: FlaskClient, campaign: Campaign, **fields: Any):  # type: ignore[no-untyped-def]
    areas = [str(area.id) for area in campaign.interest_areas]
    data = {"ends_at": "2026-03-20T17:00", "tiers": ["gold", "platinum"], "locales": ["en", "nl"],
            "interest_areas": areas, "countries": "", **fields}  # fmt: skip
    data["csrf_token"] = csrf_token_from(client, "/account")
    return client.post(f"/campaigns/{campaign.id}/edit", data=data)


@time_machine.travel(LIVE_DAY, tick=False)
def test_a_live_campaign_moves_its_end_swaps_content_and_narrows_its_targeting(
    client: FlaskClient, session: Session, marketer: User, live: Campaign
) -> None:
    item = ContentItemFactory.create()
    version = live.version
    sign_in(client, marketer)
    page = client.get(f"/campaigns/{live.id}/edit").get_data(as_text=True)
    assert "This campaign is live" in page
    response = edit(client, live, ends_at="2026-03-25T18:00", tiers=["platinum"], countries="NL",
                    content_items=[str(item.id)])  # fmt: skip
    assert response.status_code == 302
    live = refreshed(session, live)
    assert live.ends_at == dt.datetime(2026, 3, 25, 17, 0, tzinfo=dt.UTC)
    assert (live.target_tiers, live.target_countries) == (["platinum"], ["NL"])
    assert [content.id for content in live.content_items] == [item.id]
    assert live.version == version + 1
    [entry] = campaign_history(session, live)
    assert (entry.action, entry.actor_id, entry.detail) == ("campaign.update", marketer.id, "edited while live")
    assert entry.changes["tiers"] == ("gold, platinum", "platinum")


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"tiers": ["gold", "platinum", "silver"]}, "Adding silver would widen a live campaign"),
        ({"tiers": []}, "Removing every tier would mean all of them"),
        ({"locales": ["en", "nl", "de"]}, "Adding Deutsch would widen a live campaign"),
        ({"interest_areas": []}, "Removing every interest area would mean all of them"),
        ({"ends_at": "2026-03-01T09:00"}, "end must be in the future"),
    ],
)
@time_machine.travel(LIVE_DAY, tick=False)
def test_widening_a_live_campaign_is_refused_on_its_field_and_nothing_changes(
    client: FlaskClient, session: Session, marketer: User, live: Campaign, fields: dict[str, Any], field_error: str
) -> None:
    sign_in(client, marketer)
    response = edit(client, live, **fields)
    assert response.status_code == 400
    assert field_error in response.get_data(as_text=True).replace("&#39;", "'")
    live = refreshed(session, live)
    assert (live.target_tiers, live.target_locales, live.version) == (["gold", "platinum"], ["en", "nl"], 1)
    assert campaign_history(session, live) == []


@time_machine.travel(LIVE_DAY, tick=False)
def test_adding_an_interest_area_or_choosing_a_type_where_all_were_targeted(
    client: FlaskClient, session: Session, marketer: User, live: Campaign, areas: list[InterestArea]
) -> None:
    sign_in(client, marketer)
    wider = edit(client, live, interest_areas=[str(areas[0].id), str(areas[1].id)])
    assert "Adding Cloud would widen a live campaign" in wider.get_data(as_text=True)
    narrower = edit(client, live, partner_types=["sales"])  # "every type" before: one type is narrower
    assert narrower.status_code == 302
    assert refreshed(session, live).target_partner_types == ["sales"]


def test_the_history_lists_creation_edits_and_the_schedulers_moves_with_who_and_when(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        sign_in(client, marketer)
        data = {"name": "Cloud week", "goal": "", "timezone": "Europe/Amsterdam", "launch_at": "2026-03-02T09:00",
                "ends_at": "2026-03-09T09:00", "csrf_token": csrf_token_from(client, "/campaigns/new")}  # fmt: skip
        assert client.post("/campaigns/new", data=data).status_code == 302
        campaign = session.query(Campaign).filter_by(name="Cloud week").one()
        move_campaign(session, campaign, CampaignStatus.SCHEDULED, by=marketer, now=dt.datetime.now(dt.UTC))
    advance_campaigns(session, dt.datetime(2026, 3, 2, 8, 1, tzinfo=dt.UTC))
    advance_campaigns(session, dt.datetime(2026, 3, 9, 8, 1, tzinfo=dt.UTC))
    history = campaign_history(session, campaign)
    assert [(entry.action, entry.actor_label) for entry in history] == [
        ("campaign.create", "Mia Marketer"), ("campaign.move", "Mia Marketer"), ("campaign.move", "Scheduler"),
        ("campaign.move", "Scheduler"),
    ]  # fmt: skip
    sign_in(client, marketer)  # again: the first session was signed in the frozen past
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert page.count("Scheduler") == 2
    assert "Campaign moved" in page
    assert "<del>Live</del> → <ins>Ended</ins>" in page  # the status names, not the stored values
