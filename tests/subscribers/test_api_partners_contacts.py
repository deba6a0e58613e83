"""Contract tests of the partner and contact endpoints: what each answers, what it refuses, what it writes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.api.models import ApiToken
from core.audit import AuditEntry
from core.auth.models import User
from subscribers.models import ConsentRecord, ConsentSource, Contact, ContactStatus, Partner
from tests.api_helpers import call, make_token
from tests.conftest import sign_in
from tests.content.factories import InterestAreaFactory
from tests.factories import UserFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory


@pytest.fixture
def token(app: Flask, session: Session) -> str:
    return make_token(app, session)


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _partner_row(n: int, **extra: object) -> dict[str, object]:
    return {"external_id": f"crm-{n}", "name": f"Reseller {n}", "tier": "gold", "type": "solution", "country": "NL",
            **extra}  # fmt: skip


# ------------------------------------------------------------------------------------------- partners


def test_partners_are_created_read_and_changed_only_with_the_current_etag(
    client: FlaskClient, session: Session, token: str
) -> None:
    made = call(client, "POST", "/api/v1/partners", token, json={"name": "Acme IT", "tier": "gold",
                "type": "solution", "country": "nl", "external_id": "sf-1"})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["name"], body["country"], body["external_id"], body["account_manager"]) == (
        "Acme IT",
        "NL",
        "sf-1",
        None,
    )
    read = call(client, "GET", f"/api/v1/partners/{body['id']}", token)
    etag = read.headers["ETag"]
    stale = call(client, "PATCH", f"/api/v1/partners/{body['id']}", token, json={"tier": "silver"},
                 headers={"If-Match": '"not-the-current-one"'})  # fmt: skip
    assert stale.status_code == 412
    assert call(client, "PATCH", f"/api/v1/partners/{body['id']}", token, json={"tier": "silver"}).status_code == 428
    # An upgrade takes effect at once (a downgrade is scheduled with notice, like every change of tier).
    changed = call(client, "PATCH", f"/api/v1/partners/{body['id']}", token, json={"tier": "platinum"},
                   headers={"If-Match": etag})  # fmt: skip
    assert changed.status_code == 200
    assert changed.get_json()["tier"] == "platinum"
    assert changed.headers["ETag"] != etag
    listed = call(client, "GET", "/api/v1/partners?external_id=sf-1", token).get_json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]


def test_archiving_takes_a_partner_out_of_the_list(client: FlaskClient, token: str) -> None:
    partner = PartnerFactory.create()
    assert call(client, "POST", f"/api/v1/partners/{partner.id}/archive", token).status_code == 200
    assert call(client, "GET", "/api/v1/partners", token).get_json()["items"] == []
    archived = call(client, "GET", "/api/v1/partners?include_archived=true", token).get_json()["items"]
    assert archived[0]["archived_at"] is not None


def test_a_partner_upsert_creates_then_updates_then_writes_nothing(
    client: FlaskClient, session: Session, token: str
) -> None:
    url = "/api/v1/partners/by-external-id/crm-7"
    first = call(client, "PUT", url, token, json=_partner_row(7) | {"external_id": "crm-7"})
    assert first.status_code == 201, first.get_json()
    again = call(client, "PUT", url, token, json={"tier": "silver"})
    assert (again.status_code, again.get_json()["tier"]) == (200, "silver")
    partner = session.scalar(select(Partner).where(Partner.external_id == "crm-7"))
    assert partner is not None
    stamp, entries = partner.updated_at, _count(session, AuditEntry)
    same = call(client, "PUT", url, token, json={"tier": "silver", "name": "Reseller 7"})
    assert same.status_code == 200
    session.refresh(partner)
    assert (partner.updated_at, _count(session, AuditEntry)) == (stamp, entries)


def test_a_first_sync_adopts_the_partner_of_the_same_name_made_by_hand(client: FlaskClient, token: str) -> None:
    existing = PartnerFactory.create(name="Acme IT", country="DE", external_id=None)
    answer = call(
        client, "PUT", "/api/v1/partners/by-external-id/sf-9", token, json={"name": "Acme IT", "country": "DE"}
    )
    assert (answer.status_code, answer.get_json()["id"]) == (200, existing.id)


def test_a_bulk_of_partners_is_written_whole_or_not_at_all(client: FlaskClient, session: Session, token: str) -> None:
    rows = [_partner_row(n) for n in range(3)]
    rows[1]["tier"] = "diamond"
    rows[2]["country"] = "XX"
    refused = call(client, "POST", "/api/v1/partners/bulk", token, json={"rows": rows})
    assert refused.status_code == 422
    problem = refused.get_json()
    assert [(e["field"], e["row"]) for e in problem["errors"]] == [("rows[1].tier", 1), ("rows[2].country", 2)]
    assert "diamond" in problem["errors"][0]["detail"]
    assert _count(session, Partner) == 0
    rows[1]["tier"], rows[2]["country"] = "gold", "DE"
    done = call(client, "POST", "/api/v1/partners/bulk", token, json={"rows": rows})
    assert done.status_code == 200
    assert (done.get_json()["created"], _count(session, Partner)) == (3, 3)


def test_a_bulk_of_1001_rows_is_refused_naming_the_limit(client: FlaskClient, session: Session, token: str) -> None:
    rows = [_partner_row(n) for n in range(1001)]
    refused = call(client, "POST", "/api/v1/partners/bulk", token, json={"rows": rows})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "rows"
    assert "1,000" in refused.get_json()["errors"][0]["detail"]
    assert _count(session, Partner) == 0


# ------------------------------------------------------------------------------------------- contacts


def test_contacts_are_upserted_by_address_and_by_external_id_with_consent_from_the_token(
    client: FlaskClient, session: Session, token: str
) -> None:
    partner = PartnerFactory.create(country="DE")
    InterestAreaFactory.create(slug="storage")
    made = call(client, "PUT", "/api/v1/contacts/by-email/Jan@Reseller.example", token,
                json={"partner_id": partner.id, "interests": ["storage"], "external_id": "c-1"})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["email"], body["locale"], body["timezone"], body["interests"]) == (
        "jan@reseller.example", "de", "Europe/Berlin", ["storage"])  # fmt: skip
    consent = session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id == body["id"])).all()
    token_row = session.scalar(select(ApiToken))
    assert token_row is not None
    assert [(c.action, c.source, c.api_token_id) for c in consent] == [("subscribed", ConsentSource.API, token_row.id)]
    changed = call(client, "PUT", "/api/v1/contacts/by-external-id/c-1", token, json={"frequency": "weekly"})
    assert (changed.status_code, changed.get_json()["frequency"], changed.get_json()["interests"]) == (
        200, "weekly", ["storage"])  # fmt: skip
    records = _count(session, ConsentRecord)
    unchanged = call(client, "PUT", "/api/v1/contacts/by-external-id/c-1", token, json={"frequency": "weekly"})
    assert unchanged.status_code == 200
    assert _count(session, ConsentRecord) == records


def test_a_bulk_of_contacts_names_each_bad_row_and_writes_nothing(
    client: FlaskClient, session: Session, token: str
) -> None:
    partner = PartnerFactory.create()
    rows = [
        {"email": "ok@p.example", "partner_id": partner.id},
        {"email": "not-an-address", "partner_id": partner.id},
        {"email": "tz@p.example", "partner_id": partner.id, "timezone": "Mars/Olympus"},
        {"email": "hour@p.example", "partner_id": partner.id, "preferred_hour": "nine"},
        {"email": "who@p.example", "partner_id": partner.id, "favourite_colour": "blue"},
    ]
    refused = call(client, "POST", "/api/v1/contacts/bulk", token, json={"rows": rows})
    assert refused.status_code == 422
    fields = {(e["field"], e.get("row")) for e in refused.get_json()["errors"]}
    assert {("rows[3].preferred_hour", 3), ("rows[4].favourite_colour", 4)} <= fields
    assert _count(session, Contact) == 0
    del rows[3:]
    refused = call(client, "POST", "/api/v1/contacts/bulk", token, json={"rows": rows})
    fields = {(e["field"], e.get("row")) for e in refused.get_json()["errors"]}
    assert fields == {("rows[1].email", 1), ("rows[2].timezone", 2)}
    assert _count(session, Contact) == 0


def test_bodies_that_are_not_json_or_too_large_are_refused(client: FlaskClient, token: str) -> None:
    broken = call(client, "POST", "/api/v1/contacts/bulk", token, data="{rows: [",
                  headers={"Content-Type": "application/json"})  # fmt: skip
    assert broken.status_code == 400
    huge = json.dumps({"rows": [{"email": "x" * 1000}] * 21_000})
    assert call(client, "POST", "/api/v1/contacts/bulk", token, data=huge,
                headers={"Content-Type": "application/json"}).status_code == 413  # fmt: skip


def test_a_token_that_may_only_read_contacts_cannot_write_them(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    reader = make_token(app, session, "contacts:read")
    partner = PartnerFactory.create()
    assert call(client, "GET", "/api/v1/contacts", reader).status_code == 200
    refused = call(client, "PUT", "/api/v1/contacts/by-email/a@p.example", reader, json={"partner_id": partner.id})
    assert refused.status_code == 403
    assert _count(session, Contact) == 0


def test_a_token_whose_maker_was_deactivated_gets_401(app: Flask, client: FlaskClient, session: Session) -> None:
    maker = UserFactory.create(role="admin")
    secret = make_token(app, session, by=maker)
    assert call(client, "GET", "/api/v1/contacts", secret).status_code == 200
    maker.is_active = False
    session.flush()
    assert call(client, "GET", "/api/v1/contacts", secret).status_code == 401
    assert client.get(f"/api/v1/contacts?access_token={secret}").status_code == 401


def test_preferences_pause_and_unsubscribe_are_logged_with_source_api(
    client: FlaskClient, session: Session, token: str
) -> None:
    contact = ContactFactory.create()
    InterestAreaFactory.create(slug="cloud")
    url = f"/api/v1/contacts/{contact.id}"
    etag = call(client, "GET", url, token).headers["ETag"]
    changed = call(client, "PUT", f"{url}/preferences", token, json={"interests": ["cloud"], "preferred_hour": 7},
                   headers={"If-Match": etag})  # fmt: skip
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["interests"], changed.get_json()["preferred_hour"]) == (["cloud"], 7)
    bad_zone = call(client, "PUT", f"{url}/preferences", token, json={"timezone": "Nowhere/Town"},
                    headers={"If-Match": "*"})  # fmt: skip
    assert (bad_zone.status_code, bad_zone.get_json()["errors"][0]["field"]) == (422, "timezone")
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    paused = call(client, "POST", f"{url}/pause", token, json={"until": until})
    assert (paused.status_code, paused.get_json()["status"]) == (200, "paused")
    gone = call(client, "POST", f"{url}/unsubscribe", token, json={})
    assert gone.get_json()["status"] == ContactStatus.UNSUBSCRIBED.value
    actions = session.scalars(
        select(ConsentRecord.action).where(
            ConsentRecord.contact_id == contact.id, ConsentRecord.source == ConsentSource.API
        )
    ).all()
    assert actions == ["preferences", "paused", "unsubscribed"]
    trail = session.scalars(
        select(AuditEntry.actor_kind).where(
            AuditEntry.object_type == "contact", AuditEntry.object_id == str(contact.id)
        )
    ).all()
    assert trail
    assert set(trail) == {"api_token"}


def test_the_contact_page_names_the_token_that_changed_a_contact(
    app: Flask, client: FlaskClient, session: Session, token: str, admin: User
) -> None:
    contact = ContactFactory.create()
    call(client, "POST", f"/api/v1/contacts/{contact.id}/unsubscribe", token, json={"detail": "asked in the CRM"})
    page = sign_in(app.test_client(), admin).get(f"/admin/contacts/{contact.id}").get_data(as_text=True)
    assert "asked in the CRM" in page
    assert "Test integration" in page  # the token's name, beside the source
