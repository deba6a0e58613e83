"""Portal sign-ins and kit downloads are engagement events, tied to the person's contact and partner."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from campaigns.kits.models import Kit
from campaigns.planning.models import Campaign
from subscribers.models import PartnerUser
from tests.campaigns.portal.conftest import build_now, link_in, outbox_files, portal_client
from tests.campaigns.portal.test_sign_in import ask_for_link, use
from tests.subscribers.factories import ContactFactory


def events_of(session: Session, kind: EventKind) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_a_sign_in_is_an_event_of_the_contact_with_the_same_address(
    app: Flask, client: FlaskClient, session: Session, marketer_at_acme: PartnerUser
) -> None:
    contact = ContactFactory.create(email="sanne@acme-it.example", partner=marketer_at_acme.partner)
    ask_for_link(client, "sanne@acme-it.example")
    [eml] = outbox_files(app)
    assert use(client, link_in(eml))[0] == 302

    [event] = events_of(session, EventKind.PORTAL_SIGN_IN)
    assert event.contact_id == contact.id
    assert event.detail == {"partner_id": marketer_at_acme.partner_id, "partner_user_id": marketer_at_acme.id}
    assert event.automated is False


def test_a_failed_sign_in_is_no_event(app: Flask, client: FlaskClient, session: Session) -> None:
    use(client, "http://127.0.0.1/portal/sign-in/1.1.1.madeup")
    assert events_of(session, EventKind.PORTAL_SIGN_IN) == []


def test_a_kit_download_is_an_event_of_the_partner_even_without_a_contact(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_acme: PartnerUser
) -> None:
    build_now(app, session)
    kit = session.scalars(select(Kit).where(Kit.partner_id == marketer_at_acme.partner_id)).one()
    assert portal_client(client, marketer_at_acme).get(f"/portal/kits/{kit.id}/download").status_code == 200

    [event] = events_of(session, EventKind.KIT_DOWNLOAD)
    assert event.contact_id is None  # Sanne is a portal user, not on the newsletter list
    assert event.detail["partner_id"] == marketer_at_acme.partner_id
    assert event.detail["kit_id"] == kit.id
