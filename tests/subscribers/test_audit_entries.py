"""What staff do to contacts and partners lands in the audit trail, and an erased address does not."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import AuditEntry, verify_chain
from core.auth.models import User
from subscribers.models import Contact, Partner
from tests.conftest import csrf_token_from, sign_in
from tests.subscribers.factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.usefixtures("empty_trail")


@pytest.fixture
def owned(session: Session, account_manager: User) -> Partner:
    return PartnerFactory.create(name="Acme IT", account_manager=account_manager)


@pytest.fixture
def jan(owned: Partner) -> Contact:
    return ContactFactory.create(partner=owned, email="jan@acme.example", name="Jan Jansen")


def entries(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_showing_and_revoking_links_exporting_and_downloading_are_recorded_with_the_partner_scope(
    client: FlaskClient, session: Session, admin: User, owned: Partner, jan: Contact
) -> None:
    sign_in(client, admin)
    token = csrf_token_from(client, f"/admin/contacts/{jan.id}")
    client.post(f"/admin/contacts/{jan.id}/links", data={"csrf_token": token})
    client.post(f"/admin/contacts/{jan.id}/revoke-links", data={"csrf_token": token})
    client.get(f"/admin/contacts/{jan.id}/export.json")
    client.get(f"/admin/partners/{owned.id}/contacts.csv")
    trail = entries(session)
    assert [e.action for e in trail] == [
        "contact.links_shown", "contact.links_revoked", "contact.export", "partner.contacts_export",
    ]  # fmt: skip
    assert {e.scope for e in trail} == {f"partner:{owned.id}"}
    assert {e.actor_label for e in trail} == {"Ada Admin"}
    assert trail[-1].detail == "1 contacts as CSV"


def test_an_erasure_is_recorded_and_the_trail_keeps_no_trace_of_the_address(
    client: FlaskClient, session: Session, admin: User, jan: Contact
) -> None:
    sign_in(client, admin)
    token = csrf_token_from(client, f"/admin/contacts/{jan.id}")
    client.post(f"/admin/contacts/{jan.id}/links", data={"csrf_token": token})
    client.post(f"/admin/contacts/{jan.id}/erase", data={"csrf_token": token, "confirm_email": "jan@acme.example"})
    trail = entries(session)
    assert trail[-1].action == "contact.erase"
    assert trail[-1].object_label == "a contact of Acme IT"
    for entry in trail:
        stored = " ".join(str(value) for value in vars(entry).values())
        assert "jan@acme.example" not in stored
        assert "Jan Jansen" not in stored
    assert verify_chain(session).ok


def test_an_import_is_recorded_with_its_file_name_and_row_counts(
    app: Flask, client: FlaskClient, session: Session, marketer: User
) -> None:
    PartnerFactory.create(name="Acme IT")
    sign_in(client, marketer)
    token = csrf_token_from(client, "/admin/contacts/import")
    csv_file = b"email,partner,name\nanna@acme.example,Acme IT,Anna\nbob@acme.example,Acme IT,Bob\n"
    client.post(
        "/admin/contacts/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv_file), "march.csv")},
        content_type="multipart/form-data",
    )
    [entry] = [e for e in entries(session) if e.action == "contacts.import"]
    assert entry.object_label == "march.csv"
    assert "2 rows" in entry.detail
    assert "contacts 2 new" in entry.detail
    assert entry.actor_label == "Mia Marketer"


def test_a_dry_run_import_records_nothing(client: FlaskClient, session: Session, marketer: User) -> None:
    PartnerFactory.create(name="Acme IT")
    sign_in(client, marketer)
    token = csrf_token_from(client, "/admin/contacts/import")
    client.post(
        "/admin/contacts/import",
        data={
            "csrf_token": token,
            "dry_run": "y",
            "file": (io.BytesIO(b"email,partner\na@acme.example,Acme IT\n"), "x.csv"),
        },
        content_type="multipart/form-data",
    )
    assert [e.action for e in entries(session)] == []


def test_an_account_manager_posting_for_a_contact_not_theirs_gets_403_and_is_recorded(
    client: FlaskClient, session: Session, teammate: User, jan: Contact
) -> None:
    sign_in(client, teammate)
    token = csrf_token_from(client, "/account")
    assert client.post(f"/admin/contacts/{jan.id}/revoke-links", data={"csrf_token": token}).status_code == 403
    session.refresh(jan)
    assert jan.link_version == 1
    [denied] = entries(session)
    assert (denied.action, denied.object_type, denied.object_id) == ("access.denied", "contact", str(jan.id))
    assert denied.actor_id == teammate.id
