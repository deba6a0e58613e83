"""Newsletters: due at the contact's own hour, once per period, only what is new, never to the suppressed."""

import datetime as dt
import re
from collections import Counter
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, RenderedBody
from campaigns.digests.assembly import assemble_digests
from campaigns.digests.preview import preview_next_digest
from campaigns.planning.models import CampaignStatus
from content.models import ContentItem, InterestArea
from core.auth.models import User
from core.mail.placeholders import FillTemplate
from subscribers.models import Contact, ContactStatus, SuppressionReason
from subscribers.schedule import Frequency, period_key
from subscribers.suppression import suppress
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import ContentItemFactory, InterestAreaFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory

# Tuesday 3 March 2026, 09:00 in Amsterdam (CET, UTC+1).
TUESDAY_9_AMSTERDAM = dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)


def deliveries(session: Session) -> list[Delivery]:
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def news(
    area: InterestArea, *, title: str = "News", hours_ago: int = 24, at: dt.datetime = TUESDAY_9_AMSTERDAM, **kw: object
) -> ContentItem:
    return ContentItemFactory.create(
        interest_areas=[area],
        title=title,
        publish_at=at - dt.timedelta(hours=hours_ago),
        cta_url="https://vendor.example/n",
        cta_label="Read more",
        **kw,
    )


@pytest.fixture
def storage(session: Session) -> InterestArea:
    return InterestAreaFactory.create(slug="storage", names={"en": "Storage", "nl": "Opslag"})


def weekly_contact(storage: InterestArea, **kw: object) -> Contact:
    return ContactFactory.create(
        interests=[storage],
        frequency=Frequency.WEEKLY,
        preferred_weekday=1,
        preferred_hour=9,
        timezone="Europe/Amsterdam",
        **kw,
    )


