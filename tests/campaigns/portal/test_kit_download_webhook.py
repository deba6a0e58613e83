"""A kit download is an outbound webhook event too (kit.downloaded), queued with the download's record."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.kits.models import Kit
from campaigns.planning.models import Campaign
from core.webhooks.models import WebhookDelivery
from core.webhooks.registry import event_types
from core.webhooks.services import create_endpoint
from subscribers.models import PartnerUser
from tests.campaigns.portal.conftest import build_now, portal_client


def test_a_kit_download_reaches_the_receivers_of_kit_downloaded(
    app: Flask, client: FlaskClient, session: Session, live_campaign: Campaign, marketer_at_acme: PartnerUser
) -> None:
    create_endpoint(session, url="http://127.0.0.1:9/crm", description="", event_types=["kit.downloaded"],
                    known_types=event_types(app), by=None, https_only=False)  # fmt: skip
    build_now(app, session)
    kit = session.scalars(select(Kit).where(Kit.partner_id == marketer_at_acme.partner_id)).one()
    assert portal_client(client, marketer_at_acme).get(f"/portal/kits/{kit.id}/download").status_code == 200
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    event = json.loads(delivery.body)
    assert event["type"] == "kit.downloaded"
    assert event["data"]["kit_id"] == kit.id
    assert event["data"]["campaign_id"] == live_campaign.id
    assert event["data"]["partner_user_id"] == marketer_at_acme.id
