"""benchmark indexes: the moderation queue's filter by rule

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_rule_case', ['rule_code', 'case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_rule_case')
