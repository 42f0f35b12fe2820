"""member indexes: the admins' member list filters and order

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_name', ['display_name', 'id'], unique=False)
        batch_op.create_index('ix_users_academy_year', ['academy', 'graduation_year'], unique=False)
        batch_op.create_index('ix_users_country', ['country'], unique=False)
        batch_op.create_index('ix_users_role', ['role'], unique=False)
        batch_op.create_index('ix_users_status', ['status'], unique=False)
        batch_op.create_index('ix_users_suspended_until', ['suspended_until'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_suspended_until')
        batch_op.drop_index('ix_users_status')
        batch_op.drop_index('ix_users_role')
        batch_op.drop_index('ix_users_country')
        batch_op.drop_index('ix_users_academy_year')
        batch_op.drop_index('ix_users_name')
