"""What a signed-in partner marketer sees and may do: campaigns, kits, downloads, contacts."""

from __future__ import annotations

import email
import email.policy

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event, EventKind
from campaigns.kits.models import Kit
from campaigns.planning.models import Campaign
from subscribers.models import ContactStatus, Partner, PartnerUser
from tests.campaigns.portal.conftest import build_now, outbox_files, portal_client
from tests.conftest import csrf_token_from
from tests.subscribers.factories import ContactFactory


def kit_for(session: Session, partner: Partner) -> Kit:
    return session.scalars(select(Kit).where(Kit.partner_id == partner.id)).one()


def test_home_lists_the_partners_live_campaign_with_its_kit_in_dutch(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_acme: PartnerUser
) -> None:
    build_now(app, session)
    page = portal_client(client, marketer_at_acme).get("/portal/").get_data(as_text=True)
    assert "Campagnes en kits voor Acme" in page
    assert "Storage trade-in" in page
    assert f"/portal/kits/{kit_for(session, marketer_at_acme.partner).id}/download" in page


def test_signed_out_visitors_are_sent_to_the_sign_in_page(app: Flask, client: FlaskClient) -> None:
    response = client.get("/portal/kits/1/download")
    assert response.status_code == 302
    assert "/portal/sign-in" in response.headers["Location"]


def test_a_kit_downloads_as_a_zip_with_etag_and_a_safe_name_and_the_download_is_recorded(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_acme: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_acme.partner)
    response = portal_client(client, marketer_at_acme).get(f"/portal/kits/{kit.id}/download")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"
    assert len(response.data) == kit.size
    assert response.headers["ETag"] == f'"{kit.sha256}"'
    assert response.headers["Content-Disposition"] == "attachment; filename=storage-trade-in-acme-it-lodz-nl.zip"
    [event] = session.scalars(select(Event).where(Event.kind == EventKind.KIT_DOWNLOAD)).all()
    assert event.detail["kit_id"] == kit.id
    assert event.detail["partner_id"] == marketer_at_acme.partner_id
    assert event.detail["partner_user_id"] == marketer_at_acme.id
    again = client.get(f"/portal/kits/{kit.id}/download", headers={"If-None-Match": f'"{kit.sha256}"'})
    assert again.status_code == 304


def test_another_partners_kit_is_not_found(
    app: Flask,
    client: FlaskClient,
    session: Session,
    live_campaign: Campaign,
    marketer_at_acme: PartnerUser,
    marketer_at_globex: PartnerUser,
) -> None:
    build_now(app, session)
    theirs = kit_for(session, marketer_at_globex.partner)
    portal_client(client, marketer_at_acme)
    for path in ("", "/download", "/files/README.txt"):
        assert client.get(f"/portal/kits/{theirs.id}{path}").status_code == 404
    assert client.get("/portal/kits/999999/download").status_code == 404


def test_single_pieces_are_previewed_and_downloaded_from_the_kit_page(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_acme: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_acme.partner)
    portal_client(client, marketer_at_acme)
    page = client.get(f"/portal/kits/{kit.id}").get_data(as_text=True)
    assert "flyer.pdf" in page
    assert 'data-copy="post-x"' in page  # posts are copied, not downloaded one by one
    preview = client.get(f"/portal/kits/{kit.id}/files/email/email.html")
    assert preview.status_code == 200
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    assert "attachment" not in preview.headers.get("Content-Disposition", "")
    flyer = client.get(f"/portal/kits/{kit.id}/files/flyer.pdf?download=1")
    assert flyer.data.startswith(b"%PDF")
    assert "attachment" in flyer.headers["Content-Disposition"]
    assert client.get(f"/portal/kits/{kit.id}/files/../../etc/passwd").status_code == 404
    downloads = session.scalars(select(Event).where(Event.kind == EventKind.KIT_DOWNLOAD)).all()
    assert [event.detail["file"] for event in downloads] == ["flyer.pdf"]


def test_the_contacts_page_shows_only_this_partners_contacts_read_only(
    app: Flask, client: FlaskClient, session: Session, marketer_at_acme: PartnerUser, globex: Partner
) -> None:
    ContactFactory.create(partner=marketer_at_acme.partner, email="jan@acme-it.example", name="Jan")
    ContactFactory.create(partner=globex, email="stranger@globex.example")
    page = portal_client(client, marketer_at_acme).get("/portal/contacts").get_data(as_text=True)
    assert "jan@acme-it.example" in page
    assert "stranger@globex.example" not in page
    assert "Elke week" in page  # the contact's frequency, in the marketer's language
    assert 'name="frequency"' not in page


def test_a_contact_gets_their_preference_link_by_email_at_once(
    app: Flask, client: FlaskClient, session: Session, marketer_at_acme: PartnerUser, globex: Partner
) -> None:
    jan = ContactFactory.create(partner=marketer_at_acme.partner, email="jan@acme-it.example", locale="de")
    stranger = ContactFactory.create(partner=globex, email="stranger@globex.example")
    portal_client(client, marketer_at_acme)
    token = csrf_token_from(client, "/portal/contacts")
    assert client.post(f"/portal/contacts/{stranger.id}/send-link", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/portal/contacts/{jan.id}/send-link", data={"csrf_token": token}).status_code == 302
    [delivery] = session.scalars(select(Delivery)).all()
    assert (delivery.recipient_email, delivery.category, delivery.contact_id) == (jan.email, "preference-link", jan.id)
    [eml] = outbox_files(app)
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Newsletter-Einstellungen" in text
    assert "/p/" in text


def test_an_unsubscribed_contact_gets_no_preference_mail(
    app: Flask, client: FlaskClient, session: Session, marketer_at_acme: PartnerUser
) -> None:
    gone = ContactFactory.create(partner=marketer_at_acme.partner, status=ContactStatus.UNSUBSCRIBED)
    portal_client(client, marketer_at_acme)
    token = csrf_token_from(client, "/portal/contacts")
    client.post(f"/portal/contacts/{gone.id}/send-link", data={"csrf_token": token})
    assert session.scalars(select(Delivery)).all() == []
