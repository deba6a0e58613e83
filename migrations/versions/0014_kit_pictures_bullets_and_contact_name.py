"""kit pieces name their pictures (banner, flyer, email) with focal points and carry flyer bullets;
partners name the person their customers ask for

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ('banner', 'flyer', 'email')


def upgrade() -> None:
    with op.batch_alter_table('kit_pieces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bullets', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('pictures', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('focal_points', sa.JSON(), nullable=True))
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('brand_contact_name', sa.String(length=200), server_default='', nullable=False))
    # Kits so far put the first chosen image in every piece: name it for each piece, so existing
    # kits keep their pictures until a marketer chooses on purpose.
    pieces = sa.table('kit_pieces', sa.column('id', sa.Integer), sa.column('image_ids', sa.JSON),
                      sa.column('bullets', sa.JSON), sa.column('pictures', sa.JSON), sa.column('focal_points', sa.JSON))
    connection = op.get_bind()
    for piece_id, image_ids in connection.execute(sa.select(pieces.c.id, pieces.c.image_ids)).all():
        ids = json.loads(image_ids) if isinstance(image_ids, str) else (image_ids or [])
        pictures = {role: ids[0] for role in ROLES} if ids else {}
        connection.execute(
            pieces.update().where(pieces.c.id == piece_id).values(bullets=[], pictures=pictures, focal_points={})
        )
    with op.batch_alter_table('kit_pieces', schema=None) as batch_op:
        for name in ('bullets', 'pictures', 'focal_points'):
            batch_op.alter_column(name, existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('brand_contact_name')
    with op.batch_alter_table('kit_pieces', schema=None) as batch_op:
        batch_op.drop_column('focal_points')
        batch_op.drop_column('pictures')
        batch_op.drop_column('bullets')
