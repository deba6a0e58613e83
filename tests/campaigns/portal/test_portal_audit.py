"""The portal's own actions in the audit trail: sign-ins (and spent links) and brand edits, by the portal user."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.planning.models import Campaign
from core.audit import AuditEntry, verify_chain
from subscribers.models import Partner, PartnerUser
from tests.campaigns.portal.conftest import link_in, outbox_files, portal_client
from tests.campaigns.portal.test_brand_editor import post_brand
from tests.conftest import csrf_token_from

pytestmark = pytest.mark.usefixtures("empty_trail")


def trail(session: Session, prefix: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)))


def test_a_brand_edit_in_the_portal_names_the_portal_user_and_the_fields(
    client: FlaskClient, session: Session, acme: Partner, marketer_at_acme: PartnerUser
) -> None:
    status, _page = post_brand(portal_client(client, marketer_at_acme), tagline="Storage, sorted")
    assert status == 302
    [entry] = trail(session, "partner.brand_update")
    assert (entry.actor_kind, entry.actor_label) == ("portal_user", "Sanne Visser (Acme ../IT Łódź)")
    assert entry.changes["tagline"] == ("", "Storage, sorted")
    assert entry.changes["phone"] == ("", "+31 20 555 0101")
    assert entry.scope == f"partner:{acme.id}"


def test_a_portal_sign_in_and_a_spent_link_are_recorded(
    app: Flask, client: FlaskClient, session: Session, marketer_at_acme: PartnerUser
) -> None:
    token = csrf_token_from(client, "/portal/sign-in")
    client.post("/portal/sign-in", data={"email": marketer_at_acme.email, "csrf_token": token})
    path = link_in(outbox_files(app)[0]).split("127.0.0.1:5000", 1)[-1]
    path = path[path.index("/portal/") :]
    for browser in (client, app.test_client()):
        token = csrf_token_from(browser, path)
        browser.post(path, data={"csrf_token": token})
    entries = trail(session, "portal_user.sign_in")
    assert [(e.action, e.actor_kind) for e in entries] == [
        ("portal_user.sign_in", "portal_user"),
        ("portal_user.sign_in_failed", "system"),
    ]
    assert verify_chain(session).ok


def test_saving_kit_pieces_is_recorded_per_language_with_what_changed(
    session: Session, live_campaign: Campaign
) -> None:
    entries = trail(session, "kit_piece.save")
    assert [entry.detail for entry in entries] == ["kit pieces in English", "kit pieces in Nederlands"]
    assert entries[0].object_label == "Storage trade-in"
    assert "preheader" in entries[0].changes
