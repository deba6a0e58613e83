"""The audit trail: what an entry holds, the hash chain that shows tampering, and the retention purge."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask import Flask, g
from flask_login import login_user
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from core.audit import (
    COMMAND_LINE,
    SCHEDULER,
    AuditChainHead,
    AuditEntry,
    changes_between,
    purge_expired,
    record,
    verify_chain,
)
from core.audit.trail import retention_cutoff
from core.auth.models import User

pytestmark = pytest.mark.usefixtures("empty_trail")


def entries(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_an_entry_names_the_signed_in_user_their_address_and_the_request(
    app: Flask, session: Session, admin: User
) -> None:
    with app.test_request_context("/somewhere", environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        g.request_id = "req-12345678"
        login_user(admin)
        entry = record(session, "contact.export", object_type="contact", object_id=42, object_label="jan@p.example",
                       scope="partner:3")  # fmt: skip
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == ("user", admin.id, "Ada Admin")
    assert (entry.ip, entry.request_id) == ("203.0.113.7", "req-12345678")
    assert (entry.object_id, entry.scope) == ("42", "partner:3")


def test_outside_a_request_the_actor_is_the_command_line_or_whoever_the_caller_names(
    app: Flask, session: Session
) -> None:
    with app.app_context():
        assert record(session, "x.y", object_type="thing", object_id=None, actor=SCHEDULER).actor_label == "Scheduler"
    runner = app.test_cli_runner()
    # A CLI command runs in a click context: the actor says so.
    import click

    @click.command("who")
    def who() -> None:
        click.echo(record(session, "x.z", object_type="thing", object_id=1).actor_label)

    assert runner.invoke(who).output.strip() == COMMAND_LINE.label


def test_changes_are_short_strings_and_secret_looking_fields_are_never_stored(app: Flask, session: Session) -> None:
    before = {"tier": "silver", "password": "old-secret-1234", "api_key": "k1", "active": True, "tags": ["a", "b"]}
    after = {"tier": "gold", "password": "new-secret-5678", "api_key": "k2", "active": False, "tags": ["a", "b"],
             "note": "x" * 500, "reset_token": "t"}  # fmt: skip
    with app.app_context():
        entry = record(session, "partner.update", object_type="partner", object_id=1,
                       changes=changes_between(before, after))  # fmt: skip
    assert set(entry.changes) == {"tier", "active", "note"}
    assert entry.changes["tier"] == ("silver", "gold")
    assert entry.changes["active"] == ("yes", "no")
    assert len(entry.changes["note"][1]) == 200
    assert "secret" not in entry.changes_json
    assert "k2" not in entry.changes_json


def test_an_untouched_trail_verifies_and_each_entry_links_to_the_one_before(app: Flask, session: Session) -> None:
    with app.app_context():
        first = record(session, "a.one", object_type="thing", object_id=1)
        second = record(session, "a.two", object_type="thing", object_id=2)
    assert second.id == first.id + 1
    assert second.prev_hash == first.hash
    report = verify_chain(session)
    assert report.ok
    assert report.checked == len(entries(session))


def _three_entries(app: Flask, session: Session) -> list[AuditEntry]:
    with app.app_context():
        return [record(session, f"a.n{n}", object_type="thing", object_id=n, detail=f"number {n}") for n in range(3)]


def test_a_row_changed_in_the_database_is_named_by_verify(app: Flask, session: Session) -> None:
    made = _three_entries(app, session)
    session.execute(update(AuditEntry).where(AuditEntry.id == made[1].id).values(detail="nothing to see"))
    session.expire_all()
    report = verify_chain(session)
    assert report.first_break is not None
    assert report.first_break.entry_id == made[1].id
    assert "changed" in str(report.first_break)


def test_a_row_deleted_in_the_middle_or_at_the_end_is_noticed(app: Flask, session: Session) -> None:
    ids = [entry.id for entry in _three_entries(app, session)]
    session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": ids[1]})
    report = verify_chain(session)
    assert report.first_break is not None
    assert report.first_break.entry_id == ids[2]
    assert f"#{ids[1]}" in str(report.first_break)

    session.execute(text("DELETE FROM audit_entries WHERE id >= :id"), {"id": ids[1]})
    session.expire_all()
    report = verify_chain(session)
    assert report.first_break is not None
    assert f"#{ids[2]}" in str(report.first_break)


def test_audit_verify_exits_non_zero_and_names_the_altered_row(app: Flask, session: Session) -> None:
    made = _three_entries(app, session)
    runner = app.test_cli_runner()
    good = runner.invoke(args=["audit", "verify"])
    assert good.exit_code == 0, good.output
    assert "verifies" in good.output
    session.execute(update(AuditEntry).where(AuditEntry.id == made[0].id).values(actor_label="Somebody Else"))
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert f"entry #{made[0].id}" in bad.output


def test_the_purge_keeps_the_retention_period_records_itself_and_verify_still_passes(
    app: Flask, session: Session
) -> None:
    with time_machine.travel(dt.datetime(2023, 12, 10, 12, tzinfo=dt.UTC), tick=False), app.app_context():
        old = [record(session, "a.old", object_type="thing", object_id=n) for n in range(3)]
    with time_machine.travel(dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC), tick=False), app.app_context():
        kept = record(session, "a.recent", object_type="thing", object_id=9)
    now = dt.datetime(2026, 1, 6, 8, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False), app.app_context():
        removed = purge_expired(session, now, 730, actor=SCHEDULER)
        assert purge_expired(session, now, 730) == 0  # nothing more today
    assert removed >= 3
    remaining = entries(session)
    assert all(entry.id not in {o.id for o in old} for entry in remaining)
    purge = remaining[-1]
    assert (purge.action, purge.actor_label) == ("audit.purge", "Scheduler")
    assert f"{removed} entries" in purge.detail
    assert remaining[0].id == kept.id
    assert verify_chain(session).ok


def test_a_moved_anchor_without_a_purge_to_back_it_fails_verify(app: Flask, session: Session) -> None:
    last = _three_entries(app, session)[2]
    last_id, last_prev = last.id, last.prev_hash
    # Someone deletes the oldest entries and moves the anchor to hide it.
    session.execute(text("DELETE FROM audit_entries WHERE id < :id"), {"id": last_id})
    session.execute(update(AuditChainHead).values(anchor_id=last_id, anchor_hash=last_prev))
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok
    assert "purge" in str(report.first_break)


def test_the_cutoff_is_midnight_so_the_purge_runs_at_most_once_a_day() -> None:
    morning = retention_cutoff(dt.datetime(2026, 3, 3, 0, 5, tzinfo=dt.UTC), 730)
    evening = retention_cutoff(dt.datetime(2026, 3, 3, 23, 55, tzinfo=dt.UTC), 730)
    assert morning == evening == dt.datetime(2024, 3, 3, tzinfo=dt.UTC)


@pytest.mark.parametrize("kind", ["robot", ""])
def test_an_unknown_actor_kind_is_refused(kind: str) -> None:
    from core.audit import Actor

    with pytest.raises(ValueError, match="actor kind"):
        Actor(kind, None, "Robbie")


def test_the_scheduler_tick_and_the_purge_command_apply_the_retention_setting(app: Flask, session: Session) -> None:
    from core.scheduler import registered_ticks

    with time_machine.travel(dt.datetime(2023, 6, 1, 12, tzinfo=dt.UTC), tick=False), app.app_context():
        record(session, "a.old", object_type="thing", object_id=1)
    tick = registered_ticks(app)["audit retention"]
    now = dt.datetime(2026, 1, 6, 8, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False), app.app_context():
        assert tick(session, now) == "1 old entry removed"
        assert tick(session, now) == "nothing to remove"
        result = app.test_cli_runner().invoke(args=["audit", "purge"])
    assert result.output.strip() == "Nothing to remove."
    assert [(e.action, e.actor_label) for e in entries(session)] == [("audit.purge", "Scheduler")]
