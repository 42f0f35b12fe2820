"""threads.best_post_id: the most useful answer of a best-practice thread

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 06:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('best_post_id', sa.Integer(), nullable=True))  # no foreign key: models.py


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('best_post_id')
