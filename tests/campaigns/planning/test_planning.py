import datetime as dt
import threading

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from campaigns.planning.models import Campaign, CampaignStatus, CampaignStatusChange
from campaigns.planning.services import CampaignError, advance_campaigns, move_campaign
from core.auth.models import User
from tests.campaigns.factories import CampaignFactory
from tests.conftest import csrf_token_from, refreshed, sign_in

WINTER_MONDAY = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def campaign_form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Storage refresh",
        "goal": "Trade-in quotes",
        "timezone": "Europe/Amsterdam",
        "launch_at": "2026-03-10T09:00",
        "ends_at": "2026-04-10T17:00",
        "tiers": "gold",
        "countries": "nl, de",
        **overrides,
    }


def post_campaign(client: FlaskClient, **overrides: str) -> TestResponse:
    data = campaign_form(**overrides)
    data["csrf_token"] = csrf_token_from(client, "/campaigns/new")
    return client.post("/campaigns/new", data=data)


def test_a_marketer_plans_a_campaign_in_her_own_time_zone(
    client: FlaskClient, marketer: User, session: Session
) -> None:
    with time_machine.travel(WINTER_MONDAY, tick=False):  # signed cookies from the future do not count
        sign_in(client, marketer)
        response = post_campaign(client, launch_at="2026-03-10T09:00", ends_at="2026-04-10T17:00")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert response.status_code == 302
    campaign = session.scalar(select(Campaign).where(Campaign.name == "Storage refresh"))
    assert campaign is not None
    assert campaign.status is CampaignStatus.DRAFT
    assert campaign.launch_at == dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)  # CET, UTC+1
    assert campaign.ends_at == dt.datetime(2026, 4, 10, 15, 0, tzinfo=dt.UTC)  # CEST, UTC+2
    assert campaign.target_countries == ["DE", "NL"]
    page = page.replace("\u202f", " ")  # CLDR puts a narrow no-break space before AM and PM
    assert "Tue, Mar 10, 2026, 9:00 AM" in page  # in the campaign's zone, in the marketer's English
    assert "Fri, Apr 10, 2026, 5:00 PM" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": "2026-03-09T09:00"}, "The campaign must end after it launches."),
        ({"timezone": "Mars/Olympus"}, "is not a known time zone"),
        ({"launch_at": "2026-03-29T02:30"}, "does not exist in Europe/Amsterdam"),
        ({"countries": "Netherlands"}, "Use two-letter country codes"),
        ({"name": ""}, "This field is required."),
        ({"launch_at": "2026-03-01T09:00"}, "The launch is in the past"),
    ],
)
def test_a_campaign_form_with_a_mistake_says_what_to_fix(
    client: FlaskClient, marketer: User, overrides: dict[str, str], message: str
) -> None:
    with time_machine.travel(WINTER_MONDAY, tick=False):
        sign_in(client, marketer)
        response = post_campaign(client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_scheduling_a_campaign_whose_launch_has_passed_is_refused(session: Session, marketer: User) -> None:
    campaign = CampaignFactory.create(launch_at=WINTER_MONDAY - dt.timedelta(days=1))
    with pytest.raises(CampaignError, match="launch is in the past"):
        move_campaign(session, campaign, CampaignStatus.SCHEDULED, by=marketer, now=WINTER_MONDAY)
    assert campaign.status is CampaignStatus.DRAFT


def test_an_ended_campaign_cannot_be_scheduled_again(session: Session, marketer: User) -> None:
    campaign = CampaignFactory.create(status=CampaignStatus.ENDED)
    with pytest.raises(CampaignError, match="ended campaign cannot be moved to scheduled"):
        move_campaign(session, campaign, CampaignStatus.SCHEDULED, by=marketer, now=WINTER_MONDAY)


def test_the_scheduler_launches_and_ends_campaigns_on_time(session: Session, marketer: User) -> None:
    campaign = CampaignFactory.create(launch_at=WINTER_MONDAY + dt.timedelta(hours=1))
    move_campaign(session, campaign, CampaignStatus.SCHEDULED, by=marketer, now=WINTER_MONDAY)
    assert advance_campaigns(session, WINTER_MONDAY + dt.timedelta(minutes=59)) == 0
    assert advance_campaigns(session, WINTER_MONDAY + dt.timedelta(hours=1)) == 1
    campaign = refreshed(session, campaign)
    assert campaign.status is CampaignStatus.LIVE
    assert advance_campaigns(session, campaign.ends_at) == 1
    campaign = refreshed(session, campaign)
    assert campaign.status is CampaignStatus.ENDED
    assert [(c.to_status, c.by_id) for c in campaign.history] == [
        (CampaignStatus.SCHEDULED, marketer.id),
        (CampaignStatus.LIVE, None),
        (CampaignStatus.ENDED, None),
    ]


def test_a_tick_that_runs_twice_moves_a_campaign_once(session: Session) -> None:
    campaign = CampaignFactory.create(status=CampaignStatus.SCHEDULED)
    assert advance_campaigns(session, campaign.launch_at) == 1
    assert advance_campaigns(session, campaign.launch_at) == 0
    assert (
        len(session.scalars(select(CampaignStatusChange).where(CampaignStatusChange.campaign_id == campaign.id)).all())
        == 1
    )


def test_after_downtime_a_missed_campaign_launches_and_ends_in_one_tick(session: Session) -> None:
    campaign = CampaignFactory.create(status=CampaignStatus.SCHEDULED)
    assert advance_campaigns(session, campaign.ends_at + dt.timedelta(days=3)) == 2
    session.refresh(campaign)
    assert campaign.status is CampaignStatus.ENDED


@pytest.mark.pg
@pytest.mark.slow
def test_two_schedulers_ticking_at_once_launch_a_campaign_once(engine: Engine) -> None:
    with Session(engine) as setup:
        campaign = Campaign(
            name="race",
            timezone="UTC",
            launch_at=WINTER_MONDAY,
            ends_at=WINTER_MONDAY + dt.timedelta(days=1),
            status=CampaignStatus.SCHEDULED,
        )
        setup.add(campaign)
        setup.commit()
        campaign_id = campaign.id
    barrier, moves = threading.Barrier(2), []

    def tick() -> None:
        with Session(engine) as session:
            barrier.wait()
            moves.append(advance_campaigns(session, WINTER_MONDAY))
            session.commit()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with Session(engine) as check:
            changes = check.scalar(
                select(func.count())
                .select_from(CampaignStatusChange)
                .where(CampaignStatusChange.campaign_id == campaign_id)
            )
        assert sorted(moves) == [0, 1]
        assert changes == 1
    finally:
        with Session(engine) as cleanup:
            cleanup.execute(delete(Campaign).where(Campaign.id == campaign_id))
            cleanup.commit()


def test_viewers_read_campaigns_but_cannot_change_them(client: FlaskClient, viewer: User, session: Session) -> None:
    campaign = CampaignFactory.create(name="Visible to all")
    sign_in(client, viewer)
    assert "Visible to all" in client.get("/campaigns/").get_data(as_text=True)
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
    assert client.get("/campaigns/new").status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 403
    token = csrf_token_from(client, f"/campaigns/{campaign.id}")
    assert client.post(f"/campaigns/{campaign.id}/cancel", data={"csrf_token": token}).status_code == 403
    assert client.get("/campaigns/99999").status_code == 404


def test_a_marketer_schedules_and_cancels_from_the_campaign_page(
    client: FlaskClient, marketer: User, session: Session
) -> None:
    campaign = CampaignFactory.create(launch_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    sign_in(client, marketer)
    token = csrf_token_from(client, f"/campaigns/{campaign.id}")
    client.post(f"/campaigns/{campaign.id}/schedule", data={"csrf_token": token})
    campaign = refreshed(session, campaign)
    assert campaign.status is CampaignStatus.SCHEDULED
    page = client.post(f"/campaigns/{campaign.id}/cancel", data={"csrf_token": token}, follow_redirects=True)
    campaign = refreshed(session, campaign)
    assert campaign.status is CampaignStatus.CANCELLED
    assert "The campaign is now: Cancelled." in page.get_data(as_text=True)
    refused = client.post(f"/campaigns/{campaign.id}/schedule", data={"csrf_token": token}, follow_redirects=True)
    assert "cancelled campaign cannot be moved to scheduled" in refused.get_data(as_text=True)


def test_the_calendar_places_a_campaign_on_its_local_launch_day(
    client: FlaskClient, viewer: User, session: Session
) -> None:
    # 00:30 on 10 March in Amsterdam is still 9 March in UTC.
    CampaignFactory.create(
        name="Midnight launch",
        launch_at=dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 3, 12, 23, 0, tzinfo=dt.UTC),
    )
    with time_machine.travel(WINTER_MONDAY, tick=False):
        sign_in(client, viewer)
        page = client.get("/campaigns/calendar?month=2026-03").get_data(as_text=True)
        assert client.get("/campaigns/calendar?month=2026-13").status_code == 404
    day_10 = page.split('<span class="calendar__number">10</span>')[1].split("</td>")[0]
    day_9 = page.split('<span class="calendar__number">9</span>')[1].split("</td>")[0]
    assert "Launch:</span> Midnight launch" in day_10
    assert "Midnight launch" not in day_9
    for day in ("11", "12"):
        assert (
            "Running:</span> Midnight launch"
            in page.split(f'<span class="calendar__number">{day}</span>')[1].split("</td>")[0]
        )
