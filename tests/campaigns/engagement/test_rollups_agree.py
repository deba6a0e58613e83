"""Counted in batches of any size, the roll-ups say what counting the raw events one by one says:
per day and partner, per language, tier and country, per campaign and period, per item, and the scores."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from campaigns.delivery.models import Delivery, Event, EventKind
from campaigns.engagement.models import (
    ContactScore,
    ContentDimension,
    ContentRollup,
    EngagementRollup,
    EngagementSplit,
    EngagementTotal,
    RollupCursor,
)
from campaigns.engagement.rollups import WEIGHTS, roll_up_batch
from subscribers.models import Contact
from tests.campaigns.engagement.helpers import MONDAY, event, newsletter
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import ContentItemFactory
from tests.subscribers.factories import ContactFactory, PartnerFactory

NOW = MONDAY + dt.timedelta(days=5)
KINDS = (EventKind.OPEN, EventKind.CLICK, EventKind.DELIVERED, EventKind.BOUNCE, EventKind.UNSUBSCRIBE)
FIGURES = ("sent", "delivered", "opens", "unique_opens", "clicks", "unique_clicks", "machine_opens",
           "scanner_clicks", "bounces", "unsubscribes")  # fmt: skip


@dataclass(frozen=True)
class Happening:
    message: int  # which of the newsletters
    kind: EventKind
    automated: bool
    item: int | None  # which of its items a click was on
    day: int  # days after the newsletter went out


happenings = st.builds(
    Happening,
    message=st.integers(0, 3),
    kind=st.sampled_from(KINDS),
    automated=st.booleans(),
    item=st.one_of(st.none(), st.integers(0, 1)),
    day=st.integers(0, 2),
)


@dataclass
class Counted:
    """One event as the naive count sees it: everything it is counted under."""

    at: dt.datetime
    contact: Contact
    carried: list[int]  # the items of its newsletter
    campaign_ids: set[int]  # their campaigns
    message: int
    kind: EventKind
    automated: bool = False
    item: int | None = None  # the item clicked

    @property
    def weight(self) -> float:
        return 0.0 if self.automated else WEIGHTS.get(self.kind, 0.0)


def naive(events: list[Counted]) -> dict[tuple[str, object], Counter[str]]:
    """The figures counted event by event, oldest first: (view, key) -> figure -> count."""
    figures: dict[tuple[str, object], Counter[str]] = {}
    opened, clicked, clicked_items = set(), set(), set()
    for e in events:
        human = not e.automated
        add = Counter({name: int(happened) for name, happened in [
            ("sent", e.kind is EventKind.SENT),
            ("delivered", e.kind is EventKind.DELIVERED),
            ("opens", e.kind is EventKind.OPEN and human),
            ("clicks", e.kind is EventKind.CLICK and human),
            ("machine_opens", e.kind is EventKind.OPEN and e.automated),
            ("scanner_clicks", e.kind is EventKind.CLICK and e.automated),
            ("bounces", e.kind is EventKind.BOUNCE),
            ("unsubscribes", e.kind is EventKind.UNSUBSCRIBE),
        ]})  # fmt: skip
        if human and e.kind in (EventKind.OPEN, EventKind.CLICK) and e.message not in opened:
            opened.add(e.message)
            add["unique_opens"] += 1
        if human and e.kind is EventKind.CLICK and e.message not in clicked:
            clicked.add(e.message)
            add["unique_clicks"] += 1
        day = e.at.date()
        for campaign in {0, *e.campaign_ids}:
            by_partner, by_language = (campaign, day, e.contact.partner_id), (campaign, day, e.contact.locale)
            for key in [("partner", by_partner), ("split", by_language), ("total", campaign)]:
                figures.setdefault(key, Counter()).update(add)
        for item_id in e.carried:  # an item counts the newsletters that carried it, and their first opens
            figures.setdefault(("item", item_id), Counter()).update(sent=add["sent"], unique_opens=add["unique_opens"])
        if human and e.kind is EventKind.CLICK and e.item is not None:
            item = figures.setdefault(("item", e.item), Counter())
            item["clicks"] += 1
            if (e.message, e.item) not in clicked_items:
                clicked_items.add((e.message, e.item))
                item["unique_clicks"] += 1
    return {key: +counter for key, counter in figures.items()}


def counted(session: Session) -> dict[tuple[str, object], Counter[str]]:
    """The same figures as the roll-up tables hold them."""
    figures: dict[tuple[str, object], Counter[str]] = {}
    R, S, T, C = EngagementRollup, EngagementSplit, EngagementTotal, ContentRollup
    views: list[tuple[str, Callable[[Any], object], Select[Any], tuple[str, ...]]] = [
        ("partner", lambda r: (r.campaign_id, r.day, r.partner_id), select(R), FIGURES),
        ("split", lambda r: (r.campaign_id, r.day, r.locale), select(S), FIGURES),
        ("total", lambda r: r.campaign_id, select(T), FIGURES),
        ("item", lambda r: r.key_id, select(C).where(C.dimension == ContentDimension.ITEM),
         ("sent", "unique_opens", "clicks", "unique_clicks")),
    ]  # fmt: skip
    for view, key, statement, names in views:
        for row in session.scalars(statement):
            counter = figures.setdefault((view, key(row)), Counter())
            counter.update({name: getattr(row, name) for name in names})
    return {key: +counter for key, counter in figures.items() if +counter}


@pytest.fixture
def world(session: Session) -> tuple[list[Delivery], list[list[int]], dict[int, set[int]]]:
    """Four newsletters to three contacts of two partners; their items, and each item's campaigns."""
    gold, silver = PartnerFactory.create(tier="gold", country="NL"), PartnerFactory.create(tier="silver", country="DE")
    people = [ContactFactory.create(partner=gold, locale="nl"), ContactFactory.create(partner=gold, locale="en"),
              ContactFactory.create(partner=silver, locale="de")]  # fmt: skip
    first, second = ContentItemFactory.create(), ContentItemFactory.create()
    spring = CampaignFactory.create(content_items=[first])
    items = [[first.id, second.id], [second.id], [first.id, second.id], [first.id]]
    mails = [newsletter(session, people[n % 3], f"2026-0{n + 1}", items[n], subject=f"N{n}") for n in range(4)]
    return mails, items, {first.id: {spring.id}, second.id: set()}


