"""search: index Thai words without their abbreviation and repetition signs (กรุงเทพฯ as กรุงเทพ)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 05:30:00

Search now drops those signs (forum/connect/search.py THAI_SIGNS) from indexed and searched words
alike; the posts whose text or thread title holds one are indexed again here, in batches.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    from forum.connect.search import THAI_SIGNS, index_text

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    holds_sign = " OR ".join(f"p.body_source LIKE '%{sign}%' OR t.title LIKE '%{sign}%'" for sign in THAI_SIGNS)
    rows = sa.text("SELECT p.id, p.number, p.body_source, t.title FROM posts p JOIN threads t ON t.id = p.thread_id "
                   f"WHERE p.id > :after AND ({holds_sign}) ORDER BY p.id LIMIT 1000")
    update = sa.text("UPDATE posts SET search_document = "
                     + ("to_tsvector('simple', :document)" if postgres else ":document") + " WHERE id = :id")
    after = 0
    while batch := bind.execute(rows, {"after": after}).all():
        bind.execute(update, [{"id": row.id, "document": index_text(row.body_source, row.title if row.number == 1 else None)}
                              for row in batch])
        after = batch[-1].id


def downgrade():
    pass  # the new index finds what the old one did, and more
