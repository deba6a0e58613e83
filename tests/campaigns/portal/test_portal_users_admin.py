"""Vendor staff manage a partner's portal users; the partner's marketers see their colleagues."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import AuditEntry, verify_chain
from core.auth.models import User
from subscribers.models import Partner, PartnerUser
from subscribers.portal import create_partner_user
from tests.campaigns.portal.conftest import outbox_files, portal_client
from tests.conftest import csrf_token_from, sign_in

pytestmark = pytest.mark.usefixtures("empty_trail")


def page(partner: Partner) -> str:
    return f"/admin/partners/{partner.id}/portal-users/"


def add(client: FlaskClient, partner: Partner, email: str, *, send: bool = True, locale: str = "de"):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/account")
    data = {"csrf_token": token, "email": email, "name": "Jonas Weber", "locale": locale}
    if send:
        data["send_link"] = "y"
    return client.post(page(partner), data=data)


def press(client: FlaskClient, partner: Partner, user: PartnerUser, what: str):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/account")
    return client.post(f"{page(partner)}{user.id}/{what}", data={"csrf_token": token})


@pytest.fixture
def managed_acme(acme: Partner, account_manager: User) -> Partner:
    acme.account_manager_id = account_manager.id
    return acme


def test_a_marketer_adds_a_portal_user_who_gets_a_sign_in_link_in_their_language(
    app: Flask, client: FlaskClient, session: Session, marketer: User, acme: Partner
) -> None:
    sign_in(client, marketer)
    assert add(client, acme, "Jonas@Acme-IT.example").status_code == 302
    jonas = session.scalars(select(PartnerUser).where(PartnerUser.email == "jonas@acme-it.example")).one()
    assert (jonas.partner_id, jonas.locale, jonas.name) == (acme.id, "de", "Jonas Weber")
    [eml] = outbox_files(app)
    assert "jonas@acme-it.example" in eml.read_text()
    listing = client.get(page(acme)).get_data(as_text=True)
    assert "jonas@acme-it.example" in listing
    assert "Deutsch" in listing
    trail = session.scalars(
        select(AuditEntry.action).where(AuditEntry.scope == f"partner:{acme.id}").order_by(AuditEntry.id)
    ).all()
    assert trail == ["portal_user.create", "portal_user.sign_in_link_sent"]


def test_an_address_already_in_the_portal_or_not_an_address_is_a_field_error(
    client: FlaskClient, session: Session, admin: User, acme: Partner, globex: Partner,
    marketer_at_globex: PartnerUser,
) -> None:  # fmt: skip
    sign_in(client, admin)
    taken = add(client, acme, "Olivia@Globex.example")
    assert taken.status_code == 400
    assert "olivia@globex.example is already a portal user of Globex Systems." in taken.get_data(as_text=True)
    bad = add(client, acme, "olivia at globex")
    assert bad.status_code == 400
    assert "is not an email address" in bad.get_data(as_text=True)
    assert session.scalar(select(func.count(PartnerUser.id)).where(PartnerUser.partner_id == acme.id)) == 0


def test_deactivating_a_portal_user_ends_their_portal_session_at_once(
    app: Flask, client: FlaskClient, session: Session, account_manager: User, managed_acme: Partner,
    marketer_at_acme: PartnerUser,
) -> None:  # fmt: skip
    their_browser = portal_client(app.test_client(), marketer_at_acme)
    assert their_browser.get("/portal/").status_code == 200
    sign_in(client, account_manager)
    assert press(client, managed_acme, marketer_at_acme, "deactivate").status_code == 302
    assert their_browser.get("/portal/").status_code == 302
    assert press(client, managed_acme, marketer_at_acme, "send-link").status_code == 302
    assert outbox_files(app) == []  # nothing goes to a deactivated user
    assert press(client, managed_acme, marketer_at_acme, "reactivate").status_code == 302
    session.refresh(marketer_at_acme)
    assert marketer_at_acme.is_active


def test_resending_the_sign_in_link_mails_the_portal_user(
    app: Flask, client: FlaskClient, admin: User, acme: Partner, marketer_at_acme: PartnerUser
) -> None:
    sign_in(client, admin)
    assert press(client, acme, marketer_at_acme, "send-link").status_code == 302
    [eml] = outbox_files(app)
    assert "/portal/sign-in/" in eml.read_text().replace("=\n", "")


def test_a_viewer_or_another_account_manager_gets_403_changes_nothing_and_is_in_the_audit_trail(
    app: Flask, client: FlaskClient, session: Session, viewer: User, teammate: User, account_manager: User,
    managed_acme: Partner, marketer_at_acme: PartnerUser,
) -> None:  # fmt: skip
    for outsider in (viewer, teammate):
        sign_in(client, outsider)
        assert add(client, managed_acme, "new@acme-it.example").status_code == 403
        assert press(client, managed_acme, marketer_at_acme, "deactivate").status_code == 403
        assert press(client, managed_acme, marketer_at_acme, "send-link").status_code == 403
    session.refresh(marketer_at_acme)
    assert marketer_at_acme.is_active
    assert session.scalar(select(func.count(PartnerUser.id))) == 1
    assert outbox_files(app) == []
    denied = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "access.denied").order_by(AuditEntry.id)
    ).all()
    assert [entry.actor_id for entry in denied] == [viewer.id] * 3 + [teammate.id] * 3
    # The account manager's own refusals name the partner they tried to touch.
    assert {(entry.object_type, entry.object_id) for entry in denied[3:]} == {("partner", str(managed_acme.id))}
    assert verify_chain(session).ok
    # The owner, by contrast, may.
    sign_in(client, account_manager)
    assert press(client, managed_acme, marketer_at_acme, "deactivate").status_code == 302


def test_reading_another_account_managers_partner_is_a_404_like_an_unknown_one(
    client: FlaskClient, teammate: User, managed_acme: Partner
) -> None:
    sign_in(client, teammate)
    assert client.get(page(managed_acme)).status_code == 404


def test_a_viewer_sees_the_list_without_buttons(
    client: FlaskClient, viewer: User, acme: Partner, marketer_at_acme: PartnerUser
) -> None:
    listing = sign_in(client, viewer).get(page(acme)).get_data(as_text=True)
    assert "sanne@acme-it.example" in listing
    assert "Deactivate" not in listing
    assert "Add a portal user" not in listing


def test_a_partner_marketer_sees_their_active_colleagues_and_nobody_elses(
    app: Flask, client: FlaskClient, session: Session, acme: Partner, marketer_at_acme: PartnerUser,
    marketer_at_globex: PartnerUser,
) -> None:  # fmt: skip
    colleague = create_partner_user(session, acme, "pieter@acme-it.example", name="Pieter de Boer", locale="nl")
    gone = create_partner_user(session, acme, "gone@acme-it.example", name="Gerrit Gone", locale="nl")
    gone.is_active = False
    session.flush()
    listing = portal_client(client, marketer_at_acme).get("/portal/colleagues").get_data(as_text=True)
    assert colleague.email in listing
    assert "Sanne Visser" in listing
    assert gone.email not in listing
    assert marketer_at_globex.email not in listing
