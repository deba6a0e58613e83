"""Campaign moves (the scheduler's too) and delivery by hand are audited."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import DeliveryStatus
from campaigns.planning.models import CampaignStatus
from campaigns.planning.services import advance_campaigns, move_campaign
from core.audit import AuditEntry
from core.auth.models import User
from tests.campaigns.delivery.conftest import a_body, queue
from tests.campaigns.factories import CampaignFactory
from tests.conftest import csrf_token_from, sign_in

LAUNCH = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.usefixtures("empty_trail")


def trail(session: Session, prefix: str = "") -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if prefix:
        query = query.where(AuditEntry.action.startswith(prefix))
    return list(session.scalars(query))


def test_a_marketers_move_and_the_schedulers_launch_and_end_are_in_the_trail(
    app: Flask, session: Session, marketer: User
) -> None:
    campaign = CampaignFactory.create(name="Spring storage", launch_at=LAUNCH)
    with app.test_request_context():
        from flask_login import login_user

        login_user(marketer)
        move_campaign(session, campaign, CampaignStatus.SCHEDULED, by=marketer, now=LAUNCH - dt.timedelta(days=1))
    advance_campaigns(session, LAUNCH)
    advance_campaigns(session, LAUNCH + dt.timedelta(days=15))
    moves = [(e.actor_label, e.changes["status"]) for e in trail(session, "campaign.move")]
    assert moves == [
        ("Mia Marketer", ("draft", "scheduled")),
        ("Scheduler", ("scheduled", "live")),
        ("Scheduler", ("live", "ended")),
    ]
    assert {e.object_label for e in trail(session, "campaign.")} == {"Spring storage"}


def test_retrying_and_marking_as_sent_by_hand_are_recorded_without_the_address(
    client: FlaskClient, session: Session, admin: User
) -> None:
    dead, uncertain = queue(session, a_body(session), 2)
    dead.status, uncertain.status = DeliveryStatus.DEAD, DeliveryStatus.UNCERTAIN
    session.flush()
    sign_in(client, admin)
    token = csrf_token_from(client, "/admin/delivery/")
    client.post(f"/admin/delivery/messages/{dead.id}/retry", data={"csrf_token": token})
    client.post(f"/admin/delivery/messages/{uncertain.id}/mark-sent", data={"csrf_token": token})
    entries = trail(session, "delivery.")
    assert [(e.action, e.changes["status"]) for e in entries] == [
        ("delivery.retry", ("dead", "queued")),
        ("delivery.mark_sent", ("uncertain", "sent")),
    ]
    assert all(dead.recipient_email not in e.object_label for e in entries)
