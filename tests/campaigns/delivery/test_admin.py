from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus
from core.auth.models import User
from subscribers.models import SuppressionReason
from subscribers.suppression import suppress
from tests.campaigns.delivery.conftest import a_body, queue
from tests.conftest import csrf_token_from, sign_in


def a_dead_message(session: Session) -> Delivery:
    deliveries = queue(session, a_body(session), 3)
    dead = deliveries[0]
    dead.status, dead.attempts, dead.last_error = DeliveryStatus.DEAD, 8, "SendGrid 503: try again later"
    deliveries[1].status = DeliveryStatus.SENT
    session.flush()
    return dead


def test_the_dashboard_shows_the_outbox_now_by_the_hour_and_its_errors(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    a_dead_message(session)
    page = sign_in(client, marketer).get("/admin/delivery/").get_data(as_text=True)
    assert "<dt>Queued</dt><dd>1</dd>" in page
    assert "<dt>Dead</dt><dd>1</dd>" in page
    assert "SendGrid 503: try again later" in page
    assert "The last 24 hours" in page


def test_viewers_do_not_see_delivery_and_strangers_must_sign_in(client: FlaskClient, viewer: User) -> None:
    assert client.get("/admin/delivery/").status_code == 302
    assert sign_in(client, viewer).get("/admin/delivery/").status_code == 403


def test_an_admin_sends_a_dead_message_again_with_the_retry_button(
    client: FlaskClient, session: Session, admin: User
) -> None:
    dead = a_dead_message(session)
    sign_in(client, admin)
    page = client.get("/admin/delivery/messages/dead").get_data(as_text=True)
    assert dead.recipient_email in page
    assert "Retry" in page

    token = csrf_token_from(client, "/admin/delivery/messages/dead")
    response = client.post(f"/admin/delivery/messages/{dead.id}/retry", data={"csrf_token": token})

    assert response.status_code == 302
    session.refresh(dead)
    assert dead.status is DeliveryStatus.QUEUED
    assert dead.attempts == 0
    assert "is queued again" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_marketer_sees_dead_messages_but_cannot_retry_them(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    dead = a_dead_message(session)
    sign_in(client, marketer)
    page = client.get("/admin/delivery/messages/dead").get_data(as_text=True)
    assert dead.recipient_email in page
    assert "Retry" not in page
    token = csrf_token_from(client, "/admin/delivery/")
    assert client.post(f"/admin/delivery/messages/{dead.id}/retry", data={"csrf_token": token}).status_code == 403


def test_an_uncertain_message_can_be_marked_as_sent_after_checking_the_provider(
    client: FlaskClient, session: Session, admin: User
) -> None:
    (delivery,) = queue(session, a_body(session), 1)
    delivery.status = DeliveryStatus.UNCERTAIN
    session.flush()
    sign_in(client, admin)
    token = csrf_token_from(client, "/admin/delivery/messages/uncertain")
    client.post(f"/admin/delivery/messages/{delivery.id}/mark-sent", data={"csrf_token": token})
    session.refresh(delivery)
    assert delivery.status is DeliveryStatus.SENT


def test_the_suppression_list_shows_each_address_with_its_reason(
    client: FlaskClient, session: Session, marketer: User
) -> None:
    suppress(session, "gone@partner.example", SuppressionReason.BOUNCED, source="sendgrid", detail="550 no such user")
    suppress(session, "angry@partner.example", SuppressionReason.COMPLAINED, source="sendgrid")
    sign_in(client, marketer)
    page = client.get("/admin/delivery/suppressions").get_data(as_text=True)
    assert "gone@partner.example" in page
    assert "550 no such user" in page
    assert "angry@partner.example" in page
    bounced = client.get("/admin/delivery/suppressions?reason=bounced").get_data(as_text=True)
    assert "gone@partner.example" in bounced
    assert "angry@partner.example" not in bounced
