"""A campaign's history and the audit page read its changes by name, in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.auth.models import User
from core.db import utc_now
from tests.campaigns.factories import CampaignFactory
from tests.conftest import csrf_token_from, sign_in

pytestmark = pytest.mark.usefixtures("empty_trail")


@pytest.fixture
def dutch_admin(session: Session, admin: User) -> User:
    admin.locale = "nl"
    session.flush()
    return admin


def test_a_dutch_admin_reads_a_cancelled_campaign_in_dutch_status_names(
    client: FlaskClient, session: Session, dutch_admin: User
) -> None:
    campaign = CampaignFactory.create(name="Opslag inruilen", launch_at=utc_now() + dt.timedelta(days=3))
    sign_in(client, dutch_admin)
    token = csrf_token_from(client, f"/campaigns/{campaign.id}")
    assert client.post(f"/campaigns/{campaign.id}/cancel", data={"csrf_token": token}).status_code == 302

    history = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    audit = client.get("/admin/audit/").get_data(as_text=True)
    for page in (history, audit):
        assert '<span class="changes__field">Status</span>: <del>Concept</del> → <ins>Geannuleerd</ins>' in page
        assert "<del>draft</del>" not in page
