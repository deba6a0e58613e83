"""Roll-ups: every event counted once, unique human opens and clicks per message, machine opens kept
apart, split by campaign, period, partner, tier, language, country, item and area; erasure keeps counts."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Event, EventKind
from campaigns.engagement.models import (
    ContactScore,
    ContentDimension,
    ContentRollup,
    EngagementRollup,
    EngagementSplit,
    RollupCursor,
    RollupGap,
)
from campaigns.engagement.rollups import roll_up_batch
from subscribers.models import Contact
from subscribers.rights import erase_contact
from tests.campaigns.engagement.helpers import MONDAY, event, newsletter
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import ContentItemFactory, InterestAreaFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory

LATER = MONDAY + dt.timedelta(hours=3)


def totals(session: Session, campaign_id: int = 0, **where: object) -> dict[str, int]:
    """A campaign's figures, by partner, or by language, tier and country (the two roll-ups)."""
    columns = ("sent", "delivered", "opens", "unique_opens", "clicks", "unique_clicks", "machine_opens",
               "scanner_clicks", "unsubscribes", "kit_downloads")  # fmt: skip
    table = EngagementSplit if where.keys() & {"locale", "tier", "country"} else EngagementRollup
    statement = select(*[func.coalesce(func.sum(getattr(table, c)), 0) for c in columns]).where(
        table.campaign_id == campaign_id, *[getattr(table, name) == value for name, value in where.items()]
    )
    return dict(zip(columns, (int(v) for v in session.execute(statement).one()), strict=True))


def test_a_message_opened_three_times_and_clicked_twice_counts_one_unique_open_and_one_unique_click(
    app: Flask, session: Session
) -> None:
    jan = ContactFactory.create(locale="nl", partner=PartnerFactory.create(tier="gold", country="NL"))
    mail = newsletter(session, jan, "2026-03")
    for minutes in (60, 90, 120):
        event(session, EventKind.OPEN, mail, at=MONDAY + dt.timedelta(minutes=minutes))
    event(session, EventKind.OPEN, mail, automated=True)  # a privacy proxy fetching the pixel
    event(session, EventKind.CLICK, mail, at=LATER)
    event(session, EventKind.CLICK, mail, at=LATER + dt.timedelta(minutes=1))
    event(session, EventKind.CLICK, mail, automated=True)  # a link scanner
    with app.app_context():
        assert roll_up_batch(session, LATER) == 8
    assert totals(session) == {
        "sent": 1, "delivered": 0, "opens": 3, "unique_opens": 1, "clicks": 2, "unique_clicks": 1,
        "machine_opens": 1, "scanner_clicks": 1, "unsubscribes": 0, "kit_downloads": 0,
    }  # fmt: skip
    assert totals(session, tier="gold", country="NL", locale="nl", period="2026-03")["unique_opens"] == 1


def test_events_arriving_later_are_counted_once_in_the_next_run_and_never_again(app: Flask, session: Session) -> None:
    jan = ContactFactory.create()
    mail = newsletter(session, jan, "2026-03")
    event(session, EventKind.OPEN, mail)
    with app.app_context():
        roll_up_batch(session, LATER)
        event(session, EventKind.OPEN, mail, at=LATER)  # a second open of the same message
        event(session, EventKind.CLICK, mail, at=LATER)  # first click: counts as unique
        assert roll_up_batch(session, LATER) == 2
        assert roll_up_batch(session, LATER) == 0
    assert totals(session)["opens"] == 2
    assert totals(session)["unique_opens"] == 1
    assert totals(session)["unique_clicks"] == 1
    assert session.scalar(select(RollupCursor.counted)) == 4


def test_a_click_without_a_tracked_open_still_counts_as_an_open_of_the_message(app: Flask, session: Session) -> None:
    mail = newsletter(session, ContactFactory.create(), "2026-03")
    event(session, EventKind.CLICK, mail)  # the mail app blocked the pixel
    with app.app_context():
        roll_up_batch(session, LATER)
    assert (totals(session)["unique_opens"], totals(session)["unique_clicks"]) == (1, 1)


def test_a_newsletter_counts_for_every_campaign_its_items_belong_to_and_a_kit_download_for_its_campaign(
    app: Flask, session: Session
) -> None:
    storage = ContentItemFactory.create()
    other = ContentItemFactory.create()
    spring = CampaignFactory.create(content_items=[storage])
    autumn = CampaignFactory.create()
    jan = ContactFactory.create()
    mail = newsletter(session, jan, "2026-03", [storage.id, other.id])
    event(session, EventKind.OPEN, mail)
    event(session, EventKind.KIT_DOWNLOAD, contact_id=None, campaign_id=autumn.id, partner_id=jan.partner_id)
    with app.app_context():
        roll_up_batch(session, LATER)
    assert totals(session, spring.id)["sent"] == 1
    assert totals(session, spring.id)["unique_opens"] == 1
    assert totals(session, autumn.id)["kit_downloads"] == 1
    assert totals(session, autumn.id, partner_id=jan.partner_id)["kit_downloads"] == 1
    assert totals(session)["kit_downloads"] == 1


