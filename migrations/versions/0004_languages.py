"""languages and time zones: posts and threads record their language, members their time zone

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='en', nullable=False))

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='en', nullable=False))
        batch_op.create_index('ix_threads_category_language_listing',
                              ['category_id', 'language', 'last_activity_at', 'id'], unique=False)
        batch_op.create_index('ix_threads_language_activity', ['language', 'last_activity_at', 'id'], unique=False)

    # Until now a post's language was unknown: its author's preferred language is the best guess.
    op.execute("UPDATE posts SET language = (SELECT preferred_language FROM users WHERE users.id = posts.author_id)")
    op.execute("UPDATE threads SET language = (SELECT language FROM posts "
               "WHERE posts.thread_id = threads.id AND posts.number = 1)")


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_language_activity')
        batch_op.drop_index('ix_threads_category_language_listing')
        batch_op.drop_column('language')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')
