"""The kit page a partner marketer works from, and the vendor's read-only preview of it."""

from __future__ import annotations

import email
import email.policy
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event, EventKind
from campaigns.kits import post_length
from campaigns.kits.models import Kit, KitStatus
from campaigns.planning.models import Campaign
from core.audit.models import AuditEntry
from core.auth import User
from core.storage import storage_for
from subscribers.models import Partner, PartnerUser
from tests.campaigns.portal.conftest import build_now, outbox_files, portal_client
from tests.conftest import csrf_token_from, sign_in


def kit_for(session: Session, partner: Partner) -> Kit:
    return session.scalars(select(Kit).where(Kit.partner_id == partner.id)).one()


def test_the_kit_page_shows_every_piece_by_name_never_by_file_path(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_globex: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_globex.partner)
    page = portal_client(client, marketer_at_globex).get(f"/portal/kits/{kit.id}").get_data(as_text=True)
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", page)
    assert headings == ["Co-branded email", "Banners and images", "Flyer", "Campaign texts", "Social posts", "Files",
                        "Your contact at Northwind Systems"]  # fmt: skip
    assert page.index("Download the whole kit (ZIP)") < page.index("Co-branded email")
    assert "Banner with your logo, light background" in page
    assert "photo-1.jpg, wide (social posts and web)" in page
    assert "1200 \u00d7 628 pixels" in page
    assert "Read me: what each file is for" in page
    assert "List of files with checksums, for tools" in page
    visible = re.sub(r"<[^>]+>", " ", page)  # the text people read, without the markup's addresses
    assert "manifest.json" not in visible.lower()
    assert "images/" not in visible
    assert "README.txt" not in visible


def test_the_copy_comes_as_markdown_html_and_plain_text_to_copy(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_globex: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_globex.partner)
    page = portal_client(client, marketer_at_globex).get(f"/portal/kits/{kit.id}").get_data(as_text=True)
    markdown = re.search(r'<textarea id="copy-short-markdown" hidden readonly>(.*?)</textarea>', page, re.S)
    html = re.search(r'<textarea id="copy-short-html" hidden readonly>(.*?)</textarea>', page, re.S)
    plain = re.search(r'<textarea id="copy-short-plain" hidden readonly>(.*?)</textarea>', page, re.S)
    assert markdown
    assert html
    assert plain
    assert "**credit**" in markdown.group(1)
    assert "&lt;strong&gt;credit&lt;/strong&gt;" in html.group(1)  # escaped in the page, copied as HTML
    assert "credit" in plain.group(1)
    assert "**" not in plain.group(1)
    assert 'data-copy="copy-short-markdown"' in page
    assert 'data-copy="subject-1"' in page
    assert 'data-copy="preheader"' in page
    assert 'role="status" aria-live="polite" data-copied="Copied"' in page


def test_each_social_post_shows_its_count_against_the_limit_as_the_network_counts(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_globex: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_globex.partner)
    page = portal_client(client, marketer_at_globex).get(f"/portal/kits/{kit.id}").get_data(as_text=True)
    post = "Trade in old storage, get up to 30% back: https://vendor.example/trade-in"
    assert post_length("x", post) != len(post)  # the link counts 23
    assert f"{post_length('x', post)} of 280 characters, as X counts them" in page
    assert "of 3,000 characters, as LinkedIn counts them" in page


def test_the_flyer_preview_is_its_first_page_as_png_made_once_and_kept_beside_the_kit(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_globex: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_globex.partner)
    portal = portal_client(client, marketer_at_globex)
    response = portal.get(f"/portal/kits/{kit.id}/previews/flyer.pdf")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.width == 840
    assert abs(image.height / image.width - 297 / 210) < 0.01  # A4
    with app.app_context():
        assert storage_for(app).exists(f"kit-previews/{kit.sha256[:2]}/{kit.sha256}/flyer.pdf.preview")
    banner = portal.get(f"/portal/kits/{kit.id}/previews/images/globex-systems-banner-light.jpg")
    assert Image.open(io.BytesIO(banner.data)).width == 560
    assert portal.get(f"/portal/kits/{kit.id}/previews/copy/short.md").status_code == 404
    assert session.scalars(select(Event)).all() == [], "looking is not downloading"


