"""engagement: the roll-up split in two (by partner; by language, tier and country) and totals per period

The partner roll-up loses its language, tier and country (a partner's contacts speak several
languages, so they multiplied its rows); those go to `engagement_splits`, without the partner.
`engagement_totals` adds up every day per campaign and newsletter period for the reports index.
All three are filled from the old roll-up, so no count is lost (an erased contact's events are
gone, so counting again from the events would lose theirs).

The downgrade puts the old table back from the partner roll-up: totals and partners stay right,
the language split is lost (every row under no language) and tier and country are the partners'
current ones.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 15:10:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METRICS = (
    "sent",
    "delivered",
    "opens",
    "unique_opens",
    "clicks",
    "unique_clicks",
    "machine_opens",
    "scanner_clicks",
    "bounces",
    "complaints",
    "unsubscribes",
    "kit_downloads",
    "preference_changes",
    "portal_sign_ins",
)
SUMS = ", ".join(f"SUM({m})" for m in METRICS)
OLD_KEYS = ("campaign_id", "day", "period", "partner_id", "locale", "tier", "country")


def _count(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)


def _key(name: str) -> sa.Column:  # type: ignore[type-arg]
    types: dict[str, sa.types.TypeEngine[Any]] = {
        "day": sa.Date(), "period": sa.String(10), "locale": sa.String(5), "tier": sa.String(30), "country": sa.String(2)
    }  # fmt: skip
    return sa.Column(name, types.get(name, sa.Integer()), nullable=False)


def _table(name: str, keys: Sequence[str]) -> None:
    op.create_table(
        name,
        *[_key(k) for k in keys],
        *[_count(m) for m in METRICS],
        sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{name}")),
    )


def _fill(target: str, source: str, keys: Sequence[str], select_keys: Sequence[str] | None = None) -> None:
    columns = ", ".join(keys)
    chosen = ", ".join(select_keys or keys)
    op.execute(
        f"INSERT INTO {target} ({columns}, {', '.join(METRICS)}) "  # noqa: S608 (constants only)
        f"SELECT {chosen}, {SUMS} FROM {source} GROUP BY {chosen}"
    )


def _set_aside_old_rollups(keys: Sequence[str]) -> None:
    """Rename engagement_rollups out of the way, with its indexes and key, to fill the new one from it."""
    op.drop_index("ix_engagement_rollups_period", table_name="engagement_rollups")
    op.drop_index("ix_engagement_rollups_partner", table_name="engagement_rollups")
    if op.get_bind().dialect.name == "postgresql":  # the key's name is taken schema-wide there
        op.drop_constraint("pk_engagement_rollups", "engagement_rollups", type_="primary")
    op.rename_table("engagement_rollups", "engagement_rollups_old")
    _table("engagement_rollups", keys)
    op.create_index("ix_engagement_rollups_period", "engagement_rollups", ["period", "campaign_id"])
    op.create_index("ix_engagement_rollups_partner", "engagement_rollups", ["partner_id", "day"])


def upgrade() -> None:
    _set_aside_old_rollups(("campaign_id", "day", "period", "partner_id"))
    _fill("engagement_rollups", "engagement_rollups_old", ("campaign_id", "day", "period", "partner_id"))
    _table("engagement_splits", ("campaign_id", "day", "period", "locale", "tier", "country"))
    op.create_index("ix_engagement_splits_period", "engagement_splits", ["period", "campaign_id"])
    _fill("engagement_splits", "engagement_rollups_old", ("campaign_id", "day", "period", "locale", "tier", "country"))
    _table("engagement_totals", ("campaign_id", "period"))
    _fill("engagement_totals", "engagement_rollups_old", ("campaign_id", "period"))
    op.drop_table("engagement_rollups_old")


def downgrade() -> None:
    op.drop_table("engagement_totals")
    op.drop_index("ix_engagement_splits_period", table_name="engagement_splits")
    op.drop_table("engagement_splits")
    _set_aside_old_rollups(OLD_KEYS)
    op.execute(
        f"INSERT INTO engagement_rollups ({', '.join(OLD_KEYS)}, {', '.join(METRICS)}) "  # noqa: S608
        f"SELECT r.campaign_id, r.day, r.period, r.partner_id, '', COALESCE(p.tier, ''), COALESCE(p.country, ''), "
        f"{', '.join(f'r.{m}' for m in METRICS)} "
        "FROM engagement_rollups_old r LEFT JOIN partners p ON p.id = r.partner_id"
    )
    op.drop_table("engagement_rollups_old")
