"""The SQL forms of the permission rules (forum/permissions.py) agree with the Python forms, for every
kind of member: the lists, search, profiles and the moderation queue filter with them."""
from sqlalchemy import select

from forum import permissions
from forum.extensions import db
from forum.models import Category, CategoryModerator, Post
from tests.conftest import category, start_thread


def _people(make_user):
    scoped = make_user("scoped", role="moderator")
    scoped.moderated_categories.append(CategoryModerator(category_id=category("general").id))
    db.session.commit()
    return [make_user("alice"), make_user("bob"), make_user("globalmod", role="moderator"), scoped,
            make_user("boss", role="admin")]


def test_moderates_category_in_sql_and_python_agree(app, make_user):
    categories = db.session.scalars(select(Category)).all()
    for user in _people(make_user):
        in_python = {c.id for c in categories if permissions.moderates_category(user, c.id)}
        in_sql = set(db.session.scalars(select(Category.id).where(
            permissions.moderates_category_sql(user, Category.id))))
        assert in_sql == in_python, user.username
    assert in_python == {c.id for c in categories}  # the admin moderates all: the comparison has content


def test_hidden_threads_and_posts_in_sql_and_python_agree(app, make_user):
    people = _people(make_user)
    bob = people[1]
    for slug in ("general", "counterterrorism"):
        for hidden in (False, True):
            opening = start_thread(bob, title=f"{slug} {hidden}", slug=slug)
            opening.thread.hidden = hidden
            reply = Post(thread_id=opening.thread_id, author_id=people[0].id, number=2, body_source="r",
                         body_html="<p>r</p>", moderation_state="pending")
            db.session.add(reply)
    db.session.commit()
    posts = db.session.scalars(select(Post).join(Post.thread)).all()
    seen_by = {}
    for user in people:
        in_python = {p.id for p in posts
                     if permissions.can_view_thread(user, p.thread) and permissions.can_view_post(user, p)}
        in_sql = set(db.session.scalars(select(Post.id).join(Post.thread).where(*permissions.sees_hidden_sql(user))))
        assert in_sql == in_python, user.username
        seen_by[user.username] = len(in_python)
    # The cases differ, so agreeing means something: the scoped moderator sees more than a member, less than an admin.
    assert seen_by["alice"] < seen_by["scoped"] < seen_by["boss"] == len(posts)
