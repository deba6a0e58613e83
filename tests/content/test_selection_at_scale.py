"""The newsletter's selection stays a ranked index walk with a fixed number of statements at 10,000 items."""

import random
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.content_selection import NOW, naive_selection, seed_library
from content.selection import ReaderScope, published_content_for

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def test_selecting_from_ten_thousand_items_walks_the_rank_index_in_three_statements(session: Session) -> None:
    area_ids = seed_library(session, 10_000, random.Random(5))
    session.execute(text("ANALYZE"))
    session.expunge_all()
    executed: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        executed.append((statement, parameters))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        scope = ReaderScope(interest_ids=frozenset(area_ids[:3]), tier="silver")
        selected = published_content_for(session, scope, ("de", "en"), NOW, 10)
    finally:
        event.remove(connection, "before_cursor_execute", record)

    assert len(selected) == 10
    assert len(executed) <= 3, [statement for statement, _ in executed]
    statement, parameters = executed[0]
    plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "ix_content_items_rank" in plan, plan
    assert "Sort" not in plan.split("\n")[1], "sorted every visible item instead of walking the index"
    session.expunge_all()
    assert [entry.item.id for entry in selected] == naive_selection(session, area_ids[:3], "silver", "de", NOW, 10)
