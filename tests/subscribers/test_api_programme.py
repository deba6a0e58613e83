"""Contract tests of the programme endpoints: competencies (list), certifications (list, upsert), engagement scores."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.engagement.models import ContactScore
from core.audit import AuditEntry
from subscribers.engagement import PartnerScore
from subscribers.programme.models import Certification
from tests.api_helpers import call, make_token
from tests.content.factories import CompetencyFactory, InterestAreaFactory
from tests.subscribers.factories import CertificationFactory, ContactFactory, PartnerFactory

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def token(app: Flask, session: Session) -> str:
    return make_token(app, session)


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# ------------------------------------------------------------------------------------------- competencies


def test_competencies_are_listed_in_order_with_names_and_areas_page_by_page(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    area = InterestAreaFactory.create()
    storage = CompetencyFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"}, position=1,
                                       interest_areas=[area])  # fmt: skip
    cloud = CompetencyFactory.create(slug="cloud", names={"en": "Cloud"}, position=2)
    reader = make_token(app, session, "competencies:read")
    first = call(client, "GET", "/api/v1/competencies?limit=1", reader).get_json()
    assert first["items"] == [{"id": storage.id, "slug": "storage", "names": {"en": "Storage", "nl": "Opslag"},
                               "position": 1, "interest_area_ids": [area.id]}]  # fmt: skip
    second = call(client, "GET", f"/api/v1/competencies?limit=1&after={first['next']}", reader).get_json()
    assert ([item["slug"] for item in second["items"]], second["next"]) == (["cloud"], None)
    assert second["items"][0]["id"] == cloud.id
    other = make_token(app, session, "content:read")
    assert call(client, "GET", "/api/v1/competencies", other).status_code == 403
    bad = call(client, "GET", "/api/v1/competencies?after=forged", reader)
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "after")


# ------------------------------------------------------------------------------------------- certifications


def test_a_certification_is_added_then_its_expiry_moved_then_nothing_written(
    client: FlaskClient, session: Session, token: str
) -> None:
    contact = ContactFactory.create(email="ana@partner.example")
    CompetencyFactory.create(slug="storage")
    body = {"contact_email": "Ana@Partner.example", "competency_slug": "storage", "name": "Storage  Specialist",
            "earned_on": "2026-01-10", "expires_on": "2028-01-10"}  # fmt: skip
    made = call(client, "PUT", "/api/v1/certifications", token, json=body)
    assert made.status_code == 201, made.get_json()
    answer = made.get_json()
    assert (answer["contact_id"], answer["partner_id"], answer["competency_slug"], answer["name"]) == (
        contact.id, contact.partner_id, "storage", "Storage Specialist",
    )  # fmt: skip
    moved = call(client, "PUT", "/api/v1/certifications", token, json={**body, "expires_on": "2029-01-10"})
    assert (moved.status_code, moved.get_json()["id"], moved.get_json()["expires_on"]) == (
        200, answer["id"], "2029-01-10",
    )  # fmt: skip
    entries = _count(session, AuditEntry)
    again = call(client, "PUT", "/api/v1/certifications", token, json={**body, "expires_on": "2029-01-10"})
    assert again.status_code == 200
    assert (_count(session, Certification), _count(session, AuditEntry)) == (1, entries)
    trail = session.execute(
        select(AuditEntry.action, AuditEntry.actor_kind).where(
            AuditEntry.object_type == "contact", AuditEntry.object_id == str(contact.id)
        )
    ).all()
    assert [tuple(row) for row in trail] == [("certification.add", "api_token"), ("certification.update", "api_token")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"earned_on": "2026-07-01"}, "earned_on"),  # in the future
        ({"expires_on": "2025-12-31"}, "expires_on"),  # before it was earned
        ({"competency_slug": "no-such"}, "competency_slug"),
        ({"contact_email": "nobody@partner.example"}, "contact_email"),
        ({"name": "  "}, "name"),
        ({"contact_id": 5}, "contact_id"),  # both ways of naming the person
        ({"shoe_size": 44}, "shoe_size"),
    ],
)
def test_a_bad_certification_is_refused_naming_its_field_and_nothing_is_written(
    client: FlaskClient, session: Session, token: str, change: dict[str, object], field: str
) -> None:
    ContactFactory.create(email="ana@partner.example")
    CompetencyFactory.create(slug="storage")
    body = {"contact_email": "ana@partner.example", "competency_slug": "storage", "name": "Storage Specialist",
            "earned_on": "2026-01-10", "expires_on": None, **change}  # fmt: skip
    refused = call(client, "PUT", "/api/v1/certifications", token, json=body)
    assert refused.status_code == 422
    assert field in [error["field"] for error in refused.get_json()["errors"]], refused.get_json()
    assert _count(session, Certification) == 0


def test_certifications_are_listed_by_partner_and_contact_and_need_their_scopes(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    competency = CompetencyFactory.create()
    ana, ben = ContactFactory.create(), ContactFactory.create()
    held = CertificationFactory.create(contact=ana, competency=competency)
    CertificationFactory.create(contact=ben, competency=competency)
    reader = make_token(app, session, "certifications:read")
    by_partner = call(client, "GET", f"/api/v1/certifications?partner_id={ana.partner_id}", reader).get_json()
    assert [item["id"] for item in by_partner["items"]] == [held.id]
    by_contact = call(client, "GET", f"/api/v1/certifications?contact_id={ben.id}", reader).get_json()
    assert [item["contact_id"] for item in by_contact["items"]] == [ben.id]
    bad = call(client, "GET", "/api/v1/certifications?partner_id=zero", reader)
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "partner_id")
    body = {"contact_id": ana.id, "competency_id": competency.id, "name": "New", "earned_on": "2026-01-01"}
    assert call(client, "PUT", "/api/v1/certifications", reader, json=body).status_code == 403
    assert call(client, "GET", "/api/v1/certifications", make_token(app, session, "contacts:read")).status_code == 403
    assert _count(session, Certification) == 2


# ------------------------------------------------------------------------------------------- engagement scores


def test_engagement_scores_are_decayed_to_now_with_their_band(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    warm, cooled = PartnerFactory.create(), PartnerFactory.create()
    # Half-life 30 days (the default): 8 counted 30 days ago is 4 now; 4 against 10 a month before is cooling.
    session.add(PartnerScore(partner_id=warm.id, score=8.0, as_of=NOW - dt.timedelta(days=30), baseline=0.0))
    session.add(PartnerScore(partner_id=cooled.id, score=4.0, as_of=NOW, baseline=10.0))
    contact = ContactFactory.create(partner=warm)
    session.add(ContactScore(contact_id=contact.id, score=1.0, as_of=NOW - dt.timedelta(days=60)))
    session.flush()
    reader = make_token(app, session, "scores:read")
    partners = call(client, "GET", "/api/v1/engagement-scores", reader).get_json()["items"]
    assert [(row["partner_id"], row["score"], row["band"]) for row in partners] == [
        (warm.id, 4.0, "engaged"), (cooled.id, 4.0, "cooling"),
    ]  # fmt: skip
    page = call(client, "GET", "/api/v1/engagement-scores?limit=1", reader).get_json()
    after = call(client, "GET", f"/api/v1/engagement-scores?limit=1&after={page['next']}", reader).get_json()
    assert [row["partner_id"] for row in after["items"]] == [cooled.id]
    people = call(client, "GET", f"/api/v1/engagement-scores/contacts?partner_id={warm.id}", reader).get_json()
    assert [(row["contact_id"], row["partner_id"], row["score"], row["band"]) for row in people["items"]] == [
        (contact.id, warm.id, 0.25, "silent"),
    ]  # fmt: skip
    bad = call(client, "GET", "/api/v1/engagement-scores/contacts?contact_id=-1", reader)
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "contact_id")
    assert call(client, "GET", "/api/v1/engagement-scores", make_token(app, session, "events:read")).status_code == 403
