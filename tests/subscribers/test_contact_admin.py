"""Vendor staff add and edit contacts with every choice of the preference centre, pause, resume and move them.

Every change is in the contact's consent log (source `admin`, naming the vendor user) and in the audit
trail, which never holds the contact's address or name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import InterestArea
from core.audit import AuditEntry
from core.auth.models import User
from subscribers.models import ConsentRecord, ConsentSource, Contact, ContactStatus, Partner, SuppressionReason
from subscribers.schedule import Frequency
from subscribers.suppression import forget_address, suppress
from tests.conftest import csrf_token_from, refreshed, sign_in
from tests.factories import UserFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.usefixtures("empty_trail")
TODAY = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def contact_fields(areas: list[InterestArea], **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "email": "Eva.Smit@Acme.example", "name": "Eva Smit", "job_role": "Marketing manager",
        "interests": [str(areas[0].id), str(areas[2].id)], "frequency": "fortnightly", "preferred_weekday": "3",
        "preferred_hour": "7", "locale": "nl", "timezone": "Europe/Brussels", "paused_until": "",
    }  # fmt: skip
    return {**fields, **changes}


def post(client: FlaskClient, path: str, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token_from(client, "/account"), **data})


def consent(session: Session, contact: Contact) -> list[tuple[str, ConsentSource, int | None]]:
    records = session.scalars(select(ConsentRecord).where(ConsentRecord.contact_id == contact.id)
                              .order_by(ConsentRecord.id))  # fmt: skip
    return [(record.action, record.source, record.actor_user_id) for record in records]


@pytest.fixture
def owned(session: Session, account_manager: User, teammate: User) -> Partner:
    return PartnerFactory.create(name="Acme IT", account_manager=account_manager, backup_manager=teammate)


@pytest.fixture
def eva(owned: Partner, areas: list[InterestArea]) -> Contact:
    return ContactFactory.create(partner=owned, email="eva@acme.example", name="Eva Smit", interests=[areas[0]],
                                 frequency=Frequency.MONTHLY)  # fmt: skip


def test_an_account_manager_adds_a_contact_with_every_preference_and_the_logs_name_them(
    client: FlaskClient, session: Session, account_manager: User, owned: Partner, areas: list[InterestArea]
) -> None:
    sign_in(client, account_manager)
    assert client.get(f"/admin/partners/{owned.id}/contacts/new").status_code == 200
    response = post(client, f"/admin/partners/{owned.id}/contacts/new", contact_fields(areas))
    assert response.status_code == 302
    eva = session.scalars(select(Contact).where(Contact.email == "eva.smit@acme.example")).one()
    assert (eva.name, eva.job_role, eva.frequency, eva.preferred_weekday, eva.preferred_hour) == (
        "Eva Smit", "Marketing manager", Frequency.FORTNIGHTLY, 3, 7,
    )  # fmt: skip
    assert (eva.locale, eva.timezone, eva.status) == ("nl", "Europe/Brussels", ContactStatus.ACTIVE)
    assert [area.slug for area in eva.interests] == ["storage", "security"]
    assert consent(session, eva) == [("subscribed", ConsentSource.ADMIN, account_manager.id)]
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.create")).all()
    assert (entry.actor_id, entry.scope) == (account_manager.id, f"partner:{owned.id}")
    assert entry.changes["email"] == ("", "set")  # never the address itself
    assert "eva" not in entry.changes_json.lower() + entry.object_label.lower()
    assert entry.changes["frequency"] == ("", "fortnightly")
    page = client.get(f"/admin/contacts/{eva.id}").get_data(as_text=True)
    assert "Staff: Otto Owner" in page  # the preference history says who


def test_a_duplicate_address_is_a_field_error_and_nothing_is_saved(
    client: FlaskClient, session: Session, admin: User, owned: Partner, areas: list[InterestArea]
) -> None:
    other = PartnerFactory.create(name="Globex")
    ContactFactory.create(partner=other, email="eva.smit@acme.example")
    sign_in(client, admin)
    response = post(client, f"/admin/partners/{owned.id}/contacts/new", contact_fields(areas))
    assert response.status_code == 400
    assert "eva.smit@acme.example is already a contact of Globex." in response.get_data(as_text=True)
    assert session.scalars(select(Contact).where(Contact.partner_id == owned.id)).all() == []


@pytest.mark.parametrize(
    ("reason", "status"),
    [(SuppressionReason.BOUNCED, ContactStatus.BOUNCED), (SuppressionReason.UNSUBSCRIBED, ContactStatus.UNSUBSCRIBED),
     (SuppressionReason.COMPLAINED, ContactStatus.COMPLAINED)],
)  # fmt: skip
def test_a_suppressed_address_is_added_stopped_as_an_import_would(
    client: FlaskClient, session: Session, admin: User, owned: Partner, areas: list[InterestArea],
    reason: SuppressionReason, status: ContactStatus,
) -> None:  # fmt: skip
    suppress(session, "eva.smit@acme.example", reason, source="sendgrid")
    sign_in(client, admin)
    assert post(client, f"/admin/partners/{owned.id}/contacts/new", contact_fields(areas)).status_code == 302
    eva = session.scalars(select(Contact).where(Contact.email == "eva.smit@acme.example")).one()
    assert eva.status is status


def test_an_erased_address_cannot_be_added_again(
    client: FlaskClient, session: Session, admin: User, owned: Partner, areas: list[InterestArea]
) -> None:
    forget_address(session, "eva.smit@acme.example", source="admin")
    sign_in(client, admin)
    response = post(client, f"/admin/partners/{owned.id}/contacts/new", contact_fields(areas))
    assert response.status_code == 400
    assert "erased at the person&#39;s request" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("email", "not an address", "is not an email address"), ("timezone", "Mars/Olympus", "is not a time zone"),
     ("preferred_hour", "25", "Not a valid choice"), ("interests", "999", "is not a valid choice"),
     ("name", "Eva\x07", "Plain text only")],
)  # fmt: skip
def test_bad_choices_are_field_errors(
    client: FlaskClient, session: Session, admin: User, owned: Partner, areas: list[InterestArea],
    field: str, value: str, message: str,
) -> None:  # fmt: skip
    sign_in(client, admin)
    response = post(client, f"/admin/partners/{owned.id}/contacts/new", contact_fields(areas, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(Contact)) is None


def test_retired_topics_are_refused_by_the_preference_centre_rule(
    client: FlaskClient, session: Session, admin: User, owned: Partner, areas: list[InterestArea]
) -> None:
    areas[2].is_active = False
    session.flush()
    sign_in(client, admin)
    response = post(client, f"/admin/partners/{owned.id}/contacts/new", contact_fields(areas))
    assert response.status_code == 400  # not offered any more: not a valid choice
    assert session.scalar(select(Contact)) is None


@time_machine.travel(TODAY, tick=False)
def test_an_edit_goes_through_the_preference_centre_and_is_logged_as_a_change_by_staff(
    client: FlaskClient, session: Session, marketer: User, eva: Contact, areas: list[InterestArea]
) -> None:
    sign_in(client, marketer)
    fields = contact_fields(areas, email="eva@acme.example", name="Eva de Smit", paused_until="2026-04-01")
    assert post(client, f"/admin/contacts/{eva.id}/edit", fields).status_code == 302
    eva = refreshed(session, eva)
    assert (eva.name, eva.timezone, eva.status, eva.paused_until) == (
        "Eva de Smit", "Europe/Brussels", ContactStatus.PAUSED, dt.date(2026, 4, 1),
    )  # fmt: skip
    log = consent(session, eva)
    assert [action for action, _source, _by in log] == ["preferences", "paused"]
    assert {(source, by) for _action, source, by in log} == {(ConsentSource.ADMIN, marketer.id)}
    detail = session.scalars(select(ConsentRecord.detail).where(ConsentRecord.action == "preferences")).one()
    assert "time zone: Europe/Amsterdam -> Europe/Brussels" in detail
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.update")).all()
    assert entry.changes["name"] == ("", "changed")
    assert entry.changes["status"] == ("active", "paused")

    past = post(client, f"/admin/contacts/{eva.id}/edit", {**fields, "paused_until": "2026-03-01"})
    assert past.status_code == 400
    assert "Choose a date in the future." in past.get_data(as_text=True)
    assert post(client, f"/admin/contacts/{eva.id}/resume", {}).status_code == 302
    eva = refreshed(session, eva)
    assert (eva.status, eva.paused_until) == (ContactStatus.ACTIVE, None)
    assert consent(session, eva)[-1] == ("resumed", ConsentSource.ADMIN, marketer.id)


@time_machine.travel(TODAY, tick=False)
def test_staff_pause_a_contact_from_their_page(
    client: FlaskClient, session: Session, admin: User, eva: Contact
) -> None:
    sign_in(client, admin)
    assert post(client, f"/admin/contacts/{eva.id}/pause", {"until": "2026-05-01"}).status_code == 302
    assert refreshed(session, eva).paused_until == dt.date(2026, 5, 1)
    assert consent(session, eva) == [("paused", ConsentSource.ADMIN, admin.id)]
    page = client.get(f"/admin/contacts/{eva.id}").get_data(as_text=True)
    assert "are paused until May 1, 2026." in page  # the flash, as people write dates
    assert "until May 1, 2026" in client.get(f"/admin/partners/{eva.partner_id}").get_data(as_text=True)


def test_changing_the_address_to_one_in_use_is_a_field_error(
    client: FlaskClient, session: Session, admin: User, eva: Contact, areas: list[InterestArea]
) -> None:
    ContactFactory.create(partner=eva.partner, email="jan@acme.example")
    sign_in(client, admin)
    response = post(client, f"/admin/contacts/{eva.id}/edit", contact_fields(areas, email="JAN@acme.example"))
    assert response.status_code == 400
    assert refreshed(session, eva).email == "eva@acme.example"


def test_moving_a_contact_asks_first_then_moves_and_both_partners_trails_show_it(
    client: FlaskClient, session: Session, marketer: User, eva: Contact
) -> None:
    globex = PartnerFactory.create(name="Globex", tier="platinum")
    acme_id = eva.partner_id
    sign_in(client, marketer)
    page = client.get(f"/admin/contacts/{eva.id}/move").get_data(as_text=True)
    assert "Globex" in page
    asked = post(client, f"/admin/contacts/{eva.id}/move", {"partner_id": str(globex.id)})
    assert asked.status_code == 200
    assert "Move eva@acme.example from Acme IT to Globex?" in asked.get_data(as_text=True)
    assert refreshed(session, eva).partner_id != globex.id
    moved = post(client, f"/admin/contacts/{eva.id}/move", {"partner_id": str(globex.id), "confirmed": "yes"})
    assert moved.status_code == 302
    eva = refreshed(session, eva)
    assert eva.partner_id == globex.id
    assert consent(session, eva)[-1] == ("moved", ConsentSource.ADMIN, marketer.id)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.move")).all()
    assert {entry.scope for entry in entries} == {f"partner:{globex.id}", f"partner:{acme_id}"}
    assert all(entry.changes["partner"] == ("Acme IT", "Globex") for entry in entries)


def test_an_account_manager_cannot_move_a_contact_to_a_partner_that_is_not_theirs(
    client: FlaskClient, session: Session, account_manager: User, eva: Contact
) -> None:
    elsewhere = PartnerFactory.create(name="Elsewhere", account_manager=UserFactory.create(role="account_manager"))
    sign_in(client, account_manager)
    response = post(client, f"/admin/contacts/{eva.id}/move", {"partner_id": str(elsewhere.id), "confirmed": "yes"})
    assert response.status_code == 403
    assert refreshed(session, eva).partner.name == "Acme IT"
    denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied")).one()
    assert (denied.object_type, denied.object_id) == ("partner", str(elsewhere.id))
