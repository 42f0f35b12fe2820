"""drafts: what a member wrote and has not sent yet, kept on the server

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drafts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_drafts'))
    )


def downgrade():
    op.drop_table('drafts')
