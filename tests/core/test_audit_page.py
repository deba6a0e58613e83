"""The audit page: admins read everything, account managers their partners' trail, others nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import SCHEDULER, Actor, AuditEntry, record
from core.auth.models import User
from subscribers.models import Partner
from tests.conftest import sign_in
from tests.subscribers.factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.usefixtures("empty_trail")


def note(
    app: Flask, session: Session, action: str, *, object_type: str = "thing", object_id: int = 1,
    object_label: str = "", changes: dict[str, tuple[object, object]] | None = None, detail: str = "",
    scope: str | None = None, actor: Actor | None = None,
) -> AuditEntry:  # fmt: skip
    with app.app_context():
        return record(session, action, object_type=object_type, object_id=object_id, object_label=object_label,
                      changes=changes, detail=detail, scope=scope, actor=actor or SCHEDULER)  # fmt: skip


@pytest.fixture
def owned(session: Session, account_manager: User) -> Partner:
    return PartnerFactory.create(name="Owned Systems BV", account_manager=account_manager)


@pytest.fixture
def elsewhere(session: Session, teammate: User) -> Partner:
    return PartnerFactory.create(name="Elsewhere IT BV", account_manager=teammate)


def test_an_admin_sees_who_did_what_with_the_change_in_their_own_time_zone(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    admin.timezone = "America/New_York"
    with time_machine.travel(dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC), tick=False):
        note(app, session, "campaign.move", object_type="campaign", object_label="Spring storage push",
             changes={"status": ("scheduled", "live")})  # fmt: skip
    page = sign_in(client, admin).get("/admin/audit/").get_data(as_text=True)
    assert "Scheduler" in page
    assert "Campaign moved" in page  # the action's name, not its code
    assert "Spring storage push" in page
    assert "<del>Scheduled</del> → <ins>Live</ins>" in page  # the status names the campaign pages use
    assert "Mar 2, 2026, 10:30:00\u202fAM" in page  # 15:30 UTC in New York, in English


def test_filters_by_who_object_what_and_dates_narrow_the_list(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        note(app, session, "contact.export", object_type="contact", object_id=7, object_label="March export",
             actor=Actor("user", 99, "Greta Green"))  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC), tick=False):
        note(app, session, "campaign.move", object_type="campaign", object_id=3, object_label="April launch")
    sign_in(client, admin)

    def shown(**query: str) -> set[str]:
        page = client.get("/admin/audit/", query_string=query).get_data(as_text=True)
        return {label for label in ("March export", "April launch") if label in page}

    assert shown() == {"March export", "April launch"}
    assert shown(who="greta") == {"March export"}
    assert shown(object="contact 7") == {"March export"}
    assert shown(object="april") == {"April launch"}
    assert shown(action="campaign.move") == {"April launch"}
    assert shown(since="2026-03-03") == {"April launch"}
    assert shown(until="2026-03-01") == {"March export"}
    bad = client.get("/admin/audit/", query_string={"since": "31/03/2026"}).get_data(as_text=True)
    assert "31/03/2026 is not a date like 2026-03-31." in bad


def test_pages_are_keyset_pages_of_fifty_newest_first(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    made = [note(app, session, "a.step", object_label=f"step-{n:03d}") for n in range(60)]
    sign_in(client, admin)
    first = client.get("/admin/audit/").get_data(as_text=True)
    assert "step-059" in first
    assert "step-010" in first
    assert "step-009" not in first
    assert f"before={made[10].id}" in first
    second = client.get("/admin/audit/", query_string={"before": made[10].id}).get_data(as_text=True)
    assert "step-009" in second
    assert "step-000" in second
    assert "step-010" not in second
    assert f"after={made[9].id}" in second
    back = client.get("/admin/audit/", query_string={"after": made[9].id}).get_data(as_text=True)
    assert "step-059" in back
    assert "step-010" in back
    assert "step-009" not in back


def test_an_account_manager_sees_only_the_trail_of_their_own_partners(
    app: Flask, client: FlaskClient, session: Session, account_manager: User, owned: Partner, elsewhere: Partner
) -> None:
    note(app, session, "partner.brand_update", object_type="partner", object_label="Owned brand",
         scope=f"partner:{owned.id}")  # fmt: skip
    note(app, session, "partner.brand_update", object_type="partner", object_label="Elsewhere brand",
         scope=f"partner:{elsewhere.id}")  # fmt: skip
    note(app, session, "user.role_change", object_type="user", object_label="Unscoped change")
    page = sign_in(client, account_manager).get("/admin/audit/").get_data(as_text=True)
    assert "Owned brand" in page
    assert "Elsewhere brand" not in page
    assert "Unscoped change" not in page
    exported = client.get("/admin/audit/export.csv").get_data(as_text=True)
    assert "Owned brand" in exported
    assert "Elsewhere brand" not in exported


@pytest.mark.parametrize("who", ["marketer", "viewer"])
def test_marketers_and_viewers_do_not_see_the_trail_and_their_attempt_is_recorded(
    request: pytest.FixtureRequest, client: FlaskClient, session: Session, who: str
) -> None:
    person: User = request.getfixturevalue(who)
    sign_in(client, person)
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403
    denied = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "access.denied").order_by(AuditEntry.id)
    ).all()
    assert [entry.actor_id for entry in denied] == [person.id, person.id]


def test_a_contact_shows_by_address_while_held_and_by_partner_once_erased(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    contact = ContactFactory.create(email="jan@acme.example", partner=PartnerFactory.create(name="Acme BV"))
    from subscribers.audit import record_contact

    with app.app_context():
        record_contact(session, "contact.links_shown", contact)
    sign_in(client, admin)
    assert "jan@acme.example" in client.get("/admin/audit/").get_data(as_text=True)
    session.delete(contact)
    session.flush()
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "jan@acme.example" not in page
    assert "a contact of Acme BV" in page


def test_the_csv_export_holds_every_match_with_formula_cells_made_plain_and_is_itself_recorded(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    for n in range(3):
        note(app, session, "contact.export", object_label=f"=HYPERLINK(\"http://evil.example\",\"{n}\")",
             detail="+1 row", changes={"name": ("@old", "-new")})  # fmt: skip
    response = sign_in(client, admin).get("/admin/audit/export.csv", query_string={"action": "contact.export"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 3
    assert all(row["object"].startswith("'=HYPERLINK") for row in rows)
    assert rows[0]["detail"] == "'+1 row"
    assert rows[0]["changes"] == "name: @old -> -new"
    assert rows[0]["what"] == "Contact data exported"
    exported = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).one()
    assert "action=contact.export" in exported.detail


def test_a_field_nobody_named_still_shows_with_its_code_and_value(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    note(app, session, "thing.tune", object_type="thing", changes={"knob_setting": ("3", "11")})
    page = sign_in(client, admin).get("/admin/audit/").get_data(as_text=True)
    assert '<span class="changes__field">knob setting</span>: <del>3</del> → <ins>11</ins>' in page
