"""What members mark on posts: "Useful" (one per member and post, counted on the post, never on
one's own) and bookmarks (a member's own list of posts to find again, at /bookmarks).

On a shared thread page (forum/cache.py) the count is part of the page; whether the reader marked a
post is theirs, a slot filled from their marks of the page's posts, remembered in the cache under a
generation of their marks: a repeat view costs no SQL.
"""
from sqlalchemy import and_, delete, literal, select, union_all, update
from sqlalchemy.orm import contains_eager

from forum import cache, permissions
from forum.extensions import db, upsert
from forum.models import Bookmark, Category, Post, Reaction, Thread, User
from forum.notifications.outbox import commit

WHO_SHOWN = 200  # names on a post's "found this useful" page


def _generation(user_id):
    return f"marks:{user_id}"


def _toggle(model, user, post, on_added=None, on_removed=None):
    """Add the member's row for the post, or remove it if there was one; returns whether it is there now."""
    options = cache.raising(_generation(user.id))
    gone = db.session.execute(delete(model).where(model.user_id == user.id, model.post_id == post.id),
                              execution_options=options).rowcount
    if gone:
        if on_removed is not None:
            db.session.execute(on_removed)
        return False
    added = db.session.execute(upsert(model).values(user_id=user.id, post_id=post.id).on_conflict_do_nothing(),
                               execution_options=options).rowcount
    if added and on_added is not None:
        db.session.execute(on_added)
    return True


def toggle_useful(user, post):
    """The member finds the post useful, or no longer does. Two clicks at once count once (the
    primary key), and the count moves with the row in the same transaction."""
    permissions.require(permissions.can_mark_useful(user, post))
    counter = update(Post).where(Post.id == post.id)
    marked = _toggle(Reaction, user, post, on_added=counter.values(useful_count=Post.useful_count + 1),
                     on_removed=counter.values(useful_count=Post.useful_count - 1))
    commit()
    return marked


def toggle_bookmark(user, post):
    permissions.require(permissions.is_member(user) and not post.is_deleted)
    marked = _toggle(Bookmark, user, post)
    commit()
    return marked


def marked(user, post_ids):
    """{post id: {"useful": bool, "bookmarked": bool}} of the member for these posts, in one statement,
    from the cache while the member has marked nothing since."""
    ids = sorted(set(post_ids))
    if not ids or not permissions.is_member(user):
        return {}

    def compute():
        rows = db.session.execute(union_all(
            select(Reaction.post_id, literal("useful")).where(Reaction.user_id == user.id, Reaction.post_id.in_(ids)),
            select(Bookmark.post_id, literal("bookmarked")).where(Bookmark.user_id == user.id,
                                                                  Bookmark.post_id.in_(ids))))
        found = {}
        for post_id, mark in rows:
            found.setdefault(str(post_id), []).append(mark)
        return found

    name, also = remembered_as(user, ids)
    found = cache.remembered(user.id, name, compute, also=also)
    return {post_id: {"useful": "useful" in found.get(str(post_id), ()),
                      "bookmarked": "bookmarked" in found.get(str(post_id), ())} for post_id in ids}


def remembered_as(user, post_ids):
    """(name, generations) of the member's marks of these posts in the cache (cache.prefetch)."""
    return "marks:" + ",".join(map(str, sorted(set(post_ids)))), (_generation(user.id),)


def who_found_useful(post):
    """The members who found the post useful, first ones first."""
    return db.session.scalars(select(User).join(Reaction, Reaction.user_id == User.id)
                              .where(Reaction.post_id == post.id).order_by(Reaction.created_at)
                              .limit(WHO_SHOWN)).all()


def bookmarks(user, page, per_page):
    """A page of the member's bookmarked posts they may still read, newest bookmark first, with their
    thread, category and author loaded in the same statement."""
    threads_seen, posts_seen = permissions.sees_hidden_sql(user)
    query = (select(Post).join(Bookmark, and_(Bookmark.post_id == Post.id, Bookmark.user_id == user.id))
             .join(Post.thread).join(Thread.category).join(Post.author)
             .where(Post.deleted_at.is_(None), threads_seen, posts_seen)
             .options(contains_eager(Post.thread).contains_eager(Thread.category), contains_eager(Post.author))
             .order_by(Bookmark.created_at.desc(), Post.id.desc()))
    if not permissions.is_moderator(user):
        query = query.where(Category.archived.is_(False))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
