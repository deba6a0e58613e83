"""Two writers at once on PostgreSQL: the second waits for the first, and the chain never forks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from core import migrate
from core.audit import SYSTEM, AuditEntry, record, verify_chain
from core.db import make_engine
from tests.conftest import fresh_database_url


@pytest.fixture
def pg_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url(backend, tmp_path, "audit_race"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _backend_pid(session: Session) -> int:
    return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


def _waits_for_a_lock(engine: Engine, pid: int) -> bool:
    with engine.connect() as connection:
        state = connection.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
    return state == "Lock"


@pytest.mark.pg
def test_a_second_writer_waits_for_the_first_and_chains_onto_its_entry(pg_engine: Engine) -> None:
    first, second = Session(pg_engine), Session(pg_engine)
    try:
        mine = record(first, "race.first", object_type="thing", object_id=1, actor=SYSTEM)
        second_pid = _backend_pid(second)
        result: list[AuditEntry] = []
        writer = threading.Thread(
            target=lambda: result.append(record(second, "race.second", object_type="thing", object_id=2, actor=SYSTEM))
        )
        writer.start()
        # The second writer must be blocked on the chain head while the first has not committed.
        for _ in range(2000):
            if _waits_for_a_lock(pg_engine, second_pid):
                break
        assert _waits_for_a_lock(pg_engine, second_pid), "the second writer did not wait for the chain head"
        assert not result
        first.commit()
        writer.join(timeout=30)
        second.commit()
        assert result[0].prev_hash == mine.hash
        assert result[0].id == mine.id + 1
    finally:
        first.close()
        second.close()
    with Session(pg_engine) as check:
        assert verify_chain(check).ok


@pytest.mark.pg
@pytest.mark.slow
def test_many_writers_at_once_leave_one_unbroken_chain(pg_engine: Engine) -> None:
    writers, each = 4, 25
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            barrier.wait()
            for n in range(each):
                with Session(pg_engine) as session:
                    record(session, "race.many", object_type="thing", object_id=f"{number}-{n}", actor=SYSTEM)
                    session.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    with Session(pg_engine) as check:
        assert check.scalar(select(func.count(AuditEntry.id))) == writers * each
        report = verify_chain(check)
        assert report.ok, str(report.first_break)
        assert report.checked == writers * each
