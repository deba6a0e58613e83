"""Vendor staff create, edit, archive, restore and bulk-change partners; every refusal is a field error or a 403."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import AuditEntry, verify_chain
from core.auth.models import User
from subscribers.models import DistributorTeam, Partner, PartnerType
from subscribers.partners import contact_person
from tests.conftest import csrf_token_from, refreshed, sign_in
from tests.factories import UserFactory
from tests.subscribers.factories import ContactFactory, DistributorTeamFactory, PartnerFactory

pytestmark = pytest.mark.usefixtures("empty_trail")


def partner_fields(**changes: object) -> dict[str, object]:
    return {"name": "Nordlicht IT", "tier": "silver", "type": "sales", "subcategory": "reseller", "country": "DE",
            "default_locale": "de", "account_manager_id": "", "backup_manager_id": "", "distributor_team_id": "",
            **changes}  # fmt: skip


def post(client: FlaskClient, path: str, **data: Any):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token_from(client, "/account"), **data})


def trail(session: Session, *actions: str) -> list[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.id)
    if actions:
        statement = statement.where(AuditEntry.action.in_(actions))
    return list(session.scalars(statement))


@pytest.fixture
def owned(session: Session, account_manager: User, teammate: User) -> Partner:
    """Otto manages it; Tess stands in for him."""
    return PartnerFactory.create(name="Acme IT", tier="gold", account_manager=account_manager, backup_manager=teammate)


def test_a_marketer_adds_a_partner_looked_after_by_an_account_manager_and_it_is_audited(
    client: FlaskClient, session: Session, marketer: User, account_manager: User
) -> None:
    sign_in(client, marketer)
    assert client.get("/admin/partners/new").status_code == 200
    response = post(client, "/admin/partners/new", **partner_fields(account_manager_id=account_manager.id))
    assert response.status_code == 302
    partner = session.scalars(select(Partner).where(Partner.name == "Nordlicht IT")).one()
    assert (partner.tier, partner.type, partner.country, partner.default_locale) == (
        "silver", PartnerType.SALES, "DE", "de",
    )  # fmt: skip
    assert partner.account_manager_id == account_manager.id
    [entry] = trail(session, "partner.create")
    assert entry.actor_id == marketer.id
    assert entry.scope == f"partner:{partner.id}"
    assert entry.changes["account manager"] == ("", "Otto Owner")
    assert entry.changes["tier"] == ("", "silver")
    page = client.get(f"/admin/partners/{partner.id}").get_data(as_text=True)
    assert "Germany" in page  # the country's name, not its code
    assert "Deutsch" in page


def test_the_same_name_in_the_same_country_is_a_field_error_and_in_another_country_a_second_partner(
    client: FlaskClient, session: Session, admin: User
) -> None:
    PartnerFactory.create(name="Nordlicht IT", country="DE")
    sign_in(client, admin)
    taken = post(client, "/admin/partners/new", **partner_fields(name="nordlicht  it"))
    assert taken.status_code == 400
    assert "There is already a partner called nordlicht it in this country." in taken.get_data(as_text=True)
    assert session.scalar(select(func.count(Partner.id))) == 1
    assert post(client, "/admin/partners/new", **partner_fields(country="AT")).status_code == 302
    assert sorted(session.scalars(select(Partner.country))) == ["AT", "DE"]


def test_a_viewer_as_account_manager_or_both_a_manager_and_a_team_are_field_errors_and_nothing_is_saved(
    client: FlaskClient, session: Session, admin: User, viewer: User, account_manager: User
) -> None:
    team = DistributorTeamFactory.create(name="Techdata channel team")
    sign_in(client, admin)
    as_manager = post(client, "/admin/partners/new", **partner_fields(account_manager_id=viewer.id))
    assert as_manager.status_code == 400
    assert "Vic Viewer is not an account manager (role: viewer)" in as_manager.get_data(as_text=True)
    both = post(client, "/admin/partners/new",
                **partner_fields(account_manager_id=account_manager.id, distributor_team_id=team.id))  # fmt: skip
    assert both.status_code == 400
    assert "an account manager or by a distributor team, not both" in both.get_data(as_text=True)
    own_stand_in = post(client, "/admin/partners/new", **partner_fields(
        account_manager_id=account_manager.id, backup_manager_id=account_manager.id))  # fmt: skip
    assert "The stand-in must be someone other than the account manager." in own_stand_in.get_data(as_text=True)
    assert session.scalar(select(func.count(Partner.id))) == 0
    assert trail(session, "partner.create") == []


def test_a_small_partner_picks_a_distributor_team_which_becomes_its_contact_person(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    team = DistributorTeamFactory.create(name="Also DACH Partnerteam", phone="+49 89 5550300")
    sign_in(client, marketer)
    assert post(client, "/admin/partners/new", **partner_fields(distributor_team_id=team.id)).status_code == 302
    partner = session.scalars(select(Partner)).one()
    person = contact_person(partner)
    assert person is not None
    assert (person.name, person.kind) == ("Also DACH Partnerteam", "distributor team")


def test_an_edit_is_saved_and_the_trail_names_the_old_and_new_account_manager(
    client: FlaskClient, session: Session, account_manager: User, owned: Partner
) -> None:
    colleague = UserFactory.create(role="account_manager", name="Carla Colleague")
    sign_in(client, account_manager)
    fields = partner_fields(name="Acme IT", country="NL", tier="platinum", account_manager_id=colleague.id)
    assert post(client, f"/admin/partners/{owned.id}/edit", **fields).status_code == 302
    owned = refreshed(session, owned)
    assert (owned.tier, owned.account_manager_id) == ("platinum", colleague.id)
    [entry] = trail(session, "partner.update")
    assert entry.changes["account manager"] == ("Otto Owner", "Carla Colleague")
    [upgrade] = trail(session, "partner.tier_change")  # an upgrade, through the tier service: at once
    assert upgrade.changes["tier"] == ("gold", "platinum")


def test_an_archived_partner_leaves_the_list_and_comes_back_with_the_filter_and_when_restored(
    client: FlaskClient, session: Session, marketer: User, owned: Partner
) -> None:
    sign_in(client, marketer)
    assert post(client, f"/admin/partners/{owned.id}/archive").status_code == 302
    assert refreshed(session, owned).archived_at is not None
    client.get("/admin/partners")  # the flash about the archiving
    assert ">Acme IT</a>" not in client.get("/admin/partners").get_data(as_text=True)
    assert ">Acme IT</a>" in client.get("/admin/partners?show=archived").get_data(as_text=True)
    assert ">Acme IT</a>" in client.get("/admin/partners?show=all").get_data(as_text=True)
    assert post(client, f"/admin/partners/{owned.id}/restore").status_code == 302
    assert refreshed(session, owned).archived_at is None
    assert [e.changes["state"] for e in trail(session, "partner.archive", "partner.restore")] == [
        ("active", "archived"), ("archived", "active"),
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_a_viewer_or_another_account_manager_gets_403_changes_nothing_and_is_in_the_trail(
    client: FlaskClient, session: Session, owned: Partner, request: pytest.FixtureRequest, who: str
) -> None:
    person = UserFactory.create(role="account_manager", name="Olga Outsider") if who == "outsider" else (
        request.getfixturevalue("viewer"))  # fmt: skip
    contact = ContactFactory.create(partner=owned)
    sign_in(client, person)
    fields = partner_fields(name="Hijacked", country="NL")
    refused = [
        post(client, f"/admin/partners/{owned.id}/edit", **fields),
        post(client, f"/admin/partners/{owned.id}/archive"),
        post(client, "/admin/partners/bulk", partner_ids=str(owned.id), action="tier", tier="silver", confirmed="yes"),
        post(client, f"/admin/partners/{owned.id}/contacts/new", email="new@acme.example", frequency="monthly",
             preferred_weekday="1", preferred_hour="9", locale="en", timezone="Europe/Amsterdam"),
        post(client, f"/admin/contacts/{contact.id}/edit", email="other@acme.example", frequency="monthly",
             preferred_weekday="1", preferred_hour="9", locale="en", timezone="Europe/Amsterdam"),
        post(client, f"/admin/contacts/{contact.id}/pause", until="2099-01-01"),
        post(client, f"/admin/partners/{owned.id}/brand/", primary_color="#000000", accent_color="#ffffff"),
    ]  # fmt: skip
    assert [response.status_code for response in refused] == [403] * len(refused)
    owned = refreshed(session, owned)
    assert (owned.name, owned.tier, owned.archived_at, owned.brand_primary_color) == ("Acme IT", "gold", None, "")
    assert refreshed(session, contact).status.value == "active"
    assert session.scalar(select(func.count()).select_from(select(AuditEntry.id).where(
        AuditEntry.action != "access.denied").subquery())) == 0  # fmt: skip
    denied = trail(session, "access.denied")
    assert len(denied) == len(refused)
    assert {entry.actor_id for entry in denied} == {person.id}
    assert {entry.scope for entry in denied} == {f"partner:{owned.id}"}
    assert verify_chain(session).ok


def test_the_owner_and_the_stand_in_may_change_their_partner(
    client: FlaskClient, session: Session, account_manager: User, teammate: User, owned: Partner
) -> None:
    for person, name in ((account_manager, "Acme IT B.V."), (teammate, "Acme IT Group")):
        sign_in(client, person)
        fields = partner_fields(name=name, country="NL", tier="gold", account_manager_id=account_manager.id,
                                backup_manager_id=teammate.id)  # fmt: skip
        assert post(client, f"/admin/partners/{owned.id}/edit", **fields).status_code == 302
        assert refreshed(session, owned).name == name


# ------------------------------------------------------------------------------------------- bulk


@pytest.fixture
def three(session: Session, account_manager: User) -> list[Partner]:
    team = DistributorTeamFactory.create(name="Westcoast channel team")
    return [
        PartnerFactory.create(name="Alpha", tier="gold", account_manager=account_manager),
        PartnerFactory.create(name="Bravo", tier="silver", distributor_team=team),
        PartnerFactory.create(name="Charlie", tier="silver"),
    ]


def test_a_bulk_change_shows_every_partner_old_to_new_and_changes_nothing_until_confirmed(
    client: FlaskClient, session: Session, marketer: User, three: list[Partner]
) -> None:
    carla = UserFactory.create(role="account_manager", name="Carla Colleague")
    sign_in(client, marketer)
    ids = [str(partner.id) for partner in three]
    preview = post(client, "/admin/partners/bulk", partner_ids=ids, action="manager", manager_id=str(carla.id))
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "<del>Otto Owner</del> → <ins>Carla Colleague</ins>" in page
    assert "<del>Westcoast channel team</del> → <ins>(none)</ins>" in page
    assert "Confirm: change 3 partners" in page
    assert {refreshed(session, p).account_manager_id for p in three} == {three[0].account_manager_id, None}
    assert trail(session) == []

    done = post(client, "/admin/partners/bulk", partner_ids=ids, action="manager", manager_id=str(carla.id),
                confirmed="yes")  # fmt: skip
    assert done.status_code == 302
    assert {refreshed(session, p).account_manager_id for p in three} == {carla.id}
    assert refreshed(session, three[1]).distributor_team_id is None
    entries = trail(session, "partner.update")
    assert sorted(entry.object_label for entry in entries) == ["Alpha", "Bravo", "Charlie"]
    assert all("bulk change of 3 partners" in entry.detail for entry in entries)


def test_a_bulk_tier_change_and_a_bulk_archive(
    client: FlaskClient, session: Session, admin: User, three: list[Partner]
) -> None:
    sign_in(client, admin)
    ids = [str(partner.id) for partner in three]
    post(client, "/admin/partners/bulk", partner_ids=ids, action="tier", tier="platinum", confirmed="yes")
    assert {refreshed(session, p).tier for p in three} == {"platinum"}
    post(client, "/admin/partners/bulk", partner_ids=ids[:2], action="archive", confirmed="yes")
    assert [refreshed(session, p).archived_at is not None for p in three] == [True, True, False]
    assert len(trail(session, "partner.archive")) == 2


def test_a_bulk_change_that_fails_for_one_partner_changes_none(
    client: FlaskClient, session: Session, admin: User, three: list[Partner], account_manager: User
) -> None:
    """Otto stands in for Charlie's manager; making everyone's manager a deactivated user fails for all."""
    gone = UserFactory.create(role="account_manager", name="Gone Person", is_active=False)
    sign_in(client, admin)
    ids = [str(partner.id) for partner in three]
    refused = post(client, "/admin/partners/bulk", partner_ids=ids, action="manager", manager_id=str(gone.id),
                   confirmed="yes")  # fmt: skip
    assert refused.status_code == 400
    assert "Nothing was changed" in refused.get_data(as_text=True)
    assert refreshed(session, three[0]).account_manager_id == account_manager.id
    assert trail(session, "partner.update") == []


def test_an_account_manager_cannot_bulk_change_partners_that_are_not_theirs(
    client: FlaskClient, session: Session, account_manager: User, three: list[Partner]
) -> None:
    sign_in(client, account_manager)
    ids = [str(partner.id) for partner in three]  # Alpha is Otto's; Bravo and Charlie are not
    response = post(client, "/admin/partners/bulk", partner_ids=ids, action="tier", tier="platinum", confirmed="yes")
    assert response.status_code == 403
    assert [refreshed(session, p).tier for p in three] == ["gold", "silver", "silver"]
    assert [entry.object_id for entry in trail(session, "access.denied")] == [str(three[1].id)]


# ------------------------------------------------------------------------------------------- teams


def test_a_marketer_keeps_distributor_teams_and_a_name_is_used_once(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    sign_in(client, marketer)
    fields = {"name": "Dustin partnerteam", "email": "Partners@Dustin.example", "phone": "08 555 0400",
              "countries": "se, FI"}  # fmt: skip
    assert post(client, "/admin/distributor-teams", **fields).status_code == 302
    team = session.scalars(select(DistributorTeam)).one()
    assert (team.email, team.phone, team.countries) == ("partners@dustin.example", "+46 8 555 04 00", ["FI", "SE"])
    again = post(client, "/admin/distributor-teams", **{**fields, "name": "dustin PARTNERTEAM"})
    assert again.status_code == 400
    assert "There is already a team called dustin PARTNERTEAM." in again.get_data(as_text=True)
    bad = post(client, "/admin/distributor-teams", **{**fields, "name": "X", "email": "nope", "countries": "Sweden"})
    text = bad.get_data(as_text=True)
    assert "Give the team&#39;s email address" in text
    assert "Not a country code: SWEDEN" in text
    listing = client.get("/admin/distributor-teams").get_data(as_text=True)
    assert "Finland, Sweden" in listing
    assert [e.action for e in trail(session)] == ["distributor_team.create"]


def test_editing_a_team_changes_what_its_partners_show(client: FlaskClient, session: Session, admin: User) -> None:
    team = DistributorTeamFactory.create(name="Old name", countries=["NL"])
    partner = PartnerFactory.create(distributor_team=team)
    sign_in(client, admin)
    fields = {"name": "Techdata Benelux", "email": "benelux@techdata.example", "phone": "", "countries": "NL, BE"}
    assert post(client, f"/admin/distributor-teams/{team.id}/edit", **fields).status_code == 302
    session.expire_all()
    person = contact_person(partner)
    assert person is not None
    assert person.name == "Techdata Benelux"


def test_an_account_manager_reads_the_teams_but_does_not_change_them(
    client: FlaskClient, account_manager: User
) -> None:
    team = DistributorTeamFactory.create()
    sign_in(client, account_manager)
    assert client.get("/admin/distributor-teams").status_code == 200
    assert post(client, "/admin/distributor-teams", name="X", email="x@y.example").status_code == 403
    assert client.get(f"/admin/distributor-teams/{team.id}/edit").status_code == 403
