import datetime as dt

import pytest
import time_machine
from flask import Flask
from sqlalchemy.orm import Session

from content.models import ContentItem, ContentStatus, InterestArea
from content.selection import ReaderScope, published_content_for
from content.workflow import ALLOWED_MOVES, WorkflowError, move_item, publish_due_items
from core.auth import User
from core.scheduler import run_ticks
from tests.content.factories import NOW, ContentItemFactory

S = ContentStatus


def draft(area: InterestArea, **fields: object) -> ContentItem:
    return ContentItemFactory.create(status=S.DRAFT, interest_areas=[area], publish_at=None, **fields)


def test_an_item_goes_from_draft_to_archived_and_every_move_is_logged_with_who_and_when(
    session: Session, storage_area: InterestArea, marketer: User, admin: User
) -> None:
    item = draft(storage_area)
    steps = [(S.IN_REVIEW, marketer), (S.APPROVED, admin), (S.PUBLISHED, marketer), (S.ARCHIVED, admin)]
    for hour, (target, who) in enumerate(steps):
        move_item(session, item, target, by=who, now=NOW + dt.timedelta(hours=hour))
    assert item.status is S.ARCHIVED
    log = [(step.from_status, step.to_status, step.by_name, step.at) for step in item.transitions]
    assert log == [
        (S.DRAFT, S.IN_REVIEW, "Mia Marketer", NOW),
        (S.IN_REVIEW, S.APPROVED, "Ada Admin", NOW + dt.timedelta(hours=1)),
        (S.APPROVED, S.PUBLISHED, "Mia Marketer", NOW + dt.timedelta(hours=2)),
        (S.PUBLISHED, S.ARCHIVED, "Ada Admin", NOW + dt.timedelta(hours=3)),
    ]


def test_a_draft_cannot_be_published_straight_away_and_the_message_says_where_it_can_go(
    session: Session, storage_area: InterestArea, marketer: User
) -> None:
    item = draft(storage_area)
    with pytest.raises(
        WorkflowError, match="state Draft cannot move to Published; from here it can go to: In review, Archived"
    ):
        move_item(session, item, S.PUBLISHED, by=marketer)
    assert item.status is S.DRAFT
    assert item.transitions == []


@pytest.mark.parametrize("role_fixture", ["viewer", "account_manager"])
def test_only_marketers_and_admins_move_items(
    session: Session, storage_area: InterestArea, role_fixture: str, request: pytest.FixtureRequest
) -> None:
    item = draft(storage_area)
    with pytest.raises(WorkflowError, match="Only marketers and administrators"):
        move_item(session, item, S.IN_REVIEW, by=request.getfixturevalue(role_fixture))


def test_an_item_without_its_default_language_or_an_area_cannot_go_to_review(
    session: Session, storage_area: InterestArea, marketer: User
) -> None:
    no_default = draft(storage_area, default_locale="de", locales=("en",))
    with pytest.raises(WorkflowError, match="default language"):
        move_item(session, no_default, S.IN_REVIEW, by=marketer)
    no_area = ContentItemFactory.create(status=S.DRAFT, interest_areas=[])
    with pytest.raises(WorkflowError, match="at least one interest area"):
        move_item(session, no_area, S.IN_REVIEW, by=marketer)


def test_every_status_has_a_way_out_and_nothing_leads_back_to_in_review_except_from_draft() -> None:
    assert set(ALLOWED_MOVES) == set(ContentStatus)
    assert all(ALLOWED_MOVES[status] for status in ContentStatus)
    into_review = [source for source, moves in ALLOWED_MOVES.items() if S.IN_REVIEW in {m.target for m in moves}]
    assert into_review == [S.DRAFT]


def test_publish_now_over_a_later_schedule_publishes_at_once(
    session: Session, storage_area: InterestArea, admin: User
) -> None:
    item = ContentItemFactory.create(
        status=S.APPROVED, interest_areas=[storage_area], publish_at=NOW + dt.timedelta(days=3)
    )
    move_item(session, item, S.PUBLISHED, by=admin, now=NOW)
    assert item.publish_at == NOW


def test_an_approved_item_appears_at_its_publish_time_without_anyone_clicking(
    session: Session, storage_area: InterestArea
) -> None:
    publish_at = NOW + dt.timedelta(hours=2)
    item = ContentItemFactory.create(
        status=S.APPROVED, interest_areas=[storage_area], publish_at=publish_at, title="Scheduled"
    )

    def visible(now: dt.datetime) -> list[int]:
        scope = ReaderScope(interest_ids=frozenset({storage_area.id}), tier="gold")
        return [s.item.id for s in published_content_for(session, scope, ("en",), now, 10)]

    assert visible(publish_at - dt.timedelta(minutes=1)) == []
    assert visible(publish_at) == [item.id]


def test_the_minute_tick_marks_due_approved_items_published_as_the_scheduler(
    app: Flask, session: Session, storage_area: InterestArea
) -> None:
    due = ContentItemFactory.create(
        status=S.APPROVED, interest_areas=[storage_area], publish_at=NOW - dt.timedelta(minutes=1)
    )
    later = ContentItemFactory.create(
        status=S.APPROVED, interest_areas=[storage_area], publish_at=NOW + dt.timedelta(hours=1)
    )
    with time_machine.travel(NOW, tick=False):
        assert run_ticks(app, NOW)["publish due content"] == "1 item published"
    session.refresh(due)
    session.refresh(later)
    assert (due.status, later.status) == (S.PUBLISHED, S.APPROVED)
    assert [(t.to_status, t.by_name, t.at) for t in due.transitions] == [(S.PUBLISHED, "Scheduler", NOW)]


def test_running_the_publish_tick_twice_records_the_move_once(session: Session, storage_area: InterestArea) -> None:
    item = ContentItemFactory.create(
        status=S.APPROVED, interest_areas=[storage_area], publish_at=NOW - dt.timedelta(minutes=1)
    )
    assert publish_due_items(session, NOW) == "1 item published"
    assert publish_due_items(session, NOW) == "nothing due"
    session.refresh(item)
    assert len(item.transitions) == 1
