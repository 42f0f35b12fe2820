"""posts written before mentions were links: render their @username as links to the profiles

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 11:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    # Only posts with an "@" can hold a mention; each is rendered again by the code of today, as the
    # services render a post on save (what else the renderer learnt since applies to them as well).
    from forum.markup import render_markdown

    bind = op.get_bind()
    rows = sa.text("SELECT id, body_source FROM posts WHERE id > :after AND body_source LIKE '%@%' "
                   "ORDER BY id LIMIT 1000")
    update = sa.text("UPDATE posts SET body_html = :html WHERE id = :id")
    after = 0
    while batch := bind.execute(rows, {"after": after}).all():
        bind.execute(update, [{"id": row.id, "html": render_markdown(row.body_source)} for row in batch])
        after = batch[-1].id


def downgrade():
    pass  # the links are harmless to an older version