def test_send_me_a_test_mails_the_kit_email_to_the_signed_in_marketer_at_once_and_audits_it(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_globex: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_globex.partner)
    portal = portal_client(client, marketer_at_globex)
    token = csrf_token_from(portal, f"/portal/kits/{kit.id}")
    response = portal.post(f"/portal/kits/{kit.id}/send-test", data={"csrf_token": token})
    assert response.status_code == 302
    [delivery] = session.scalars(select(Delivery).where(Delivery.category == "kit-test")).all()
    assert delivery.recipient_email == "olivia@globex.example"
    [sent] = outbox_files(app)
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert str(message["Subject"]) == "Test: Trade in old storage, get up to 30% back"
    assert str(message["To"]).endswith("<olivia@globex.example>")
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    image_url = re.search(r'src="(https?://[^"]+/portal/kit-mail/[0-9a-f]{64}/hero\.jpg)"', html)
    assert image_url, "the campaign picture is linked for mail clients"
    path = image_url.group(1).split("://", 1)[1].split("/", 1)[1]
    picture = app.test_client().get("/" + path)  # no session: mail clients are not signed in
    assert picture.status_code == 200
    assert picture.mimetype == "image/jpeg"
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "kit.test_sent")).all()
    assert entry.object_id == str(kit.id)


def test_another_partners_kit_page_previews_and_test_mail_are_not_there(
    app: Flask,
    client: FlaskClient,
    session: Session,
    live_campaign: Campaign,
    marketer_at_acme: PartnerUser,
    marketer_at_globex: PartnerUser,
) -> None:
    build_now(app, session)
    theirs = kit_for(session, marketer_at_globex.partner)
    portal = portal_client(client, marketer_at_acme)
    assert portal.get(f"/portal/kits/{theirs.id}").status_code == 404
    assert portal.get(f"/portal/kits/{theirs.id}/email").status_code == 404
    assert portal.get(f"/portal/kits/{theirs.id}/previews/flyer.pdf").status_code == 404
    token = csrf_token_from(portal, "/portal/brand")
    assert portal.post(f"/portal/kits/{theirs.id}/send-test", data={"csrf_token": token}).status_code == 404
    assert outbox_files(app) == []


def test_the_email_frame_carries_the_picture_and_logo_inline(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_globex: PartnerUser
) -> None:
    build_now(app, session)
    kit = kit_for(session, marketer_at_globex.partner)
    response = portal_client(client, marketer_at_globex).get(f"/portal/kits/{kit.id}/email")
    html = response.get_data(as_text=True)
    assert 'src="data:image/jpeg;base64,' in html
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_a_marketer_opens_a_partners_kit_as_the_partner_sees_it_read_only_in_their_language(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, acme: Partner, marketer: User
) -> None:
    build_now(app, session)
    kit = kit_for(session, acme)
    page = sign_in(client, marketer).get(f"/admin/kits/{kit.id}/preview/").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Voorbeeld" in page
    assert "send-test" not in page
    response = client.get(f"/admin/kits/{kit.id}/preview/files/flyer.pdf")
    assert response.data[:4] == b"%PDF"
    assert client.get(f"/admin/kits/{kit.id}/preview/files/kit.zip").data[:2] == b"PK"
    assert session.scalars(select(Event).where(Event.kind == EventKind.KIT_DOWNLOAD)).all() == []


def test_an_account_manager_previews_only_their_own_partners_kits(
    app: Flask,
    client: FlaskClient,
    session: Session,
    live_campaign: Campaign,
    acme: Partner,
    globex: Partner,
    account_manager: User,
) -> None:
    acme.account_manager_id = account_manager.id
    build_now(app, session)
    sign_in(client, account_manager)
    assert client.get(f"/admin/kits/{kit_for(session, acme).id}/preview/").status_code == 200
    assert client.get(f"/admin/kits/{kit_for(session, globex).id}/preview/").status_code == 404
    assert client.get(f"/admin/kits/{kit_for(session, globex).id}/preview/files/kit.zip").status_code == 404


def test_the_kit_overview_links_each_partners_kit_and_lists_failed_ones_with_the_reason_in_words(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, acme: Partner, globex: Partner,
    marketer: User,
) -> None:  # fmt: skip
    acme.brand_website = "javascript:alert(1)"  # only possible around the brand editor
    session.flush()
    build_now(app, session)
    assert kit_for(session, acme).status is KitStatus.FAILED
    page = sign_in(client, marketer).get(f"/campaigns/{live_campaign.id}/kit").get_data(as_text=True)
    failed = page.split('id="failed-title"')[1].split("</table>")[0]
    assert "Acme ../IT Łódź" in failed
    assert "The website in their brand" in failed
    assert "use a full web address" in failed
    assert f"/admin/kits/{kit_for(session, globex).id}/preview/" in page


def test_a_german_marketer_reads_why_a_kit_failed_in_german(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, acme: Partner, marketer: User
) -> None:
    acme.brand_website = "javascript:alert(1)"  # only possible around the brand editor
    marketer.locale = "de"
    session.flush()
    build_now(app, session)  # the reason is stored by a build nobody reads, and said when the page is read
    page = sign_in(client, marketer).get(f"/campaigns/{live_campaign.id}/kit").get_data(as_text=True)
    failed = page.split('id="failed-title"')[1].split("</table>")[0]
    assert "Die Website in ihrer Marke: verwenden Sie eine vollständige Webadresse" in failed
    assert "website:" not in failed
