"""The partner programme: competencies, certifications, requirements, the matrix, tier history.

Named users: Otto manages Acme, Tess manages Globex; Ada is the admin, Mia a marketer, Vic a viewer.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, RenderedBody
from content.models import Competency
from core.audit import AuditEntry
from core.auth.models import User
from core.scheduler import run_ticks
from subscribers.models import Partner
from subscribers.programme.models import Certification, CompetencyRequirement, TierChange, TierChangeStatus
from subscribers.programme.standing import held_competencies, partner_competencies
from subscribers.programme.tiers import TierChangeRefused, TierRules, apply_due_tier_changes, change_tier
from tests.conftest import csrf_token_from, refreshed, sign_in
from tests.content.factories import CompetencyFactory
from tests.subscribers.factories import CertificationFactory, ContactFactory, PartnerFactory

TODAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
TIERS = ("registered", "silver", "gold", "platinum")

pytestmark = pytest.mark.usefixtures("empty_trail")


def post(client: FlaskClient, path: str, **data: Any):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token_from(client, "/account"), **data})


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def storage(session: Session) -> Competency:
    return CompetencyFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"})


@pytest.fixture
def acme(session: Session, account_manager: User) -> Partner:
    return PartnerFactory.create(name="Acme IT", tier="gold", account_manager=account_manager)


@pytest.fixture
def globex(session: Session, teammate: User) -> Partner:
    return PartnerFactory.create(name="Globex", tier="gold", account_manager=teammate)


def certify(partner: Partner, competency: Competency, people: int, **dates: dt.date | None) -> None:
    for _ in range(people):
        CertificationFactory.create(contact=ContactFactory.create(partner=partner), competency=competency, **dates)


# ------------------------------------------------------------------------------------------- holding


def test_a_partner_holds_a_competency_while_enough_of_its_people_are_certified_and_expired_ones_do_not_count(
    session: Session, storage: Competency, acme: Partner, globex: Partner
) -> None:
    session.add(CompetencyRequirement(tier="gold", competency_id=storage.id, people=2))
    certify(acme, storage, 2, expires_on=TODAY + dt.timedelta(days=30))
    certify(globex, storage, 1)
    certify(globex, storage, 1, expires_on=TODAY - dt.timedelta(days=1))  # expired yesterday
    session.flush()
    held = held_competencies(session, [(acme.id, "gold"), (globex.id, "gold")], TODAY)
    assert held == {acme.id: frozenset({storage.id}), globex.id: frozenset()}
    # The day after Acme's certificates end, it no longer holds it; a silver partner needs one person.
    assert partner_competencies(session, acme, TODAY + dt.timedelta(days=31)) == frozenset()
    assert held_competencies(session, [(globex.id, "silver")], TODAY) == {globex.id: frozenset({storage.id})}


# ------------------------------------------------------------------------------------------- admin forms


def test_an_admin_adds_a_competency_tied_to_interest_areas_and_it_is_audited(
    client: FlaskClient, session: Session, admin: User
) -> None:
    from tests.content.factories import InterestAreaFactory

    area = InterestAreaFactory.create(slug="backup")
    sign_in(client, admin)
    response = post(client, "/admin/programme/competencies/new", slug="cloud", name_en="Cloud", name_nl="Cloud",
                    area_ids=str(area.id))  # fmt: skip
    assert response.status_code == 302
    competency = session.scalars(select(Competency).where(Competency.slug == "cloud")).one()
    assert [a.slug for a in competency.interest_areas] == ["backup"]
    assert "competency.create" in actions(session)
    page = client.get("/admin/programme/competencies").get_data(as_text=True)
    assert "Cloud" in page


def test_a_competency_without_an_english_name_is_refused_and_a_marketer_may_not_add_one(
    client: FlaskClient, session: Session, admin: User, marketer: User
) -> None:
    sign_in(client, admin)
    response = post(client, "/admin/programme/competencies/new", slug="cloud", name_nl="Wolk")
    assert response.status_code == 400
    assert "English name" in response.get_data(as_text=True)
    sign_in(client, marketer)
    assert post(client, "/admin/programme/competencies/new", slug="cloud", name_en="Cloud").status_code == 403
    assert session.scalar(select(func.count()).select_from(Competency)) == 0


def test_the_requirements_table_is_saved_whole_and_an_unknown_tier_saves_nothing(
    client: FlaskClient, session: Session, admin: User, viewer: User, storage: Competency
) -> None:
    sign_in(client, admin)
    good = {f"people-gold-{storage.id}": "3", f"people-silver-{storage.id}": "1"}
    bad = {**good, f"people-diamond-{storage.id}": "5"}
    response = post(client, "/admin/programme/requirements", **bad)
    assert response.status_code == 400
    assert "diamond is not a tier" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(CompetencyRequirement)) == 0
    response = post(client, "/admin/programme/requirements", **{**good, f"people-platinum-{storage.id}": "many"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert post(client, "/admin/programme/requirements", **good).status_code == 302
    rows = {(r.tier, r.people) for r in session.scalars(select(CompetencyRequirement))}
    assert rows == {("gold", 3), ("silver", 1)}
    assert "competency_requirements.update" in actions(session)
    sign_in(client, viewer)
    assert post(client, "/admin/programme/requirements", **good).status_code == 403


def test_a_certification_that_expires_before_it_was_earned_is_a_field_error_and_nothing_is_saved(
    client: FlaskClient, session: Session, account_manager: User, acme: Partner, storage: Competency
) -> None:
    person = ContactFactory.create(partner=acme, name="Ines Instructor")
    sign_in(client, account_manager)
    fields = {"contact_id": person.id, "competency_id": storage.id, "name": "Storage Specialist",
              "earned_on": "2026-02-01", "expires_on": "2026-01-01"}  # fmt: skip
    response = post(client, f"/admin/programme/partners/{acme.id}/certifications", **fields)
    assert response.status_code == 400
    assert "before it was earned" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Certification)) == 0
    response = post(client, f"/admin/programme/partners/{acme.id}/certifications", **{**fields, "expires_on": ""})
    assert response.status_code == 302
    page = client.get(f"/admin/partners/{acme.id}").get_data(as_text=True)
    assert "Ines Instructor" in page
    assert "Storage Specialist" in page
    assert "certification.add" in actions(session)


def test_an_account_manager_cannot_certify_another_managers_partner(
    client: FlaskClient, session: Session, account_manager: User, globex: Partner, storage: Competency
) -> None:
    person = ContactFactory.create(partner=globex)
    sign_in(client, account_manager)
    fields = {"contact_id": person.id, "competency_id": storage.id, "name": "X", "earned_on": "2026-02-01"}
    assert post(client, f"/admin/programme/partners/{globex.id}/certifications", **fields).status_code == 403
    assert session.scalar(select(func.count()).select_from(Certification)) == 0


# ------------------------------------------------------------------------------------------- CSV import


def upload(client: FlaskClient, text: str, *, dry_run: bool = False):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"csrf_token": csrf_token_from(client, "/account")}
    data["file"] = (io.BytesIO(text.encode()), "c.csv")
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/admin/programme/certifications/import", data=data, content_type="multipart/form-data")


def test_a_certification_import_with_one_bad_row_imports_nothing_and_names_row_and_column(
    client: FlaskClient, session: Session, marketer: User, acme: Partner, storage: Competency
) -> None:
    ContactFactory.create(partner=acme, email="ines@acme.example")
    ContactFactory.create(partner=acme, email="bo@acme.example")
    sign_in(client, marketer)
    csv = (
        "Email,Competency,Certification,Earned on,Expires on\n"
        "ines@acme.example,storage,Storage Specialist,2025-06-01,2027-06-01\n"
        "bo@acme.example,Storage,Storage Specialist,2025-06-01,2025-01-01\n"
        "nobody@acme.example,storage,Storage Specialist,2025-06-01,\n"
        "ines@acme.example,Quantum,Q,01/06/2025,\n"
    )
    response = upload(client, csv)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Certification)) == 0
    for row, column in ((3, "expires_on"), (4, "email"), (5, "competency"), (5, "earned_on")):
        assert f"<td>{row}</td><td>{column}</td>" in page
    good = "\n".join(csv.splitlines()[:2]) + "\nbo@acme.example,Storage,Storage Specialist,2025-06-01,\n"
    assert upload(client, good).status_code == 200
    assert session.scalar(select(func.count()).select_from(Certification)) == 2
    again = upload(client, good).get_data(as_text=True)
    assert "0 new, 0 updated, 2 unchanged" in again
    assert "certifications.import" in actions(session)


# ------------------------------------------------------------------------------------------- vendor views


def test_the_matrix_shows_held_short_and_expiring_and_an_account_manager_sees_only_their_partners(
    client: FlaskClient, session: Session, account_manager: User, admin: User, acme: Partner, globex: Partner,
    storage: Competency,
) -> None:  # fmt: skip
    session.add(CompetencyRequirement(tier="gold", competency_id=storage.id, people=3))
    certify(acme, storage, 3, expires_on=TODAY + dt.timedelta(days=20))
    certify(globex, storage, 1)
    session.flush()
    with time_machine.travel(NOW, tick=False):
        sign_in(client, admin)
        page = client.get("/admin/programme/").get_data(as_text=True)
        assert "Acme IT" in page
        assert "Globex" in page
        assert "Held" in page
        assert "Short by 2" in page
        assert "3 expire by" in page
        training = client.get("/admin/programme/training").get_data(as_text=True)
        assert "Globex" in training
        assert "Acme IT" in training
        sign_in(client, account_manager)
        mine = client.get("/admin/programme/").get_data(as_text=True)
        assert "Acme IT" in mine
        assert "Globex" not in mine
        mine = client.get("/admin/programme/training").get_data(as_text=True)
        assert "Acme IT" in mine
        assert "Globex" not in mine


# ------------------------------------------------------------------------------------------- tiers


def rules(today: dt.date = TODAY, notice_days: int = 90) -> TierRules:
    return TierRules(tiers=TIERS, notice_days=notice_days, today=today)


def notices(session: Session) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.category == "tier-downgrade")))


def test_an_upgrade_takes_effect_at_once_and_is_in_the_history(app: Flask, session: Session, acme: Partner) -> None:
    with app.test_request_context():
        change = change_tier(session, acme, "platinum", rules(), reason="Three new specialists", now=NOW)
    assert change is not None
    assert change.status is TierChangeStatus.APPLIED
    assert acme.tier == "platinum"
    assert change.effective_on == TODAY
    assert notices(session) == []


def test_a_downgrade_is_scheduled_the_manager_is_told_and_the_tick_applies_it_on_its_day(
    app: Flask, session: Session, acme: Partner, account_manager: User
) -> None:
    with app.test_request_context():
        change = change_tier(session, acme, "silver", rules(), reason="Revenue below target", now=NOW)
    assert change is not None
    assert change.status is TierChangeStatus.SCHEDULED
    assert change.effective_on == TODAY + dt.timedelta(days=90)
    assert acme.tier == "gold"  # kept until the day
    [notice] = notices(session)
    assert notice.recipient_email == account_manager.email
    body = session.get_one(RenderedBody, notice.body_id)
    assert "Acme IT" in body.subject
    assert "Silver" in body.subject
    assert "Revenue below target" in body.text
    day_before = dt.datetime.combine(change.effective_on, dt.time(23, 59), dt.UTC) - dt.timedelta(days=1)
    assert apply_due_tier_changes(session, day_before) == 0
    assert acme.tier == "gold"
    on_the_day = dt.datetime.combine(change.effective_on, dt.time(0, 1), dt.UTC)
    assert apply_due_tier_changes(session, on_the_day) == 1
    assert refreshed(session, acme).tier == "silver"
    assert apply_due_tier_changes(session, on_the_day) == 0  # twice does no harm


def test_the_scheduler_tick_applies_a_due_downgrade(app: Flask, session: Session, acme: Partner) -> None:
    with app.test_request_context():
        change = change_tier(session, acme, "silver", rules(), effective_on=TODAY + dt.timedelta(days=3), now=NOW)
    assert change is not None
    session.commit()
    outcomes = run_ticks(app, dt.datetime.combine(change.effective_on, dt.time(8), dt.UTC))
    assert outcomes["tier changes"] == "1 tier changes applied"
    session.expire_all()
    assert session.get_one(Partner, acme.id).tier == "silver"
    applied = session.scalars(select(AuditEntry).where(AuditEntry.action == "partner.tier_change")).one()
    assert (applied.actor_kind, applied.changes["tier"]) == ("scheduler", ("gold", "silver"))


def test_a_downgrade_dated_in_the_past_is_refused_and_an_upgrade_during_the_notice_cancels_it(
    app: Flask, session: Session, acme: Partner
) -> None:
    with app.test_request_context():
        with pytest.raises(TierChangeRefused) as refused:
            change_tier(session, acme, "silver", rules(), effective_on=TODAY - dt.timedelta(days=1), now=NOW)
        assert "tier_effective_on" in refused.value.errors
        assert session.scalar(select(func.count()).select_from(TierChange)) == 0
        with pytest.raises(TierChangeRefused):
            change_tier(session, acme, "diamond", rules(), now=NOW)
        downgrade = change_tier(session, acme, "silver", rules(), now=NOW)
        change_tier(session, acme, "platinum", rules(), reason="Back on track", now=NOW)
    assert downgrade is not None
    assert downgrade.status is TierChangeStatus.CANCELLED
    assert acme.tier == "platinum"
    later = dt.datetime.combine(downgrade.effective_on, dt.time(9), dt.UTC)
    assert apply_due_tier_changes(session, later) == 0
    assert acme.tier == "platinum"


def test_the_partner_form_schedules_a_downgrade_and_refuses_one_in_the_past(
    client: FlaskClient, session: Session, account_manager: User, acme: Partner
) -> None:
    fields = {"name": "Acme IT", "tier": "silver", "type": "solution", "subcategory": "", "country": "NL",
              "default_locale": "nl", "account_manager_id": account_manager.id, "backup_manager_id": "",
              "distributor_team_id": "", "tier_reason": "Fewer deals", "tier_effective_on": "2020-01-01"}  # fmt: skip
    sign_in(client, account_manager)
    response = post(client, f"/admin/partners/{acme.id}/edit", **fields)
    assert response.status_code == 400
    assert "cannot take effect in the past" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(TierChange)) == 0
    assert post(client, f"/admin/partners/{acme.id}/edit", **{**fields, "tier_effective_on": ""}).status_code == 302
    assert refreshed(session, acme).tier == "gold"
    page = client.get(f"/admin/partners/{acme.id}").get_data(as_text=True)
    assert "A downgrade to Silver is scheduled" in page
    assert "partner.tier_downgrade_schedule" in actions(session)
    assert post(client, f"/admin/programme/partners/{acme.id}/keep-tier", reason="Talked it over").status_code == 302
    change = session.scalars(select(TierChange)).one()
    assert change.status is TierChangeStatus.CANCELLED


def test_a_bulk_tier_change_goes_through_the_tier_service(
    client: FlaskClient, session: Session, marketer: User, acme: Partner, globex: Partner
) -> None:
    sign_in(client, marketer)
    ids = [str(acme.id), str(globex.id)]
    confirm = post(client, "/admin/partners/bulk", partner_ids=ids, action="tier", tier="silver")
    assert "silver from" in confirm.get_data(as_text=True)
    post(client, "/admin/partners/bulk", partner_ids=ids, action="tier", tier="silver", confirmed="yes")
    assert {refreshed(session, p).tier for p in (acme, globex)} == {"gold"}
    changes = session.scalars(select(TierChange)).all()
    assert {(c.to_tier, c.status) for c in changes} == {("silver", TierChangeStatus.SCHEDULED)}
    assert len(changes) == 2


def test_a_contacts_import_changes_an_existing_partners_tier_through_the_tier_service(
    app: Flask, session: Session, acme: Partner, globex: Partner
) -> None:
    from subscribers.importer import import_contacts

    text = (
        "email,partner,tier,type,country\n"
        "ines@acme.example,Acme IT,silver,solution,NL\n"
        "bo@globex.example,Globex,platinum,solution,NL\n"
    )
    with app.test_request_context():
        report = import_contacts(session, text.encode(), file_name="crm.csv", tiers=TIERS)
    assert report.ok
    assert (acme.tier, globex.tier) == ("gold", "platinum")  # the downgrade waits, the upgrade does not
    changes = {(c.partner_id, c.to_tier, c.status) for c in session.scalars(select(TierChange))}
    assert changes == {
        (acme.id, "silver", TierChangeStatus.SCHEDULED),
        (globex.id, "platinum", TierChangeStatus.APPLIED),
    }


def test_a_contacts_certifications_are_in_their_data_export_and_go_with_their_erasure(
    app: Flask, session: Session, acme: Partner, storage: Competency
) -> None:
    from subscribers.rights import erase_contact, export_contact

    person = ContactFactory.create(partner=acme)
    CertificationFactory.create(contact=person, competency=storage, name="Storage Specialist",
                                earned_on=dt.date(2025, 6, 1), expires_on=dt.date(2027, 6, 1))  # fmt: skip
    with app.test_request_context():
        document = export_contact(session, person, app)
        assert document["certifications"] == [
            {"competency": "Storage", "certificate": "Storage Specialist", "earned_on": "2025-06-01",
             "expires_on": "2027-06-01"}
        ]  # fmt: skip
        erase_contact(session, person, app, source="admin")
    session.flush()
    assert session.scalar(select(func.count()).select_from(Certification)) == 0
