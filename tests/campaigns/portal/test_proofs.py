"""Staff send themselves a test of a contact's next newsletter or of a campaign's kit email, through the
outbox, at once, marked as a test; a test's links never act on the contact it shows."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, DeliveryStatus
from campaigns.planning.models import Campaign
from core.audit import AuditEntry
from core.auth.models import User
from subscribers.models import Contact, Partner
from subscribers.schedule import Frequency
from tests.campaigns.portal.conftest import outbox_files
from tests.conftest import csrf_token_from, sign_in
from tests.content.factories import ContentItemFactory, InterestAreaFactory
from tests.subscribers.factories import ContactFactory

MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def sent_message(app: Flask) -> EmailMessage:
    [eml] = outbox_files(app)
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_of(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def reader(session: Session, acme: Partner) -> Contact:
    storage = InterestAreaFactory.create(slug="storage", names={"en": "Storage"})
    ContentItemFactory.create(interest_areas=[storage], title="Array trade-in", cta_url="https://v.example/a",
                              cta_label="Read more", publish_at=MONDAY - dt.timedelta(days=1))  # fmt: skip
    return ContactFactory.create(partner=acme, email="jan@acme.example", name="Jan Jansen", interests=[storage],
                                 frequency=Frequency.WEEKLY, preferred_weekday=1, preferred_hour=9)  # fmt: skip


@time_machine.travel(MONDAY, tick=False)
def test_a_newsletter_test_goes_to_the_signed_in_user_at_once_with_harmless_links(
    app: Flask, client: FlaskClient, session: Session, account_manager: User, acme: Partner, reader: Contact
) -> None:
    acme.account_manager_id = account_manager.id
    session.flush()
    sign_in(client, account_manager)
    page = f"/newsletters/contacts/{reader.id}"
    assert "Send me a test" in client.get(page).get_data(as_text=True)
    response = client.post(page + "/test-send", data={"csrf_token": csrf_token_from(client, page)})
    assert response.status_code == 302
    [delivery] = session.scalars(select(Delivery)).all()
    assert (delivery.category, delivery.recipient_email, delivery.status) == (
        "test-send", account_manager.email, DeliveryStatus.SENT,
    )  # fmt: skip
    assert delivery.contact_id is None  # not part of the contact's own history
    message = sent_message(app)
    assert str(message["Subject"]).strip().startswith("[Test] ")
    assert "Array trade-in" in str(message["Subject"])
    html = body_of(message, "html")
    assert "Array trade-in" in html
    assert "/p/" not in html  # the contact's signed links are not in a test
    assert "/u/" not in html
    assert f"/admin/contacts/{reader.id}" in html
    assert f"/admin/contacts/{reader.id}" in str(message["List-Unsubscribe"])
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.newsletter_test_sent")).one()
    assert entry.scope == f"partner:{acme.id}"
    second = client.post(page + "/test-send", data={"csrf_token": csrf_token_from(client, page)})
    assert second.status_code == 302
    assert len(session.scalars(select(Delivery)).all()) == 2  # a fresh key per request


def test_a_viewer_cannot_send_tests(client: FlaskClient, viewer: User, reader: Contact) -> None:
    sign_in(client, viewer)
    page = f"/newsletters/contacts/{reader.id}"
    assert "Send me a test" not in client.get(page).get_data(as_text=True)
    assert client.post(page + "/test-send", data={"csrf_token": csrf_token_from(client, page)}).status_code == 403


def test_a_kit_email_test_carries_the_chosen_partners_brand(
    app: Flask, client: FlaskClient, session: Session, marketer: User, live_campaign: Campaign, acme: Partner
) -> None:
    sign_in(client, marketer)
    page = f"/campaigns/{live_campaign.id}/kit"
    assert "Send me a test of the kit email" in client.get(page).get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(client, page), "locale": "nl", "partner_id": str(acme.id)}
    assert client.post(f"/campaigns/{live_campaign.id}/kit/test-send", data=data).status_code == 302
    [delivery] = session.scalars(select(Delivery)).all()
    assert (delivery.category, delivery.recipient_email) == ("test-send", marketer.email)
    message = sent_message(app)
    assert str(message["Subject"]).strip().startswith("[Test] ")
    html = body_of(message, "html")
    assert "acme-it.example" in html  # the partner's website in its contact block
    assert "#0b5cad" in html.lower()  # its primary colour on the button
    assert "Channelcast Demo BV" in html  # the vendor's postal address
    sample = {**data, "partner_id": ""}
    client.post(f"/campaigns/{live_campaign.id}/kit/test-send", data=sample)
    assert len(session.scalars(select(Delivery)).all()) == 2


def test_a_kit_test_in_a_language_without_pieces_is_refused(
    client: FlaskClient, session: Session, marketer: User, live_campaign: Campaign
) -> None:
    sign_in(client, marketer)
    page = f"/campaigns/{live_campaign.id}/kit"
    data = {"csrf_token": csrf_token_from(client, page), "locale": "sv", "partner_id": ""}
    response = client.post(f"/campaigns/{live_campaign.id}/kit/test-send", data=data, follow_redirects=True)
    assert "Choose a language that has kit pieces." in response.get_data(as_text=True)
    assert session.scalars(select(Delivery)).all() == []
