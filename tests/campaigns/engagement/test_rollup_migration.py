"""Migration 0029 moves the counts of the old roll-up (partner and language in one row) into the
partner roll-up, the language/tier/country split and the period totals, losing none; and back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from core import migrate
from core.db import make_engine
from tests.conftest import fresh_database_url

OLD_ROWS = [  # campaign, day, period, partner, language, tier, country, sent, unique opens
    (0, "2026-03-02", "2026-03", 7, "nl", "gold", "NL", 5, 2),
    (0, "2026-03-02", "2026-03", 7, "en", "gold", "NL", 3, 1),
    (0, "2026-03-03", "2026-03", 8, "nl", "silver", "BE", 4, 4),
    (2, "2026-03-02", "2026-03", 7, "nl", "gold", "NL", 5, 2),
]


def test_the_old_roll_up_counts_move_into_the_partner_split_and_total_tables_and_back(
    backend: str, tmp_path: Path
) -> None:
    engine = make_engine(fresh_database_url(backend, tmp_path, "rollup_split"))
    try:
        migrate.upgrade(engine, "0028")
        with engine.begin() as connection:
            for row in OLD_ROWS:
                connection.execute(
                    text(
                        "INSERT INTO engagement_rollups (campaign_id, day, period, partner_id, locale, tier, country,"
                        " sent, unique_opens) VALUES (:c, :d, :p, :partner, :l, :t, :country, :s, :u)"
                    ),
                    dict(zip(("c", "d", "p", "partner", "l", "t", "country", "s", "u"), row, strict=True)),
                )
        migrate.upgrade(engine, "0029")
        with engine.connect() as connection:
            by_partner = connection.execute(
                text("SELECT campaign_id, partner_id, SUM(sent), SUM(unique_opens) FROM engagement_rollups"
                     " GROUP BY campaign_id, partner_id ORDER BY campaign_id, partner_id")
            ).all()  # fmt: skip
            rows_of_partner_7 = connection.scalar(
                text("SELECT COUNT(*) FROM engagement_rollups WHERE campaign_id = 0 AND partner_id = 7")
            )
            by_language = connection.execute(
                text("SELECT locale, SUM(sent) FROM engagement_splits WHERE campaign_id = 0 GROUP BY locale"
                     " ORDER BY locale")
            ).all()  # fmt: skip
            totals = connection.execute(
                text("SELECT campaign_id, period, sent, unique_opens FROM engagement_totals ORDER BY campaign_id")
            ).all()
        assert [tuple(r) for r in by_partner] == [(0, 7, 8, 3), (0, 8, 4, 4), (2, 7, 5, 2)]
        assert rows_of_partner_7 == 1  # the two languages of one partner and day are one row now
        assert [tuple(r) for r in by_language] == [("en", 3), ("nl", 9)]
        assert [tuple(r) for r in totals] == [(0, "2026-03", 12, 7), (2, "2026-03", 5, 2)]

        migrate.downgrade(engine, "0028")
        with engine.connect() as connection:
            sent = connection.execute(
                text("SELECT campaign_id, SUM(sent), SUM(unique_opens) FROM engagement_rollups"
                     " GROUP BY campaign_id ORDER BY campaign_id")
            ).all()  # fmt: skip
        assert [tuple(r) for r in sent] == [(0, 12, 7), (2, 5, 2)]  # every count is back
    finally:
        engine.dispose()
