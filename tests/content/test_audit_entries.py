"""Workflow moves (the scheduler's included), item edits and interest-area changes are audited."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import ContentStatus
from content.services import create_area, move_area, retire_area, update_area
from content.workflow import move_item, publish_due_items
from core.audit import AuditEntry, verify_chain
from core.auth.models import User
from tests.content.factories import NOW, ContentItemFactory, InterestAreaFactory

pytestmark = pytest.mark.usefixtures("empty_trail")


def trail(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_move_by_a_marketer_and_a_publish_by_the_scheduler_name_who_did_it(
    app: Flask, session: Session, marketer: User
) -> None:
    area = InterestAreaFactory.create()
    draft = ContentItemFactory.create(status=ContentStatus.DRAFT, title="Spring storage", interest_areas=[area])
    approved = ContentItemFactory.create(status=ContentStatus.APPROVED, title="Cloud week", interest_areas=[area],
                                  publish_at=NOW - dt.timedelta(minutes=1))  # fmt: skip
    with app.test_request_context():
        from flask_login import login_user

        login_user(marketer)
        move_item(session, draft, ContentStatus.IN_REVIEW, by=marketer)
    publish_due_items(session, NOW)
    first, second = trail(session)
    assert (first.action, first.actor_label, first.object_label) == (
        "content.move",
        "Mia Marketer",
        "Spring storage (en)",
    )
    assert first.changes == {"status": ("Draft", "In review")}
    assert (second.actor_kind, second.actor_label, second.object_id) == ("scheduler", "Scheduler", str(approved.id))
    assert second.changes == {"status": ("Approved", "Published")}


def test_interest_area_changes_are_recorded_with_what_changed(app: Flask, session: Session) -> None:
    with app.app_context():
        area = create_area(session, "edge", {"en": "Edge"}, {})
        update_area(session, area, {"en": "Edge computing", "de": "Edge-Computing"}, {})
        InterestAreaFactory.create()
        move_area(session, area, offset=1)
        retire_area(session, area)
    actions = [(e.action, e.changes) for e in trail(session)]
    assert actions[0] == (
        "interest_area.create",
        {"active": ("", "yes"), "name_en": ("", "Edge"), "slug": ("", "edge")},
    )
    assert actions[1] == (
        "interest_area.update",
        {"name_en": ("Edge", "Edge computing"), "name_de": ("", "Edge-Computing")},
    )
    assert actions[2][0] == "interest_area.move"
    assert actions[3] == ("interest_area.retire", {"active": ("yes", "no")})
    assert verify_chain(session).ok
