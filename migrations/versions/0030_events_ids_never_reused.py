"""events: on SQLite, ids are never handed out twice (AUTOINCREMENT)

Without it SQLite gives a new row the largest id + 1, so after an erasure deletes the newest
events the next ones take those ids again, and a reader that has already gone past them (the
CRM's event stream, the engagement roll-ups' cursor) would never see the new ones. PostgreSQL's
sequences never go back: nothing to do there.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('events', recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
        pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
