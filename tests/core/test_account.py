import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.auth import User
from core.timezones import local_to_utc, utc_to_local
from tests.conftest import csrf_token_from, sign_in


def test_a_new_user_reads_times_in_amsterdam_and_can_choose_another_zone(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    assert marketer.timezone == "Europe/Amsterdam"
    sign_in(client, marketer)
    token = csrf_token_from(client, "/account")
    response = client.post(
        "/account", data={"csrf_token": token, "timezone": "America/New_York"}, follow_redirects=True
    )
    assert "Times are now shown in America/New_York." in response.get_data(as_text=True)
    session.refresh(marketer)
    assert marketer.timezone == "America/New_York"


def test_an_unknown_time_zone_is_refused(client: FlaskClient, session: Session, marketer: User) -> None:
    sign_in(client, marketer)
    token = csrf_token_from(client, "/account")
    assert client.post("/account", data={"csrf_token": token, "timezone": "Mars/Olympus"}).status_code == 400
    session.refresh(marketer)
    assert marketer.timezone == "Europe/Amsterdam"


def test_wall_clock_times_convert_to_utc_and_back_across_daylight_saving() -> None:
    winter, summer = dt.datetime(2026, 1, 15, 9, 0), dt.datetime(2026, 7, 15, 9, 0)
    assert local_to_utc(winter, "Europe/Amsterdam").hour == 8
    assert local_to_utc(summer, "Europe/Amsterdam").hour == 7
    assert utc_to_local(local_to_utc(summer, "Europe/Amsterdam"), "Europe/Amsterdam") == summer
    assert utc_to_local(local_to_utc(summer, "Europe/Stockholm"), "Europe/Warsaw") == summer
