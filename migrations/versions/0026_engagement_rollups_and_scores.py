"""engagement: daily roll-ups, first opens and clicks, the events cursor, newsletter items, scores, outreach

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 11:30:00.000000
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
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


def _count(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "engagement_rollups",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("tier", sa.String(length=30), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        *[_count(name) for name in METRICS],
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "day",
            "period",
            "partner_id",
            "locale",
            "tier",
            "country",
            name=op.f("pk_engagement_rollups"),
        ),
    )
    op.create_index("ix_engagement_rollups_period", "engagement_rollups", ["period", "campaign_id"])
    op.create_index("ix_engagement_rollups_partner", "engagement_rollups", ["partner_id", "day"])
    op.create_table(
        "content_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "dimension", sa.Enum("item", "area", name="contentdimension", native_enum=False, length=10), nullable=False
        ),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        *[_count(name) for name in ("sent", "unique_opens", "clicks", "unique_clicks")],
        sa.PrimaryKeyConstraint("day", "dimension", "key_id", "period", name=op.f("pk_content_rollups")),
    )
    op.create_index("ix_content_rollups_key", "content_rollups", ["dimension", "key_id", "day"])
    op.create_table(
        "engagement_firsts",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content_item_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_engagement_firsts_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", "kind", "content_item_id", name=op.f("pk_engagement_firsts")),
    )
    op.create_table(
        "rollup_cursors",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rollup_cursors")),
    )
    cursors = sa.table(
        "rollup_cursors",
        sa.column("name", sa.String),
        sa.column("last_event_id", sa.BigInteger),
        sa.column("counted", sa.BigInteger),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    # The one cursor exists from the start: claiming it is then a row lock, never an insert race.
    start = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    op.bulk_insert(cursors, [{"name": "events", "last_event_id": 0, "counted": 0, "updated_at": start}])
    op.create_table(
        "rollup_gaps",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_rollup_gaps")),
    )
    op.create_table(
        "newsletter_items",
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("content_item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["rendered_bodies.id"],
            name=op.f("fk_newsletter_items_body_id_rendered_bodies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("body_id", "content_item_id", name=op.f("pk_newsletter_items")),
    )
    op.create_index(op.f("ix_newsletter_items_content_item_id"), "newsletter_items", ["content_item_id"])
    op.create_table(
        "contact_scores",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_scores_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contact_scores")),
    )
    op.create_table(
        "partner_scores",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("baseline_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_scores_partner_id_partners"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_partner_scores")),
    )
    op.create_table(
        "partner_outreach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("call", "meeting", "email", "other", name="outreachchannel", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_outreach_partner_id_partners"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_partner_outreach_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_outreach")),
    )
    op.create_index("ix_partner_outreach_partner", "partner_outreach", ["partner_id", "happened_on"])


def downgrade() -> None:
    op.drop_index("ix_partner_outreach_partner", table_name="partner_outreach")
    op.drop_table("partner_outreach")
    op.drop_table("partner_scores")
    op.drop_table("contact_scores")
    op.drop_index(op.f("ix_newsletter_items_content_item_id"), table_name="newsletter_items")
    op.drop_table("newsletter_items")
    op.drop_table("rollup_gaps")
    op.drop_table("rollup_cursors")
    op.drop_table("engagement_firsts")
    op.drop_index("ix_content_rollups_key", table_name="content_rollups")
    op.drop_table("content_rollups")
    op.drop_index("ix_engagement_rollups_partner", table_name="engagement_rollups")
    op.drop_index("ix_engagement_rollups_period", table_name="engagement_rollups")
    op.drop_table("engagement_rollups")
