"""alumni directory: members may hide their profile

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 01:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# forum.models.DIRECTORY_LISTED as it was when this revision was written.
LISTED = "NOT directory_hidden AND status IN ('active', 'suspended')"


def upgrade():
    op.add_column('users', sa.Column('directory_hidden', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index('ix_users_directory_name', 'users', ['display_name', 'id'], unique=False,
                    postgresql_where=sa.text(LISTED), sqlite_where=sa.text(LISTED))


def downgrade():
    op.drop_index('ix_users_directory_name', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('directory_hidden')
