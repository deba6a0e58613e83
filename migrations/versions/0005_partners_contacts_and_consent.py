"""partners contacts and consent

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:11:30.403423
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.String(length=30), nullable=False),
    sa.Column('type', sa.Enum('solution', 'sales', 'service', 'influencer', name='partnertype', native_enum=False, length=20), nullable=False),
    sa.Column('subcategory', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('default_locale', sa.String(length=5), nullable=False),
    sa.Column('account_manager_id', sa.Integer(), nullable=True),
    sa.Column('backup_manager_id', sa.Integer(), nullable=True),
    sa.Column('distributor_team_name', sa.String(length=200), nullable=False),
    sa.Column('distributor_team_email', sa.String(length=255), nullable=False),
    sa.Column('distributor_team_phone', sa.String(length=50), nullable=False),
    sa.Column('logo_path', sa.String(length=255), nullable=False),
    sa.Column('brand_primary_color', sa.String(length=7), nullable=False),
    sa.Column('brand_accent_color', sa.String(length=7), nullable=False),
    sa.Column('brand_website', sa.String(length=255), nullable=False),
    sa.Column('brand_phone', sa.String(length=50), nullable=False),
    sa.Column('brand_email', sa.String(length=255), nullable=False),
    sa.Column('brand_postal_address', sa.String(length=500), nullable=False),
    sa.Column('brand_tagline', sa.String(length=200), nullable=False),
    sa.Column('brand_version', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_manager_id'], ['users.id'], name=op.f('fk_partners_account_manager_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['backup_manager_id'], ['users.id'], name=op.f('fk_partners_backup_manager_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_account_manager_id'), ['account_manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partners_backup_manager_id'), ['backup_manager_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('job_role', sa.String(length=100), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'unsubscribed', 'bounced', 'complained', name='contactstatus', native_enum=False, length=20), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('frequency', sa.Enum('weekly', 'fortnightly', 'monthly', 'quarterly', name='frequency', native_enum=False, length=20), nullable=False),
    sa.Column('preferred_weekday', sa.SmallInteger(), nullable=False),
    sa.Column('preferred_hour', sa.SmallInteger(), nullable=False),
    sa.Column('link_version', sa.Integer(), nullable=False),
    sa.Column('last_digest_period', sa.String(length=10), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_contacts_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('email', name=op.f('uq_contacts_email'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_partner_id'), ['partner_id'], unique=False)

    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('source', sa.Enum('form', 'import', 'api', 'admin', 'provider', name='consentsource', native_enum=False, length=20), nullable=False),
    sa.Column('detail', sa.String(length=1000), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_consent_records_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_contact_id'), ['contact_id'], unique=False)

    op.create_table('contact_interests',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('interest_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_interests_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interest_area_id'], ['interest_areas.id'], name=op.f('fk_contact_interests_interest_area_id_interest_areas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'interest_area_id', name=op.f('pk_contact_interests'))
    )
    with op.batch_alter_table('contact_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_interests_interest_area_id'), ['interest_area_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contact_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_interests_interest_area_id'))

    op.drop_table('contact_interests')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_contact_id'))

    op.drop_table('consent_records')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_partner_id'))

    op.drop_table('contacts')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_backup_manager_id'))
        batch_op.drop_index(batch_op.f('ix_partners_account_manager_id'))

    op.drop_table('partners')