def test_a_weekly_contact_gets_one_newsletter_at_their_own_hour(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    contact = weekly_contact(storage)
    news(storage, title="Array trade-in")
    before = assemble_digests(session, TUESDAY_9_AMSTERDAM - dt.timedelta(minutes=1), app=app)
    assert before.enqueued == 0
    report = assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert report.enqueued == 1
    (delivery,) = deliveries(session)
    assert delivery.idempotency_key == f"digest:{contact.id}:2026-W10"
    assert delivery.recipient_email == contact.email
    again = assemble_digests(session, TUESDAY_9_AMSTERDAM + dt.timedelta(minutes=1), app=app)
    assert again.enqueued == 0
    assert len(deliveries(session)) == 1


@pytest.mark.parametrize(
    ("frequency", "periods"),
    [(Frequency.WEEKLY, 9), (Frequency.FORTNIGHTLY, 4), (Frequency.MONTHLY, 2), (Frequency.QUARTERLY, 1)],
)
def test_every_rhythm_gets_one_newsletter_per_period_at_nine_local_across_the_dst_change(
    app: Flask, session: Session, storage: InterestArea, frequency: Frequency, periods: int
) -> None:
    # 2 March to 30 April 2026: Amsterdam moves to summer time on 29 March. The contact had
    # the newsletter of the period holding 28 February.
    start = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
    contact = ContactFactory.create(
        interests=[storage],
        frequency=frequency,
        preferred_weekday=1,
        preferred_hour=9,
        timezone="Europe/Amsterdam",
        last_digest_period=period_key(frequency, dt.date(2026, 2, 28)),
    )
    sent_at: list[dt.datetime] = []
    for day in range(60):
        midnight = start + dt.timedelta(days=day)
        news(storage, title=f"News of {midnight:%d %b}", hours_ago=1, at=midnight)  # something new every day
        for hour in range(5, 10):  # 09:00 in Amsterdam is 08:00 UTC in winter, 07:00 UTC in summer
            now = midnight + dt.timedelta(hours=hour)
            if assemble_digests(session, now, app=app).enqueued:
                sent_at.append(now)
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert [(m.astimezone(amsterdam).hour, m.astimezone(amsterdam).weekday()) for m in sent_at] == [(9, 1)] * periods, (
        sent_at
    )
    keys = [d.idempotency_key for d in deliveries(session) if d.contact_id == contact.id]
    assert len(keys) == len(set(keys)) == periods


def test_a_paused_contact_resumes_after_the_pause(app: Flask, session: Session, storage: InterestArea) -> None:
    weekly_contact(storage, status=ContactStatus.PAUSED, paused_until=dt.date(2026, 3, 12))
    for week in range(3):
        now = TUESDAY_9_AMSTERDAM + dt.timedelta(weeks=week)
        news(storage, title=f"Week {week}", at=now)
        assemble_digests(session, now, app=app)
    assert [d.idempotency_key.rsplit(":", 1)[1] for d in deliveries(session)] == ["2026-W12"]


def test_a_contact_with_nothing_new_gets_no_email(app: Flask, session: Session, storage: InterestArea) -> None:
    contact = weekly_contact(storage)
    news(storage, title="Old news", hours_ago=24 * 30)  # before the last newsletter's window
    report = assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert (report.due, report.nothing_new, report.enqueued) == (1, 1, 0)
    session.refresh(contact)
    assert contact.last_digest_period == "2026-W10"


def test_unsubscribed_bounced_and_suppressed_addresses_get_nothing(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    news(storage)
    weekly_contact(storage, status=ContactStatus.UNSUBSCRIBED)
    weekly_contact(storage, status=ContactStatus.BOUNCED)
    suppressed = weekly_contact(storage)
    suppress(session, suppressed.email, SuppressionReason.MANUAL, source="admin")
    report = assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert report.enqueued == 0
    assert report.suppressed == 1


def test_contacts_with_the_same_selection_share_one_render(app: Flask, session: Session, storage: InterestArea) -> None:
    news(storage, title="Shared story")
    partner = PartnerFactory.create(tier="gold")
    for _ in range(25):
        weekly_contact(storage, partner=partner, locale="en")
    for _ in range(5):
        weekly_contact(storage, partner=partner, locale="nl")
    report = assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert report.enqueued == 30
    assert report.distinct_renders == 2
    assert len(session.scalars(select(RenderedBody)).all()) == 2
    assert len({d.fields["unsubscribe_url"] for d in deliveries(session)}) == 30


def test_selection_respects_interests_tier_and_the_item_limit(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    cloud = InterestAreaFactory.create(slug="cloud")
    for n in range(8):
        news(storage, title=f"Storage {n}", hours_ago=n + 1)
    news(cloud, title="Cloud only")
    news(storage, title="Platinum only", allowed_tiers=("platinum",))
    weekly_contact(storage, partner=PartnerFactory.create(tier="silver"))
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    body = session.get(RenderedBody, deliveries(session)[0].body_id)
    assert body is not None
    titles = re.findall(r"^\d+\. (.*)$", body.text, flags=re.M)
    assert titles == [f"Storage {n} (en)" for n in range(6)]


def first_lines(session: Session) -> dict[str, list[str]]:
    """Each recipient's item titles, in newsletter order, by the local part of their address."""
    found = {}
    for delivery in deliveries(session):
        body = session.get(RenderedBody, delivery.body_id)
        assert body is not None
        found[delivery.recipient_email.split("@")[0]] = re.findall(r"^\d+\. (.*)$", body.text, flags=re.M)
    return found


def test_a_live_campaign_leads_the_newsletters_of_the_contacts_it_targets(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    news(storage, title="Regular news", hours_ago=2)
    launch_item = news(storage, title="Trade-in launch", hours_ago=48)  # older, so it would come second
    CampaignFactory.create(
        status=CampaignStatus.LIVE,
        launch_at=TUESDAY_9_AMSTERDAM - dt.timedelta(days=1),
        ends_at=TUESDAY_9_AMSTERDAM + dt.timedelta(days=10),
        content_items=[launch_item],
        target_tiers=["gold"],
    )
    weekly_contact(storage, email="gold@a.example", partner=PartnerFactory.create(tier="gold"))
    weekly_contact(storage, email="silver@b.example", partner=PartnerFactory.create(tier="silver"))
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert first_lines(session) == {
        "gold": ["Trade-in launch (en)", "Regular news (en)"],
        "silver": ["Regular news (en)", "Trade-in launch (en)"],
    }


def test_a_campaign_for_everyone_never_pushes_a_platinum_item_to_lower_tiers(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    news(storage, title="Open news", hours_ago=2)
    margins = news(storage, title="Platinum margins", hours_ago=30, allowed_tiers=("platinum",))
    CampaignFactory.create(
        status=CampaignStatus.LIVE,
        launch_at=TUESDAY_9_AMSTERDAM - dt.timedelta(days=1),
        ends_at=TUESDAY_9_AMSTERDAM + dt.timedelta(days=10),
        content_items=[margins],
    )
    for tier in ("platinum", "silver", "registered"):
        weekly_contact(storage, email=f"{tier}@x.example", partner=PartnerFactory.create(tier=tier))
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert first_lines(session) == {
        "platinum": ["Platinum margins (en)", "Open news (en)"],
        "silver": ["Open news (en)"],
        "registered": ["Open news (en)"],
    }


def test_a_campaign_never_pushes_an_item_from_an_area_the_reader_does_not_follow(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    cloud = InterestAreaFactory.create(slug="cloud", names={"en": "Cloud"})
    news(storage, title="Storage news", hours_ago=2)
    cloud_launch = news(cloud, title="Cloud launch", hours_ago=30)
    CampaignFactory.create(
        status=CampaignStatus.LIVE,
        launch_at=TUESDAY_9_AMSTERDAM - dt.timedelta(days=1),
        ends_at=TUESDAY_9_AMSTERDAM + dt.timedelta(days=10),
        content_items=[cloud_launch],
        interest_areas=[storage, cloud],
    )
    weekly_contact(storage, email="storage-only@x.example")
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert first_lines(session) == {"storage-only": ["Storage news (en)"]}


def test_a_campaign_does_not_send_again_what_an_earlier_newsletter_carried(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    news(storage, title="This week", hours_ago=2)
    old = news(storage, title="Two months old", hours_ago=24 * 60)
    CampaignFactory.create(
        status=CampaignStatus.LIVE,
        launch_at=TUESDAY_9_AMSTERDAM - dt.timedelta(days=1),
        ends_at=TUESDAY_9_AMSTERDAM + dt.timedelta(days=10),
        content_items=[old],
    )
    weekly_contact(storage, email="reader@x.example")
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    assert first_lines(session) == {"reader": ["This week (en)"]}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")


def test_the_newsletter_a_contact_receives_is_complete_and_its_links_work(
    app: Flask,
    client: FlaskClient,
    session: Session,
    storage: InterestArea,
) -> None:
    contact = weekly_contact(storage, name="Jan de Boer")
    items = [news(storage, title=f"Story {n}", hours_ago=n + 1) for n in range(3)]
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    (delivery,) = deliveries(session)
    body = session.get(RenderedBody, delivery.body_id)
    assert body is not None
    html = FillTemplate.parse(body.html).fill(delivery.fields)
    text = FillTemplate.parse(body.text).fill(delivery.fields)
    assert "<mj-" not in html
    assert "{{" not in html
    assert "%%" not in html + text
    assert len(html.encode()) < 102 * 1024
    assert "Hello Jan," in html
    checker = _Checker()
    checker.feed(html)
    for image in checker.images:
        assert image.get("alt") is not None
        assert image.get("width")
    for item in items:
        assert item.variants[0].title in text
    assert "https://vendor.example/n" in text
    assert app.config["CHANNELCAST"].postal_address in text
    base = app.config["CHANNELCAST"].public_base_url
    for key in ("preferences_url", "unsubscribe_url"):
        url = delivery.fields[key]
        assert url in checker.links
        page = client.get(url.removeprefix(base))
        assert page.status_code == 200, key
    assert contact.email in client.get(delivery.fields["preferences_url"].removeprefix(base)).get_data(as_text=True)


def test_each_assembly_counts_the_newsletters_it_queued(app: Flask, session: Session, storage: InterestArea) -> None:
    news(storage)
    for _ in range(3):
        weekly_contact(storage)
    seen = []
    report = assemble_digests(
        session, TUESDAY_9_AMSTERDAM, app=app, batch_size=2, on_batch=lambda r: seen.append(r.contacts_seen)
    )
    assert seen == [2, 3]
    assert Counter(d.category for d in deliveries(session)) == {"digest": report.enqueued}


def test_an_item_archived_after_assembly_still_goes_out_as_assembled(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    from content.models import ContentStatus

    weekly_contact(storage)
    item = news(storage, title="Soon archived")
    assemble_digests(session, TUESDAY_9_AMSTERDAM, app=app)
    item.status = ContentStatus.ARCHIVED
    session.flush()
    (delivery,) = deliveries(session)
    body = session.get(RenderedBody, delivery.body_id)
    assert body is not None
    assert "Soon archived (en)" in FillTemplate.parse(body.text).fill(delivery.fields)


def test_the_preview_says_when_an_item_falls_back_to_its_default_language(
    app: Flask,
    client: FlaskClient,
    session: Session,
    storage: InterestArea,
    admin: User,
) -> None:
    import time_machine

    from tests.conftest import sign_in

    contact = weekly_contact(storage, locale="sv")
    news(storage, title="Only in English", at=TUESDAY_9_AMSTERDAM + dt.timedelta(days=7), hours_ago=30)
    with time_machine.travel(TUESDAY_9_AMSTERDAM + dt.timedelta(days=6), tick=False):
        page = sign_in(client, admin).get(f"/newsletters/contacts/{contact.id}").get_data(as_text=True)
    assert "Only in English (en)" in page
    assert "in English: no text in Svenska yet" in page
    assert "Tue, Mar 10, 2026, 9:00\u202fAM" in page


def test_digest_run_by_hand_reports_what_it_queued(app: Flask, session: Session, storage: InterestArea) -> None:
    weekly_contact(storage)
    news(storage)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["digest", "run", "--now", "2026-03-03T09:00"])
    assert refused.exit_code != 0
    assert "give a time zone" in refused.output
    result = runner.invoke(args=["digest", "run", "--now", "2026-03-03T09:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "1 newsletters queued (1 due of 1 contacts" in result.output
    assert len(deliveries(session)) == 1


def test_the_preview_never_shows_a_lower_tier_an_item_a_campaign_for_everyone_boosts(
    app: Flask, session: Session, storage: InterestArea
) -> None:
    next_week = TUESDAY_9_AMSTERDAM + dt.timedelta(days=7)
    news(storage, title="Open news", at=next_week, hours_ago=2)
    margins = news(storage, title="Platinum margins", at=next_week, hours_ago=30, allowed_tiers=("platinum",))
    CampaignFactory.create(
        status=CampaignStatus.LIVE,
        launch_at=next_week - dt.timedelta(days=1),
        ends_at=next_week + dt.timedelta(days=10),
        content_items=[margins],
    )
    silver = weekly_contact(storage, partner=PartnerFactory.create(tier="silver"))
    platinum = weekly_contact(storage, partner=PartnerFactory.create(tier="platinum"))
    now = TUESDAY_9_AMSTERDAM + dt.timedelta(days=6)
    seen = {
        contact.partner.tier: [item.card.title for item in preview_next_digest(session, app, contact, now).items]
        for contact in (silver, platinum)
    }
    assert seen == {"silver": ["Open news (en)"], "platinum": ["Platinum margins (en)", "Open news (en)"]}
