"""Why you got this: the preference page names the topics and the campaign behind each item of the
last newsletter, as the newsletter run recorded them."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.digests.assembly import assemble_digests
from campaigns.planning.models import CampaignStatus
from content.models import InterestArea
from subscribers.links import preference_url
from subscribers.models import Contact, NewsletterReasons
from tests.campaigns.digests.test_digests import TUESDAY_9_AMSTERDAM, news, weekly_contact
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import InterestAreaFactory
from tests.subscribers.factories import PartnerFactory


@pytest.fixture
def storage(session: Session) -> InterestArea:
    return InterestAreaFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"})


def preferences_page(app: Flask, client: FlaskClient, contact: Contact) -> str:
    with time_machine.travel(TUESDAY_9_AMSTERDAM + dt.timedelta(hours=2), tick=False):
        with app.app_context():
            url = preference_url(contact)
        response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_preference_page_says_which_topics_and_which_campaign_put_each_item_there(
    app: Flask, client: FlaskClient, session: Session, storage: InterestArea
) -> None:
    cloud = InterestAreaFactory.create(slug="cloud", names={"en": "Cloud", "nl": "Cloud"})
    both = news(storage, title="Hybrid backup", hours_ago=2)
    both.interest_areas.append(cloud)
    launch = news(storage, title="Trade-in launch", hours_ago=48)
    CampaignFactory.create(
        name="Spring storage push", status=CampaignStatus.LIVE, target_tiers=["gold"], content_items=[launch],
        launch_at=TUESDAY_9_AMSTERDAM - dt.timedelta(days=1), ends_at=TUESDAY_9_AMSTERDAM + dt.timedelta(days=10),
    )  # fmt: skip
    contact = weekly_contact(storage, partner=PartnerFactory.create(tier="gold"))
    contact.interests.append(cloud)
    session.flush()
    assert "Why your last newsletter" not in preferences_page(app, client, contact)  # nothing sent yet

    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    session.refresh(contact)
    assert contact.last_newsletter_at == TUESDAY_9_AMSTERDAM
    page = preferences_page(app, client, contact)
    assert "Why your last newsletter held what it did" in page
    assert "Tuesday, March 3, 2026" in page
    launch_line = page[page.index("Trade-in launch (en)") :].split("</li>")[0]
    assert "You follow Storage." in launch_line
    assert "Spring storage push" in launch_line
    hybrid_line = page[page.index("Hybrid backup (en)") :].split("</li>")[0]
    assert "You follow Storage and Cloud." in hybrid_line
    assert "campaign" not in hybrid_line


def test_readers_with_the_same_answer_share_one_record_and_nothing_new_keeps_the_last(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    news(storage, title="Array trade-in")
    first = weekly_contact(storage, email="a@a.example")
    second = weekly_contact(storage, email="b@b.example")
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert session.scalar(select(func.count()).select_from(NewsletterReasons)) == 1
    session.refresh(first)
    session.refresh(second)
    assert first.last_newsletter_reasons_id == second.last_newsletter_reasons_id is not None
    assemble_digests(session, TUESDAY_9_AMSTERDAM + dt.timedelta(weeks=1), app=app)  # nothing new that week
    session.refresh(first)
    assert first.last_newsletter_at == TUESDAY_9_AMSTERDAM
    assert first.last_newsletter_reasons_id == second.last_newsletter_reasons_id
