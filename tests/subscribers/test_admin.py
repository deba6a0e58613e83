import io
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.auth.models import User
from subscribers.models import Contact, Partner, Suppression, SuppressionReason
from subscribers.suppression import is_suppressed
from tests.conftest import csrf_token_from, sign_in
from tests.factories import UserFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory


@pytest.fixture
def outsider(session: Session) -> User:
    return UserFactory.create(role="account_manager", name="Olga Outsider")


@pytest.fixture
def owned(session: Session, account_manager: User, teammate: User) -> Partner:
    """Otto manages it; Tess stands in for him."""
    return PartnerFactory.create(name="Acme IT", account_manager=account_manager, backup_manager=teammate)


@pytest.fixture
def owned_contact(owned: Partner) -> Contact:
    return ContactFactory.create(partner=owned, email="jan@acme.example")


@pytest.mark.parametrize(("who", "sees"), [("account_manager", True), ("teammate", True), ("outsider", False)])
def test_account_managers_see_only_the_partners_they_look_after(
    client: FlaskClient, owned: Partner, owned_contact: Contact, request: pytest.FixtureRequest, who: str, sees: bool
) -> None:
    sign_in(client, request.getfixturevalue(who))
    listing = client.get("/admin/partners").get_data(as_text=True)
    assert ("Acme IT" in listing) is sees
    expected = 200 if sees else 404
    assert client.get(f"/admin/partners/{owned.id}").status_code == expected
    assert client.get(f"/admin/contacts/{owned_contact.id}").status_code == expected
    assert client.get(f"/admin/partners/{owned.id}/contacts.csv").status_code == expected


@pytest.mark.parametrize("who", ["admin", "marketer", "viewer"])
def test_vendor_staff_other_than_account_managers_see_every_partner(
    client: FlaskClient, owned: Partner, request: pytest.FixtureRequest, who: str
) -> None:
    PartnerFactory.create(name="Other Co")
    sign_in(client, request.getfixturevalue(who))
    listing = client.get("/admin/partners").get_data(as_text=True)
    assert "Acme IT" in listing
    assert "Other Co" in listing


def test_filters_narrow_the_partner_list(
    client: FlaskClient, admin: User, owned: Partner, account_manager: User
) -> None:
    PartnerFactory.create(name="Berlin Data", tier="silver", country="DE")
    sign_in(client, admin)
    by_country = client.get("/admin/partners?country=DE").get_data(as_text=True)
    assert "Berlin Data" in by_country
    assert "Acme IT" not in by_country
    by_manager = client.get(f"/admin/partners?manager={account_manager.id}").get_data(as_text=True)
    assert "Acme IT" in by_manager
    assert "Berlin Data" not in by_manager
    by_tier = client.get("/admin/partners?tier=silver&type=solution").get_data(as_text=True)
    assert "Berlin Data" in by_tier