def test_items_count_the_newsletters_that_carried_them_and_areas_count_a_newsletter_once(
    app: Flask, session: Session
) -> None:
    area = InterestAreaFactory.create()
    first, second = ContentItemFactory.create(interest_areas=[area]), ContentItemFactory.create(interest_areas=[area])
    mail = newsletter(session, ContactFactory.create(), "2026-03", [first.id, second.id])
    event(session, EventKind.OPEN, mail)
    event(session, EventKind.CLICK, mail, item=first.id)
    event(session, EventKind.CLICK, mail, item=first.id)
    event(session, EventKind.CLICK, mail, item=second.id, automated=True)
    with app.app_context():
        roll_up_batch(session, LATER)

    def row(dimension: ContentDimension, key: int) -> tuple[int, int, int, int]:
        found = session.execute(
            select(func.sum(ContentRollup.sent), func.sum(ContentRollup.unique_opens), func.sum(ContentRollup.clicks),
                   func.sum(ContentRollup.unique_clicks))
            .where(ContentRollup.dimension == dimension, ContentRollup.key_id == key)
        ).one()  # fmt: skip
        return tuple(int(v or 0) for v in found)  # type: ignore[return-value]

    assert row(ContentDimension.ITEM, first.id) == (1, 1, 2, 1)
    assert row(ContentDimension.ITEM, second.id) == (1, 1, 0, 0)
    assert row(ContentDimension.AREA, area.id) == (1, 1, 2, 1)


def test_erasing_a_contact_removes_their_events_but_keeps_the_counts(app: Flask, session: Session) -> None:
    jan = ContactFactory.create()
    mail = newsletter(session, jan, "2026-03")
    event(session, EventKind.OPEN, mail)
    with app.app_context():
        roll_up_batch(session, LATER)
        erase_contact(session, jan, app, source="admin")
        roll_up_batch(session, LATER)
    assert session.scalar(select(func.count()).select_from(Event)) == 0
    assert session.get(Contact, jan.id) is None
    assert session.get(ContactScore, jan.id) is None  # a person's score goes with them
    assert totals(session)["unique_opens"] == 1


def test_an_event_whose_transaction_commits_after_the_cursor_passed_it_is_still_counted(
    app: Flask, session: Session
) -> None:
    mail = newsletter(session, ContactFactory.create(), "2026-03")
    late = event(session, EventKind.OPEN, mail)
    event(session, EventKind.CLICK, mail, at=LATER)
    late_id = late.id
    session.delete(late)  # as if its transaction had not committed yet when the roll-up looked
    session.flush()
    with app.app_context():
        assert roll_up_batch(session, LATER) == 2  # the sent event and the click
        session.add(Event(id=late_id, kind=EventKind.OPEN, delivery_id=mail.id, contact_id=mail.contact_id,
                          occurred_at=MONDAY, detail={}))  # fmt: skip
        session.flush()
        assert roll_up_batch(session, LATER) == 1
    assert totals(session)["opens"] == 1


@pytest.mark.parametrize("kind", [EventKind.BOUNCE, EventKind.UNSUBSCRIBE])
def test_bounces_and_unsubscribes_are_counted_under_the_partner(app: Flask, session: Session, kind: EventKind) -> None:
    jan = ContactFactory.create()
    mail = newsletter(session, jan, "2026-03")
    event(session, kind, mail)
    with app.app_context():
        roll_up_batch(session, LATER)
    figures = totals(session, partner_id=jan.partner_id)
    assert figures["unsubscribes"] == (1 if kind is EventKind.UNSUBSCRIBE else 0)
    assert figures["sent"] == 1


def test_the_count_command_counts_new_events_at_once(app: Flask, session: Session) -> None:
    mail = newsletter(session, ContactFactory.create(), "2026-03")
    event(session, EventKind.OPEN, mail)
    result = app.test_cli_runner().invoke(args=["engagement", "count"])
    assert result.exit_code == 0, result.output
    assert "2 events counted" in result.output
    assert totals(session)["unique_opens"] == 1


def test_an_event_that_commits_between_the_gap_check_and_the_count_is_counted_once(
    app: Flask, session: Session
) -> None:
    jan = ContactFactory.create()
    mail = newsletter(session, jan, "2026-03")
    opened = event(session, EventKind.OPEN, mail, at=LATER)
    # What the gap check saw a moment before the count: the open's transaction was still open.
    session.add(RollupGap(event_id=opened.id, noticed_at=LATER))
    session.flush()
    with app.app_context():
        roll_up_batch(session, LATER)
    assert totals(session)["opens"] == 1
    assert session.scalar(select(func.count()).where(RollupGap.event_id == opened.id)) == 0  # and forgotten
