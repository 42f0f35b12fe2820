"""account request decisions, and mail to non-members (a rejected requester)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_account_requests_decided_by_id_users'), 'users',
                                    ['decided_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_account_requests_member_id_users'), 'users', ['member_id'], ['id'])

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('account_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_account_requests_member_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_account_requests_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('member_id')
        batch_op.drop_column('reason')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('language')