# 15 stories: each costs a few seconds on PostgreSQL (temporary tables per batch), and CI runs both databases.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(story=st.lists(happenings, max_size=25), batch_size=st.integers(1, 6))
def test_roll_ups_counted_in_batches_say_what_counting_each_event_says(
    app: Flask,
    session: Session,
    world: tuple[list[Delivery], list[list[int]], dict[int, set[int]]],
    story: list[Happening],
    batch_size: int,
) -> None:
    mails, items, campaigns_of = world
    savepoint = session.begin_nested()  # each example starts from the four newsletters, nothing counted
    try:
        expected = [sent_event(session, mail, items[n], campaigns_of) for n, mail in enumerate(mails)]
        for happening in story:
            mail = mails[happening.message]
            carried = items[happening.message]
            item = carried[happening.item % len(carried)] if happening.item is not None else None
            at = MONDAY + dt.timedelta(days=happening.day, hours=1)
            event(session, happening.kind, mail, at=at, automated=happening.automated, item=item)
            expected.append(sent_event(session, mail, carried, campaigns_of, at=at, kind=happening.kind,
                                       automated=happening.automated, item=item))  # fmt: skip
        with app.app_context():
            newest = session.scalar(select(func.max(Event.id)))
            while session.scalar(select(RollupCursor.last_event_id)) != newest:  # ids rolled back leave gaps
                roll_up_batch(session, NOW, batch_size=batch_size)
        assert counted(session) == naive(expected)  # in the order of their ids
        for contact in {e.contact for e in expected}:
            stored = session.get(ContactScore, contact.id)
            want = sum(e.weight * 0.5 ** ((NOW - e.at).total_seconds() / 86_400 / 30) for e in expected
                       if e.contact == contact)  # fmt: skip
            assert (stored.score if stored else 0.0) == pytest.approx(want)
    finally:
        savepoint.rollback()


def contact_of(session: Session, mail: Delivery) -> Contact:
    contact = session.get(Contact, mail.contact_id)
    assert contact is not None
    return contact


def sent_event(
    session: Session, mail: Delivery, carried: list[int], campaigns_of: dict[int, set[int]], *,
    at: dt.datetime = MONDAY, kind: EventKind = EventKind.SENT, automated: bool = False, item: int | None = None,
) -> Counted:  # fmt: skip
    """An event of `mail` as the naive count sees it (by default the `sent` event `newsletter()` wrote)."""
    campaigns = set().union(*(campaigns_of[i] for i in carried))
    return Counted(at, contact_of(session, mail), carried, campaigns, mail.id, kind, automated, item)
