"""Everyone's own account page: name, the admin pages' language, time zone, and their password."""

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import AuditEntry
from core.auth import User
from core.timezones import local_to_utc, utc_to_local
from tests.conftest import csrf_token_from, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("empty_trail")


def save_profile(client: FlaskClient, **changes: str):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/account")
    data = {"csrf_token": token, "name": "Mia Marketer", "locale": "en", "timezone": "Europe/Amsterdam", **changes}
    return client.post("/account", data=data, follow_redirects=True)


def change_password(client: FlaskClient, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/account")
    data = {"csrf_token": token, "current_password": current, "new_password": new, "confirm": confirm or new}
    return client.post("/account/password", data=data)


def test_a_new_user_reads_times_in_amsterdam_and_can_choose_another_zone(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    assert marketer.timezone == "Europe/Amsterdam"
    sign_in(client, marketer)
    response = save_profile(client, timezone="America/New_York")
    assert "Times are shown in America/New_York." in response.get_data(as_text=True)
    session.refresh(marketer)
    assert marketer.timezone == "America/New_York"


def test_an_unknown_time_zone_or_language_is_refused_and_nothing_is_saved(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    sign_in(client, marketer)
    assert save_profile(client, timezone="Mars/Olympus", name="Changed").status_code == 400
    assert save_profile(client, locale="tlh", name="Changed").status_code == 400
    session.refresh(marketer)
    assert (marketer.timezone, marketer.name, marketer.locale) == ("Europe/Amsterdam", "Mia Marketer", "en")


def test_the_chosen_language_becomes_the_pages_language(
    app: Flask, client: FlaskClient, session: Session, marketer: User
) -> None:
    sign_in(client, marketer)
    save_profile(client, locale="de")
    session.refresh(marketer)
    assert marketer.locale == "de"
    # The partner catalogues already hold German for the words the portal shares with these pages.
    with app.test_request_context("/"):
        from flask_babel import get_locale
        from flask_login import login_user

        login_user(marketer)
        assert str(get_locale()) == "de"


def test_a_profile_change_is_in_the_audit_trail_with_old_and_new_values(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    sign_in(client, marketer)
    save_profile(client, timezone="Europe/Warsaw", locale="pl")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.profile_update")).one()
    assert entry.changes == {"timezone": ("Europe/Amsterdam", "Europe/Warsaw"), "locale": ("en", "pl")}
    assert entry.actor_id == marketer.id


def test_changing_the_password_keeps_this_browser_signed_in_and_signs_out_the_others(
    app: Flask, client: FlaskClient, session: Session, marketer: User
) -> None:
    other_device = sign_in(app.test_client(), marketer)
    sign_in(client, marketer)
    response = change_password(client, PASSWORD, "violet-harbour-lantern-91")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302  # back to the sign-in page
    session.refresh(marketer)
    assert marketer.check_password("violet-harbour-lantern-91")
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(marketer.id)).order_by(AuditEntry.id)
    ).all()
    assert "user.password_change" in actions


def test_a_wrong_current_password_a_short_or_common_one_or_a_mismatch_are_field_errors(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    sign_in(client, marketer)
    cases = [
        ("not-my-password-at-all", "violet-harbour-lantern-91", None, "That is not your current password."),
        (PASSWORD, "short-one", None, "Use at least 12 characters"),
        (PASSWORD, "qwerty123456", None, "10,000 most common passwords"),
        (PASSWORD, "passwordpassword", None, "easy to guess"),
        (PASSWORD, "violet-harbour-lantern-91", "violet-harbour-lantern-19", "The two new passwords differ."),
    ]
    for current, new, confirm, message in cases:
        response = change_password(client, current, new, confirm)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True)
    session.refresh(marketer)
    assert marketer.check_password(PASSWORD)


def test_wall_clock_times_convert_to_utc_and_back_across_daylight_saving() -> None:
    winter, summer = dt.datetime(2026, 1, 15, 9, 0), dt.datetime(2026, 7, 15, 9, 0)
    assert local_to_utc(winter, "Europe/Amsterdam").hour == 8
    assert local_to_utc(summer, "Europe/Amsterdam").hour == 7
    assert utc_to_local(local_to_utc(summer, "Europe/Amsterdam"), "Europe/Amsterdam") == summer
    assert utc_to_local(local_to_utc(summer, "Europe/Stockholm"), "Europe/Warsaw") == summer
