"""Readers alike share one newsletter choice: the run's shortcut gives each reader what asking alone would.

A newsletter run answers 100,000 contacts from a cache keyed by everything about a reader but who
they are (`choice_for`). Hypothesis generates groups of readers that differ from the first in one
field each (time zone, rhythm, hour, tier, partner type, country, language, topics, competencies,
or who they are), and for each the shared run's choice must equal what a fresh run, asked
about that reader alone, selects: the same items in the same order, the same reasons, the same
edition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from campaigns.digests.assembly import (
    Reader,
    choice_for,
    edition_for,
    new_run_state,
    newsletter_items,
    why_these_items,
)
from campaigns.planning.models import CampaignStatus
from content.models import Competency, InterestArea
from subscribers.models import PartnerType
from subscribers.schedule import Frequency
from tests.campaigns.factories import CampaignFactory
from tests.content.factories import CompetencyFactory, ContentItemFactory, InterestAreaFactory

# Tuesday 3 March 2026, 23:00 UTC: every Tuesday slot in Europe has passed.
NOW = dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC)
LANGUAGES = ("en", "nl", "de")
TIERS = ("registered", "silver", "gold")


@pytest.fixture
def areas(session: Session) -> list[InterestArea]:
    return [InterestAreaFactory.create(slug=slug, names={"en": slug.title()}) for slug in ("storage", "cloud", "ai")]


@pytest.fixture
def competency(session: Session) -> Competency:
    return CompetencyFactory.create()


@pytest.fixture
def library(session: Session, areas: list[InterestArea], competency: Competency) -> None:
    """Items published across the windows, some just inside one reader's window and outside
    another's (an hour, a weekday, a time zone apart), in one to three languages, some for some
    tiers only or gated by a competency; campaigns targeting by tier, partner type, country,
    language and competency."""
    storage, cloud, ai = areas
    made = []
    for n, (hours_ago, topics, locales, tiers, gated) in enumerate(
        [
            (20, [storage], ("en", "nl"), (), False),
            (30, [cloud], ("en",), (), False),
            (40, [storage, cloud], ("en", "de"), ("gold",), False),
            (60, [ai], ("en", "nl", "de"), (), True),
            (100, [storage], ("en",), ("silver", "gold"), False),
            (170, [cloud, storage], ("en", "nl"), (), False),  # after Tuesday's slot, before Wednesday's
            (180, [storage, ai], ("en", "de"), (), False),  # after New York's slot, before Europe's
            (183.5, [storage, cloud, ai], ("en",), (), False),  # after 08:00 in Amsterdam, before 09:00
            (240, [cloud, ai], ("en", "nl"), (), False),
            (500, [storage], ("en", "de"), (), False),
            (1000, [ai], ("en",), (), False),
        ]
    ):
        made.append(
            ContentItemFactory.create(
                title=f"Item {n}",
                interest_areas=topics,
                locales=locales,
                allowed_tiers=tiers,
                required_competency=competency if gated else None,
                publish_at=NOW - dt.timedelta(hours=hours_ago),
                cta_url=f"https://vendor.example/{n}",
                cta_label="Read",
                priority=50 + 10 * (n % 3),
            )
        )
    live = {
        "status": CampaignStatus.LIVE,
        "ends_at": NOW + dt.timedelta(days=10),
        "launch_at": NOW - dt.timedelta(days=2),
    }
    CampaignFactory.create(name="Gold push", target_tiers=["gold"], content_items=[made[9]], **live)
    CampaignFactory.create(name="Dutch partners", target_countries=["NL"], content_items=[made[8]], **live)
    CampaignFactory.create(
        name="Sellers", target_partner_types=[PartnerType.SALES.value], content_items=[made[4]], **live
    )
    CampaignFactory.create(name="In German", target_locales=["de"], content_items=[made[6]], **live)
    CampaignFactory.create(
        name="Certified AI", required_competency_id=competency.id, content_items=[made[3]], interest_areas=[ai], **live
    )
    session.flush()


def pools(area_ids: list[int], competency_id: int) -> dict[str, st.SearchStrategy[Any]]:
    """Each Reader field's few values (few, so that readers share shapes)."""
    return {
        "contact_id": st.integers(1, 10_000),
        "name": st.sampled_from(("Ann Smith", "Bo", "")),
        "locale": st.sampled_from(LANGUAGES),
        "timezone": st.sampled_from(("Europe/Amsterdam", "Europe/Warsaw", "America/New_York")),
        "frequency": st.sampled_from((Frequency.WEEKLY, Frequency.MONTHLY)),
        "weekday": st.sampled_from((1, 2)),
        "hour": st.sampled_from((8, 9)),
        "link_version": st.integers(1, 3),
        "partner_id": st.integers(1, 5),
        "partner_name": st.sampled_from(("Acme", "Globex")),
        "tier": st.sampled_from(TIERS),
        "partner_type": st.sampled_from((PartnerType.SALES.value, PartnerType.SERVICE.value)),
        "country": st.sampled_from(("NL", "DE")),
        "interest_ids": st.frozensets(st.sampled_from(area_ids), max_size=3),
        "competency_ids": st.sampled_from((frozenset(), frozenset({competency_id}))),
    }


@st.composite
def groups(draw: st.DrawFn, area_ids: list[int], competency_id: int) -> list[Reader]:
    """A reader and others that differ from them in one field each (or in none)."""
    values = pools(area_ids, competency_id)
    assert set(values) == {f.name for f in fields(Reader)}  # every field of a reader is drawn
    base = Reader(**{name: draw(strategy) for name, strategy in values.items()})
    group = [base]
    for name in draw(st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=12)):
        group.append(replace(base, **{name: draw(values[name])}))
    return draw(st.permutations(group))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_shared_choice_is_what_each_reader_alone_would_get(
    app: Flask, session: Session, areas: list[InterestArea], competency: Competency, library: None, data: st.DataObject
) -> None:
    shared = new_run_state(session, app, NOW, max_items=6)
    group = data.draw(groups([area.id for area in areas], competency.id))
    for reader in group:
        choice = choice_for(shared, reader)
        alone = new_run_state(session, app, NOW, max_items=6)
        items = newsletter_items(alone, reader)
        assert choice.items == items
        if not items:
            assert choice.why is None
            assert choice.edition is None
            continue
        assert choice.edition == edition_for(alone, reader.locale, items)
        why = why_these_items(alone, reader, items)
        assert choice.why == why
        assert shared.reasons_by_hash[why] == alone.reasons_by_hash[why]
