"""Rendered fragments shared between readers (forum/discussions/fragments.py): never stale, never another's view."""
import re
from datetime import timedelta

import pytest

from forum.discussions import fragments, services
from forum.extensions import db
from forum.models import Post, utcnow
from tests.conftest import category, page_text, signed_in


@pytest.fixture(autouse=True)
def empty_store():
    fragments._store.clear()  # each test starts cold, as a new worker would
    yield
    fragments._store.clear()


@pytest.fixture
def thread(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    thread = services.create_thread(alice, category(), "Chain of custody", "best_practice", "Seal the bag.")
    services.reply(bob, thread, "Label it **twice**.")
    return thread


def posts_html(response):
    """The posts of the page, each reader's CSRF tokens (in their own Useful and Bookmark buttons) left out."""
    html = "".join(re.findall(r"<article.*?</article>", response.get_data(as_text=True), re.S))
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def post_number(thread, number):
    return db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.number == number))


def test_a_page_of_posts_is_rendered_once_for_readers_who_see_it_alike(app, thread, make_user):
    carol, dave = signed_in(app, make_user("carol")), signed_in(app, make_user("dave"))
    first = posts_html(carol.get(f"/t/{thread.id}"))
    assert len(fragments._store) == 1
    assert posts_html(dave.get(f"/t/{thread.id}")) == first and first.count(">Report<") == 2
    assert len(fragments._store) == 1


def test_authors_moderators_and_silenced_members_never_get_a_shared_page(app, thread, make_user):
    carol = signed_in(app, make_user("carol"))
    assert "Edit" not in page_text(carol.get(f"/t/{thread.id}"))
    bob = signed_in(app, "bob")
    own = page_text(bob.get(f"/t/{thread.id}"))
    assert "Edit" in own and "Delete" in own  # his own reply's buttons, not carol's page
    reply = post_number(thread, 2)
    services.edit_post(reply.author, reply, "Label it three times.")
    moderator = signed_in(app, make_user("mod", role="moderator"))
    assert f"/p/{reply.id}/history" in moderator.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"/p/{reply.id}/history" not in carol.get(f"/t/{thread.id}").get_data(as_text=True)
    erin = make_user("erin", silenced_until=utcnow() + timedelta(days=3))
    silenced = page_text(signed_in(app, erin).get(f"/t/{thread.id}"))
    assert "Report" not in silenced and "Quote" not in silenced


def test_an_edit_or_a_moderation_shows_at_once(app, thread, make_user):
    carol = signed_in(app, make_user("carol"))
    assert "twice" in page_text(carol.get(f"/t/{thread.id}"))
    reply = post_number(thread, 2)
    services.edit_post(reply.author, reply, "Label it three times.")
    assert "three times" in page_text(carol.get(f"/t/{thread.id}"))
    reply.moderation_state = "pending"
    db.session.commit()
    page = page_text(carol.get(f"/t/{thread.id}"))
    assert "three times" not in page and "hidden while the moderators review it" in page


def test_thread_lists_follow_replies_names_and_language(app, thread, make_user):
    carol = signed_in(app, make_user("carol"))
    assert "<dt>Replies</dt><dd>1</dd>" in page_text(carol.get("/c/general"))
    services.reply(post_number(thread, 1).author, thread, "And photograph it.")
    listing = page_text(carol.get("/c/general"))
    assert "<dt>Replies</dt><dd>2</dd>" in listing
    alice = post_number(thread, 1).author
    alice.display_name = "Alice Renamed"
    db.session.commit()
    assert "Alice Renamed" in page_text(carol.get("/"))
    french = signed_in(app, make_user("france", preferred_language="fr"))
    assert "<dt>Réponses</dt><dd>2</dd>" in page_text(french.get("/c/general"))
    assert "<dt>Replies</dt><dd>2</dd>" in page_text(carol.get("/c/general"))
