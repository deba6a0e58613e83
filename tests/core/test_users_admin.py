"""Administrators invite vendor users by email, change their roles and deactivate them; nobody else can."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus
from core.audit import AuditEntry, verify_chain
from core.auth.models import Role, User
from tests.conftest import csrf_token_from, sign_in
from tests.core.mailbox import link_in, messages_to, text_of
from tests.factories import UserFactory

NEW_PASSWORD = "amber-lighthouse-quietly-72"

pytestmark = pytest.mark.usefixtures("empty_trail")


def invite(client: FlaskClient, email: str, role: str = "marketer", name: str = "Nina New"):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/admin/users/invite")
    data = {"csrf_token": token, "email": email, "name": name, "role": role, "locale": "en"}
    return client.post("/admin/users/invite", data=data)


def post(client: FlaskClient, path: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_token_from(client, "/account")
    return client.post(path, data={"csrf_token": token, **data})


def actions(session: Session, user_id: int | None = None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.id)
    if user_id is not None:
        query = query.where(AuditEntry.object_type == "user", AuditEntry.object_id == str(user_id))
    return list(session.scalars(query))


def test_an_invited_user_gets_a_mail_at_once_chooses_a_password_and_is_signed_in(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    sign_in(client, admin)
    response = invite(client, "Nina@Vendor.example")
    assert response.status_code == 302
    nina = session.scalars(select(User).where(User.email == "nina@vendor.example")).one()
    assert (nina.role, nina.has_password) == (Role.MARKETER, False)
    delivery = session.scalars(select(Delivery).where(Delivery.recipient_email == "nina@vendor.example")).one()
    assert (delivery.category, delivery.status) == ("account-invite", DeliveryStatus.SENT)
    [mail] = messages_to(app, "nina@vendor.example")
    assert "Ada Admin invited you" in text_of(mail)
    assert app.config["CHANNELCAST"].postal_address in text_of(mail)
    path = link_in(mail, "/invite/")

    invitee = app.test_client()
    assert invitee.get(path).status_code == 200  # a mail scanner's GET spends nothing
    token = csrf_token_from(invitee, path)
    chosen = invitee.post(path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert chosen.status_code == 302
    assert invitee.get("/").status_code == 200
    session.refresh(nina)
    assert nina.check_password(NEW_PASSWORD)
    assert actions(session, nina.id) == ["user.invite", "user.invite_accepted"]


def test_a_used_invitation_link_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    sign_in(client, admin)
    invite(client, "nina@vendor.example")
    path = link_in(messages_to(app, "nina@vendor.example")[0], "/invite/")
    invitee = app.test_client()
    token = csrf_token_from(invitee, path)
    invitee.post(path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = app.test_client()
    assert again.get(path).status_code == 410
    token = csrf_token_from(again, "/login")
    second = again.post(path, data={"csrf_token": token, "password": "another-long-secret-99", "confirm": "x"})
    assert second.status_code == 410
    assert "expired or was already used" in second.get_data(as_text=True)
    nina = session.scalars(select(User).where(User.email == "nina@vendor.example")).one()
    assert nina.check_password(NEW_PASSWORD)


def test_an_invitation_older_than_48_hours_is_refused_and_a_new_one_works(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        sign_in(client, admin)
        invite(client, "nina@vendor.example")
        old_path = link_in(messages_to(app, "nina@vendor.example")[0], "/invite/")
    with time_machine.travel(dt.datetime(2026, 3, 4, 9, 1, tzinfo=dt.UTC), tick=False):
        assert app.test_client().get(old_path).status_code == 410
        nina = session.scalars(select(User).where(User.email == "nina@vendor.example")).one()
        assert "Invitation expired" in client.get("/admin/users/").get_data(as_text=True)
        assert post(client, f"/admin/users/{nina.id}/resend-invitation").status_code == 302
        new_path = link_in(messages_to(app, "nina@vendor.example")[-1], "/invite/")
        assert new_path != old_path
        assert app.test_client().get(new_path).status_code == 200


def test_an_invite_to_an_address_with_a_user_or_a_bad_address_is_a_field_error(
    client: FlaskClient, session: Session, admin: User, marketer: User
) -> None:
    sign_in(client, admin)
    users_before = session.scalar(select(func.count(User.id)))
    taken = invite(client, marketer.email.upper())
    assert taken.status_code == 400
    assert f"{marketer.email} already has an account." in taken.get_data(as_text=True)
    assert invite(client, "not an address").status_code == 400
    assert session.scalar(select(func.count(User.id))) == users_before
    assert session.scalar(select(func.count(Delivery.id))) == 0


def test_a_common_or_short_password_on_the_invitation_page_is_a_field_error_and_nothing_is_saved(
    app: Flask, client: FlaskClient, session: Session, admin: User
) -> None:
    sign_in(client, admin)
    invite(client, "nina@vendor.example")
    path = link_in(messages_to(app, "nina@vendor.example")[0], "/invite/")
    invitee = app.test_client()
    for password, message in [("qazwsxedcrfv", "10,000 most common"), ("tiny", "at least 12"),
                              ("passwordpassword", "easy to guess")]:  # fmt: skip
        token = csrf_token_from(invitee, path)
        answer = invitee.post(path, data={"csrf_token": token, "password": password, "confirm": password})
        assert answer.status_code == 400
        assert message in answer.get_data(as_text=True)
    nina = session.scalars(select(User).where(User.email == "nina@vendor.example")).one()
    assert not nina.has_password
    assert invitee.get(path).status_code == 200  # the link still works for a good password


def test_an_admin_changes_a_role_and_it_is_in_the_audit_trail(
    client: FlaskClient, session: Session, admin: User, viewer: User
) -> None:
    sign_in(client, admin)
    assert post(client, f"/admin/users/{viewer.id}/role", role="marketer").status_code == 302
    session.refresh(viewer)
    assert viewer.role is Role.MARKETER
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.role_change")).one()
    assert entry.changes == {"role": ("Viewer", "Marketer")}
    assert (entry.actor_label, entry.object_label) == ("Ada Admin", "Vic Viewer")


def test_deactivating_a_user_ends_their_sessions_at_once(
    app: Flask, client: FlaskClient, session: Session, admin: User, marketer: User
) -> None:
    their_browser = sign_in(app.test_client(), marketer)
    assert their_browser.get("/").status_code == 200
    sign_in(client, admin)
    assert post(client, f"/admin/users/{marketer.id}/deactivate").status_code == 302
    assert their_browser.get("/").status_code == 302
    assert "user.deactivate" in actions(session, marketer.id)
    assert post(client, f"/admin/users/{marketer.id}/reactivate").status_code == 302
    session.refresh(marketer)
    assert marketer.is_active
    assert their_browser.get("/").status_code == 302  # the old session stays ended


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    client: FlaskClient, session: Session, admin: User
) -> None:
    sign_in(client, admin)
    demote = post(client, f"/admin/users/{admin.id}/role", role="viewer")
    assert demote.status_code == 400
    assert "last active administrator" in demote.get_data(as_text=True)
    other = UserFactory.create(role="admin", name="Olga Other")
    assert post(client, f"/admin/users/{other.id}/deactivate").status_code == 302
    assert post(client, f"/admin/users/{admin.id}/role", role="viewer").status_code == 400
    # An invited admin who has no password yet does not count as someone in charge.
    UserFactory.create(role="admin", name="Ivan Invited", password_hash="")
    assert post(client, f"/admin/users/{admin.id}/role", role="viewer").status_code == 400
    session.refresh(admin)
    assert admin.role is Role.ADMIN


def test_with_two_admins_one_can_step_down(client: FlaskClient, session: Session, admin: User) -> None:
    UserFactory.create(role="admin", name="Olga Other")
    sign_in(client, admin)
    assert post(client, f"/admin/users/{admin.id}/role", role="marketer").status_code == 302
    session.refresh(admin)
    assert admin.role is Role.MARKETER


@pytest.mark.parametrize("who", ["marketer", "account_manager", "viewer"])
def test_only_admins_reach_the_user_pages_and_a_refused_post_is_audited(
    request: pytest.FixtureRequest, client: FlaskClient, session: Session, who: str, admin: User
) -> None:
    outsider: User = request.getfixturevalue(who)
    sign_in(client, outsider)
    assert client.get("/admin/users/").status_code == 403
    assert post(client, f"/admin/users/{admin.id}/role", role="viewer").status_code == 403
    assert post(client, f"/admin/users/{admin.id}/deactivate").status_code == 403
    session.refresh(admin)
    assert (admin.role, admin.is_active) == (Role.ADMIN, True)
    denied = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "access.denied").order_by(AuditEntry.id)
    ).all()
    assert len(denied) == 3
    assert {entry.actor_id for entry in denied} == {outsider.id}
    assert "POST /admin/users/" in denied[-1].detail
    assert verify_chain(session).ok


def test_the_user_pages_need_the_csrf_token(client: FlaskClient, session: Session, admin: User, viewer: User) -> None:
    sign_in(client, admin)
    assert client.post(f"/admin/users/{viewer.id}/role", data={"role": "admin"}).status_code == 400
    session.refresh(viewer)
    assert viewer.role is Role.VIEWER
