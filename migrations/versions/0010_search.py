"""full-text search of posts and thread titles

PostgreSQL: posts.search_document is a tsvector ('simple' configuration) with a GIN index.
SQLite: posts.search_document holds the words as text, indexed by the FTS5 table posts_fts
(external content: it stores only the index), kept in sync by triggers. A later batch migration that
recreates the posts table on SQLite drops those triggers: it must create them again (SQLITE_TRIGGERS).
Existing posts are indexed here, with the same code the services use (forum/connect/search.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 01:35:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
         INSERT INTO posts_fts (rowid, search_document) VALUES (new.id, new.search_document);
       END""",
    """CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
         INSERT INTO posts_fts (posts_fts, rowid, search_document) VALUES ('delete', old.id, old.search_document);
       END""",
    """CREATE TRIGGER posts_fts_update AFTER UPDATE OF search_document ON posts BEGIN
         INSERT INTO posts_fts (posts_fts, rowid, search_document) VALUES ('delete', old.id, old.search_document);
         INSERT INTO posts_fts (rowid, search_document) VALUES (new.id, new.search_document);
       END""",
)


def _backfill(bind, postgres):
    from forum.connect.search import index_text

    rows = sa.text("SELECT p.id, p.number, p.body_source, t.title FROM posts p JOIN threads t ON t.id = p.thread_id "
                   "WHERE p.id > :after ORDER BY p.id LIMIT 1000")
    update = sa.text("UPDATE posts SET search_document = "
                     + ("to_tsvector('simple', :document)" if postgres else ":document") + " WHERE id = :id")
    after = 0
    while True:
        batch = bind.execute(rows, {"after": after}).all()
        if not batch:
            break
        bind.execute(update, [{"id": row.id, "document": index_text(row.body_source, row.title if row.number == 1 else None)}
                              for row in batch])
        after = batch[-1].id


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    if postgres:
        op.add_column('posts', sa.Column('search_document', postgresql.TSVECTOR(), nullable=True))
        _backfill(bind, postgres)
        op.create_index('ix_posts_search_document', 'posts', ['search_document'], unique=False,
                        postgresql_using='gin')
        # Newest-first search reads the primary key backwards unless the planner knows a word is rare:
        # with the default statistics it guesses ~0.2% for every word outside its 1,000 most common
        # and scans most of the table for a rare one (0.5 s at 1M posts; 3 ms with these statistics).
        op.execute("ALTER TABLE posts ALTER COLUMN search_document SET STATISTICS 10000")
    else:
        op.add_column('posts', sa.Column('search_document', sa.Text(), nullable=True))
        _backfill(bind, postgres)
        op.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(search_document, content='posts', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
        op.execute("INSERT INTO posts_fts (posts_fts) VALUES ('rebuild')")
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_posts_search_document', table_name='posts', postgresql_using='gin')
    else:
        for name in ('posts_fts_update', 'posts_fts_delete', 'posts_fts_insert'):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE posts_fts")
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('search_document')
