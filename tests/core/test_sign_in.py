from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from core.audit import AuditEntry
from core.auth import Role, require_role
from core.auth.models import User
from tests.conftest import csrf_token_from, sign_in
from tests.factories import PASSWORD


def post_login(client: FlaskClient, email: str, password: str, **extra: str) -> TestResponse:
    token = csrf_token_from(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, **extra})


def test_the_sign_in_page_is_the_front_door(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "<h1" in page
    assert "Sign in" in page
    assert 'autocomplete="current-password"' in page


def test_a_marketer_signs_in_and_sees_the_overview(client: FlaskClient, marketer: User, session: Session) -> None:
    response = post_login(client, marketer.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Good to see you, Mia" in page
    assert "Sign out" in page
    session.expire_all()
    assert session.scalar(select(User.last_login_at).where(User.id == marketer.id)) is not None


def test_a_wrong_password_says_so_without_revealing_which_part_was_wrong(client: FlaskClient, marketer: User) -> None:
    wrong_password = post_login(client, marketer.email, "not-the-password")
    unknown_user = post_login(client, "nobody@vendor.example", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Wrong email or password" in wrong_password.get_data(as_text=True)
    assert "Wrong email or password" in unknown_user.get_data(as_text=True)


def test_six_wrong_passwords_in_a_minute_get_a_friendly_429(client: FlaskClient, marketer: User) -> None:
    statuses = [post_login(client, marketer.email, f"guess-{n}").status_code for n in range(6)]
    assert statuses == [401, 401, 401, 401, 401, 429]
    blocked = post_login(client, marketer.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0


def test_successful_sign_ins_do_not_count_towards_the_limit(client: FlaskClient, marketer: User) -> None:
    for _ in range(7):
        assert post_login(client, marketer.email, PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})


def test_a_form_post_without_its_csrf_token_is_refused_with_400(client: FlaskClient, marketer: User) -> None:
    response = client.post("/login", data={"email": marketer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_sign_out_needs_a_post_with_csrf(client: FlaskClient, marketer: User) -> None:
    sign_in(client, marketer)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_next_parameter_never_leads_off_site(client: FlaskClient, marketer: User) -> None:
    token = csrf_token_from(client, "/login")
    response = client.post(
        "/login?next=https://evil.example/phish",
        data={"email": marketer.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_after_sign_in_you_land_on_the_page_you_asked_for(client: FlaskClient, marketer: User) -> None:
    asked_for = client.get("/").headers["Location"]
    assert asked_for == "/login?next=%2F"
    token = csrf_token_from(client, "/login")
    response = client.post(
        "/login?next=/healthz", data={"email": marketer.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/healthz"


def test_changing_a_password_signs_out_every_other_session(
    client: FlaskClient, marketer: User, session: Session
) -> None:
    sign_in(client, marketer)
    assert client.get("/").status_code == 200
    marketer.set_password("a-brand-new-password")
    session.flush()
    assert client.get("/").status_code == 302


def test_deactivated_users_cannot_sign_in(client: FlaskClient, marketer: User, session: Session) -> None:
    marketer.is_active = False
    session.flush()
    assert post_login(client, marketer.email, PASSWORD).status_code == 401


def test_require_role_lets_the_right_roles_in_and_shows_403_to_others(
    app: Flask, admin: User, marketer: User, viewer: User
) -> None:
    probe = Blueprint("probe", __name__)

    @probe.get("/probe/editors")
    @require_role(Role.ADMIN, Role.MARKETER)
    def editors_only() -> str:
        return "editor page"

    app.register_blueprint(probe)
    assert app.test_client().get("/probe/editors").status_code == 302
    for user, status in ((admin, 200), (marketer, 200), (viewer, 403)):
        response = sign_in(app.test_client(), user).get("/probe/editors")
        assert response.status_code == status, user.role
    forbidden = sign_in(app.test_client(), viewer).get("/probe/editors").get_data(as_text=True)
    assert "You do not have access to this page" in forbidden


def test_navigation_shows_what_the_role_may_open(app: Flask, admin: User, viewer: User) -> None:
    from core.web import register_nav

    register_nav(app, "Users", "web.home", roles=(Role.ADMIN,))
    assert ">Users<" in sign_in(app.test_client(), admin).get("/").get_data(as_text=True)
    assert ">Users<" not in sign_in(app.test_client(), viewer).get("/").get_data(as_text=True)


def test_sign_ins_and_failed_ones_are_in_the_audit_trail_with_the_address_they_came_from(
    client: FlaskClient, session: Session, marketer: User, empty_trail: None
) -> None:
    post_login(client, marketer.email, "not-the-password")
    post_login(client, "nobody@vendor.example", "not-the-password")
    post_login(client, "my secret password", "oops")
    post_login(client, marketer.email, PASSWORD)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.object_label, e.detail) for e in entries] == [
        ("user.sign_in_failed", marketer.name, "wrong password"),
        ("user.sign_in_failed", "nobody@vendor.example", "no account with this address"),
        ("user.sign_in_failed", "(not an email address)", "no account with this address"),
        ("user.sign_in", marketer.name, ""),
    ]
    assert entries[-1].actor_id == marketer.id
    assert all(e.ip == "127.0.0.1" and e.request_id for e in entries)
