"""The admin pages speak the signed-in vendor user's language and show times on their clock:
navigation, headings, role names, flash messages and form errors, and dates through one helper
(core/display.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.auth.models import User
from core.display import localtime, number, percent
from tests.conftest import csrf_token_from, sign_in
from tests.factories import UserFactory

JOINED = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def colleague(session: Session) -> User:
    return UserFactory.create(role="marketer", name="Carla Colleague", created_at=JOINED)


def admin_reading(session: Session, locale: str, zone: str) -> User:
    return UserFactory.create(role="admin", name="Ada Admin", locale=locale, timezone=zone)


@pytest.mark.parametrize(
    ("locale", "zone", "words", "joined"),
    [
        ("de", "Europe/Berlin", ["Übersicht", "Prüfprotokoll", "Abmelden", "Rolle ändern"], "Mo., 2. März 2026, 16:30"),
        ("pl", "Europe/Warsaw", ["Przegląd", "Dziennik zdarzeń", "Wyloguj", "Zmień rolę"], "pon., 2 mar 2026, 16:30"),
    ],
)
def test_an_admin_page_is_in_the_users_language_with_dates_on_their_clock(
    client: FlaskClient, session: Session, colleague: User, locale: str, zone: str, words: list[str], joined: str
) -> None:
    reader = admin_reading(session, locale, zone)
    with time_machine.travel(NOW, tick=False):
        page = sign_in(client, reader).get(f"/admin/users/{colleague.id}").get_data(as_text=True)
    assert f'<html lang="{locale}">' in page
    for word in words:
        assert word in page
    assert joined in page  # 15:30 UTC is 16:30 in Berlin and Warsaw in March
    assert "Sign out" not in page
    assert "Overview" not in page


def test_flash_messages_and_form_errors_are_in_the_users_language(
    client: FlaskClient, session: Session, colleague: User
) -> None:
    reader = admin_reading(session, "de", "Europe/Berlin")
    sign_in(client, reader)
    token = csrf_token_from(client, "/admin/users/invite")
    refused = client.post(
        "/admin/users/invite",
        data={"csrf_token": token, "email": colleague.email, "name": "Noch Jemand", "role": "viewer", "locale": "de"},
    ).get_data(as_text=True)
    assert f"{colleague.email} hat bereits ein Konto." in refused
    token = csrf_token_from(client, f"/admin/users/{colleague.id}")
    client.post(f"/admin/users/{colleague.id}/deactivate", data={"csrf_token": token})
    page = client.get(f"/admin/users/{colleague.id}").get_data(as_text=True)
    assert "Carla Colleague ist deaktiviert und überall abgemeldet." in page


def test_a_page_without_a_signed_in_user_follows_the_browser(client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in page


def test_one_helper_formats_times_numbers_and_rates_in_the_readers_locale(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert localtime(JOINED, "America/New_York") == "Mo., 2. März 2026, 10:30"
        assert localtime(JOINED, "UTC", "seconds", weekday=False) == "2. März 2026, 15:30:00"
        assert number(12345) == "12.345"
        assert number(7, 1) == "7,0"  # an engagement score
        assert number(1234.56, 1) == "1.234,6"
        assert percent(0.0123) == "1,23%"
        assert percent(0.003, None) == "0,3%"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert number(12345) == "12,345"
        assert number(7, 1) == "7.0"
        assert localtime(None) == ""
