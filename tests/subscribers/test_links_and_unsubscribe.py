import datetime as dt

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from subscribers.links import preference_url, unsubscribe_url
from subscribers.models import ConsentSource, Contact, ContactStatus
from subscribers.rights import erase_contact
from subscribers.services import revoke_links
from subscribers.suppression import is_suppressed
from tests.subscribers.conftest import path_of

ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}
FRIENDLY = "This link does not work"


def test_links_are_absolute_and_start_at_the_public_address(app: Flask, contact: Contact) -> None:
    with app.app_context():
        assert preference_url(contact).startswith("http://127.0.0.1:5000/p/")
        assert unsubscribe_url(contact).startswith("http://127.0.0.1:5000/u/")


def test_a_mailbox_provider_unsubscribes_with_one_post_and_no_cookie(
    app: Flask, contact: Contact, unsubscribe_path: str, session: Session
) -> None:
    # Exactly what Gmail sends (RFC 8058): a bare POST, form-encoded, no cookie, no CSRF token.
    client = app.test_client(use_cookies=False)
    response = client.post(unsubscribe_path, data=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
    assert response.status_code == 200
    session.expire_all()
    assert contact.status is ContactStatus.UNSUBSCRIBED
    assert is_suppressed(session, contact.email)
    record = contact.consent_records[-1]
    assert (record.action, record.source, record.detail) == ("unsubscribed", ConsentSource.FORM, "one-click")


def test_a_second_one_click_post_changes_nothing_and_still_answers_200(
    app: Flask, contact: Contact, unsubscribe_path: str, session: Session
) -> None:
    client = app.test_client(use_cookies=False)
    for _ in range(2):
        response = client.post(unsubscribe_path, data=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
        assert response.status_code == 200
    session.expire_all()
    assert [record.action for record in contact.consent_records] == ["unsubscribed"]


def test_a_get_of_the_unsubscribe_link_only_asks(
    client: FlaskClient, contact: Contact, unsubscribe_path: str, session: Session
) -> None:
    response = client.get(unsubscribe_path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Stop all newsletters to jan@partner.example?" in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    session.expire_all()
    assert contact.status is ContactStatus.ACTIVE
    assert not is_suppressed(session, contact.email)


def test_a_post_without_the_one_click_body_changes_nothing(
    client: FlaskClient, contact: Contact, unsubscribe_path: str, session: Session
) -> None:
    assert client.post(unsubscribe_path, data={"something": "else"}).status_code == 400
    session.expire_all()
    assert contact.status is ContactStatus.ACTIVE


def test_the_confirmation_page_speaks_the_contacts_language(
    client: FlaskClient, contact: Contact, unsubscribe_path: str, session: Session
) -> None:
    contact.locale = "fr"
    session.flush()
    assert "Arrêter toutes les newsletters à jan@partner.example ?" in client.get(unsubscribe_path).get_data(
        as_text=True
    )


def _bad_link_pages(client: FlaskClient, paths: list[str]) -> list[tuple[int, str]]:
    return [(response.status_code, response.get_data(as_text=True)) for response in map(client.get, paths)]


def test_every_kind_of_bad_link_gets_the_same_friendly_404(
    app: Flask, client: FlaskClient, contact: Contact, preference_path: str, unsubscribe_path: str, session: Session
) -> None:
    tampered = preference_path[:-3] + ("abc" if not preference_path.endswith("abc") else "xyz")
    wrong_purpose = "/p/" + unsubscribe_path.removeprefix("/u/")
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=401), tick=False), app.app_context():
        expired = path_of(preference_url(contact))
    pages = _bad_link_pages(client, ["/p/not-a-token", tampered, wrong_purpose, expired])
    revoke_links(session, contact, source=ConsentSource.ADMIN)
    pages += _bad_link_pages(client, [preference_path, unsubscribe_path])
    assert all(status == 404 and FRIENDLY in page for status, page in pages)
    assert not any(contact.email in page for _, page in pages)


def test_links_of_an_erased_contact_look_like_any_unknown_link(
    app: Flask, client: FlaskClient, contact: Contact, preference_path: str, session: Session
) -> None:
    erase_contact(session, contact, app, source="admin")
    unknown = client.get("/p/WzEsMV0.invented.token")
    erased = client.get(preference_path)
    assert erased.status_code == unknown.status_code == 404
    erased_page = erased.get_data(as_text=True).replace(preference_path.removeprefix("/p/"), "TOKEN")
    assert erased_page == unknown.get_data(as_text=True).replace("WzEsMV0.invented.token", "TOKEN")


def test_the_friendly_404_follows_the_browser_language(client: FlaskClient) -> None:
    response = client.get("/u/nonsense", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert response.status_code == 404
    assert "Den här länken fungerar inte" in response.get_data(as_text=True)


def test_guessing_tokens_from_one_address_is_rate_limited_but_real_links_are_not_counted(
    client: FlaskClient, preference_path: str
) -> None:
    assert all(client.get(preference_path).status_code == 200 for _ in range(40))
    statuses = [client.get(f"/p/guess-{n}").status_code for n in range(1000)]
    assert statuses[:30] == [404] * 30
    assert set(statuses[30:]) == {429}
    blocked = client.get(preference_path)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 60  # the rest of the minute, said to the browser
    other_ip = client.get(preference_path, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 200


def test_an_unknown_contact_row_after_a_valid_signature_is_a_404(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    with app.app_context():
        token = app.extensions["channelcast.links"].sign("preferences", 987_654, 1)
    assert session.scalar(select(Contact).where(Contact.id == 987_654)) is None
    assert client.get(f"/p/{token}").status_code == 404
