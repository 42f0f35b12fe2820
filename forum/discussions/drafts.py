"""Drafts: what a member wrote in a composer and has not sent, kept on the server and restored when
they come back to it (on another device too). Saved as they type (static/js/portal.js) or with the
"Save draft" button; sending the post discards it.

A draft's key names its composer: "thread:<id>" (a reply), "category:<slug>" (a new thread there) or
"new" (a new thread from Latest). A member's drafts are remembered in the cache under a generation of
their own, so a thread page costs no SQL to know there is none.
"""
import re

from sqlalchemy import delete, select

from forum import cache
from forum.extensions import db, upsert
from forum.forms import BODY_MAX
from forum.models import Draft, utcnow
from forum.notifications.outbox import commit

KEY = re.compile(r"thread:[0-9]{1,12}|category:[a-z0-9-]{1,60}|new")
KEPT = 50  # a member's drafts restored (the newest); older ones wait in the table


def _generation(user_id):
    return f"drafts:{user_id}"


def saved(user, key):
    """{"title", "body"} of the member's draft for this composer, or None."""
    def compute():
        rows = db.session.execute(select(Draft.key, Draft.title, Draft.body).where(Draft.user_id == user.id)
                                  .order_by(Draft.updated_at.desc()).limit(KEPT))
        return {row.key: {"title": row.title, "body": row.body} for row in rows}

    name, also = remembered_as(user)
    return cache.remembered(user.id, name, compute, also=also).get(key)


def remembered_as(user):
    """(name, generations) of the member's drafts in the cache (cache.prefetch)."""
    return "drafts", (_generation(user.id),)


def save(user, key, title, body):
    """Keep the member's text for this composer (an empty one discards the draft)."""
    if not KEY.fullmatch(key or ""):
        return False
    title, body = (title or "").strip()[:200], (body or "")[:BODY_MAX]
    if not title and not body.strip():
        discard(user, key)
    else:
        statement = upsert(Draft).values(user_id=user.id, key=key, title=title, body=body, updated_at=utcnow())
        statement = statement.on_conflict_do_update(
            index_elements=[Draft.user_id, Draft.key],
            set_={"title": statement.excluded.title, "body": statement.excluded.body,
                  "updated_at": statement.excluded.updated_at})
        db.session.execute(statement, execution_options=cache.raising(_generation(user.id)))
    commit()
    return True


def discard(user, *keys):
    """Drop the member's drafts for these composers, in the caller's transaction (a post was sent)."""
    db.session.execute(delete(Draft).where(Draft.user_id == user.id, Draft.key.in_(keys)),
                       execution_options=cache.raising(_generation(user.id)))
