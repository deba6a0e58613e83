from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from campaigns.planning.targeting import campaign_reach
from core.auth.models import User
from subscribers.models import ContactStatus
from tests.campaigns.factories import CampaignFactory
from tests.conftest import sign_in
from tests.content.factories import InterestAreaFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory


def test_reach_counts_contacts_who_receive_mail_by_tier_and_language(session: Session) -> None:
    storage, cloud = InterestAreaFactory.create(slug="storage"), InterestAreaFactory.create(slug="cloud")
    gold, silver = PartnerFactory.create(tier="gold", country="NL"), PartnerFactory.create(tier="silver", country="DE")
    ContactFactory.create(partner=gold, locale="nl", interests=[storage])
    ContactFactory.create(partner=gold, locale="en", interests=[storage, cloud])
    ContactFactory.create(partner=gold, locale="nl", interests=[cloud])  # does not follow storage
    ContactFactory.create(partner=gold, locale="nl", interests=[storage], status=ContactStatus.UNSUBSCRIBED)
    ContactFactory.create(partner=silver, locale="de", interests=[storage])
    campaign = CampaignFactory.create(interest_areas=[storage], target_tiers=["gold", "silver"])

    reach = campaign_reach(session, campaign)
    assert reach.total == 3
    assert reach.tiers() == [("gold", 2), ("silver", 1)]
    assert reach.locales() == [("de", 1), ("en", 1), ("nl", 1)]

    campaign.target_countries = ["DE"]
    assert campaign_reach(session, campaign).total == 1


def test_targeting_that_matches_nobody_is_flagged_with_a_zero_count(
    client: FlaskClient, marketer: User, session: Session
) -> None:
    campaign = CampaignFactory.create(target_tiers=["platinum"], target_locales=["pl"])
    page = sign_in(client, marketer).get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "matches no partner contact who receives mail (0 contacts)" in page