def test_a_viewer_reads_but_cannot_act(client: FlaskClient, viewer: User, owned_contact: Contact) -> None:
    sign_in(client, viewer)
    page = client.get(f"/admin/contacts/{owned_contact.id}").get_data(as_text=True)
    assert "Preference history" in page
    assert "Show preference links" not in page
    token = csrf_token_from(client, f"/admin/contacts/{owned_contact.id}")
    assert client.post(f"/admin/contacts/{owned_contact.id}/links", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/admin/contacts/{owned_contact.id}/export.json").status_code == 403


def test_the_support_button_shows_the_contacts_current_links(
    client: FlaskClient, account_manager: User, owned_contact: Contact
) -> None:
    sign_in(client, account_manager)
    token = csrf_token_from(client, f"/admin/contacts/{owned_contact.id}")
    page = client.post(f"/admin/contacts/{owned_contact.id}/links", data={"csrf_token": token}).get_data(as_text=True)
    preference = re.search(r"http://127\.0\.0\.1:5000(/p/[^<]+)", page)
    assert preference
    assert client.get(preference.group(1)).status_code == 200


def test_revoking_from_the_admin_kills_the_old_links(
    client: FlaskClient, admin: User, owned_contact: Contact, session: Session
) -> None:
    sign_in(client, admin)
    token = csrf_token_from(client, f"/admin/contacts/{owned_contact.id}")
    page = client.post(f"/admin/contacts/{owned_contact.id}/links", data={"csrf_token": token}).get_data(as_text=True)
    old_link = re.search(r"http://127\.0\.0\.1:5000(/p/[^<]+)", page)
    assert old_link
    client.post(f"/admin/contacts/{owned_contact.id}/revoke-links", data={"csrf_token": token})
    assert client.get(old_link.group(1)).status_code == 404


def test_an_admin_exports_everything_held_on_a_contact(
    client: FlaskClient, admin: User, owned_contact: Contact
) -> None:
    sign_in(client, admin)
    response = client.get(f"/admin/contacts/{owned_contact.id}/export.json")
    document = json.loads(response.get_data(as_text=True))
    assert document["contact"]["email"] == "jan@acme.example"
    assert document["contact"]["partner"] == "Acme IT"
    assert {"consent_log", "suppression", "events"} <= set(document)


def test_an_admin_erases_a_contact_after_typing_the_address(
    client: FlaskClient, admin: User, owned_contact: Contact, session: Session
) -> None:
    sign_in(client, admin)
    path = f"/admin/contacts/{owned_contact.id}"
    token = csrf_token_from(client, path)
    wrong = client.post(path + "/erase", data={"csrf_token": token, "confirm_email": "someone@else.example"})
    assert wrong.status_code == 400
    done = client.post(path + "/erase", data={"csrf_token": token, "confirm_email": "jan@acme.example"})
    assert done.status_code == 302
    session.expire_all()
    assert session.scalar(select(Contact).where(Contact.email == "jan@acme.example")) is None
    assert is_suppressed(session, "jan@acme.example")
    entry = session.scalar(select(Suppression))
    assert entry is not None
    assert entry.email is None
    assert entry.reason is SuppressionReason.ERASED


def test_the_import_page_checks_a_file_and_lists_errors(
    client: FlaskClient, marketer: User, areas: list[InterestArea]
) -> None:
    sign_in(client, marketer)
    token = csrf_token_from(client, "/admin/contacts/import")
    data = {
        "csrf_token": token,
        "file": (io.BytesIO(b"email,partner,tier,type,country\nbad,Acme,gold,sales,NL\n"), "list.csv"),
        "delimiter": "",
    }
    response = client.post("/admin/contacts/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<td>2</td><td>email</td>" in page
    assert "nothing was imported" in page


def test_the_import_page_keeps_a_quoted_line_break_and_refuses_an_unclosed_quote(  # type: ignore[no-untyped-def]
    client: FlaskClient, session: Session, marketer: User, areas
) -> None:
    sign_in(client, marketer)
    header = b"email,partner,tier,type,country,name\r\n"
    good = header + b'jan@acme.example,Acme,gold,sales,NL,"Jan Jansen\nSales"\r\n'
    broken = header + b'eva@acme.example,Acme,gold,sales,NL,"Eva Smit\r\n'

    def upload(data: bytes) -> tuple[int, str]:
        token = csrf_token_from(client, "/admin/contacts/import")
        form = {"csrf_token": token, "file": (io.BytesIO(data), "list.csv"), "delimiter": ""}
        response = client.post("/admin/contacts/import", data=form, content_type="multipart/form-data")
        return response.status_code, response.get_data(as_text=True)

    status, page = upload(broken)
    assert status == 400
    assert "A quoted cell opens on line 2 and is never closed: the file ends inside it (line 2)" in page
    assert session.scalar(select(Contact)) is None
    status, page = upload(good)
    assert status == 200, page
    assert "1 row read from list.csv" in page
    assert session.scalar(select(Contact.name)) == "Jan Jansen\nSales"


def test_the_import_page_is_for_editors_only(client: FlaskClient, account_manager: User) -> None:
    sign_in(client, account_manager)
    assert client.get("/admin/contacts/import").status_code == 403


def test_cli_support_link_export_and_erase(app: Flask, session: Session, owned_contact: Contact) -> None:
    runner = app.test_cli_runner()
    links = runner.invoke(args=["contacts", "link", "JAN@acme.example"])
    assert links.exit_code == 0
    assert "Preferences: http://127.0.0.1:5000/p/" in links.output
    assert "Unsubscribe: http://127.0.0.1:5000/u/" in links.output
    exported = runner.invoke(args=["contacts", "export", "jan@acme.example"])
    assert json.loads(exported.output)["contact"]["email"] == "jan@acme.example"
    erased = runner.invoke(args=["contacts", "erase", "jan@acme.example", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert runner.invoke(args=["contacts", "link", "jan@acme.example"]).exit_code != 0
    assert is_suppressed(session, "jan@acme.example")
