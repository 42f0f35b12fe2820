"""Useful and bookmarks (forum/discussions/marks.py): one "Useful" per member and post, counted on
the post, never on one's own; bookmarks listed on /bookmarks; each reader's own buttons on the shared
thread page, at a constant number of statements."""
import re

import pytest

from forum.discussions import services
from forum.extensions import db
from forum.models import Post
from tests.conftest import count_queries, page_text, signed_in, start_thread


@pytest.fixture
def reply(make_user):
    opening = start_thread(make_user("author", display_name="Ana Author"), "Checkpoint drills", "Opening words")
    return services.reply(make_user("writer", display_name="Wanda Writer"), opening.thread, "A useful method")


def pressed(page, post, label):
    """Whether the reader's button `label` on the post, posting to the post's own address, says it is on
    (aria-pressed)."""
    footer = page[page.index(f'id="post-{post.number}"'):]
    action = f"/p/{post.id}/" + ("useful" if label == "Useful" else "bookmark")
    found = re.search(rf'action="{action}">\s*<input[^>]+>\s*<button[^>]+aria-pressed="(true|false)">{label}</button>',
                      footer)
    return None if found is None else found.group(1) == "true"


def test_a_member_finds_a_post_useful_once_and_can_take_it_back(app, member_client, make_user, reply):
    url = f"/t/{reply.thread_id}"
    assert pressed(page_text(member_client.get(url)), reply, "Useful") is False
    assert member_client.post(f"/p/{reply.id}/useful", data={}).status_code == 302
    page = page_text(member_client.get(url))
    assert pressed(page, reply, "Useful") is True and "1 member found this useful" in page
    signed_in(app, make_user("bob")).post(f"/p/{reply.id}/useful", data={})
    assert "2 members found this useful" in page_text(member_client.get(url))
    who = page_text(member_client.get(f"/p/{reply.id}/useful"))
    assert "Alice" in who and "Bob" in who
    member_client.post(f"/p/{reply.id}/useful", data={})  # again: taken back
    db.session.expire_all()
    assert db.session.get(Post, reply.id).useful_count == 1
    assert pressed(page_text(member_client.get(url)), reply, "Useful") is False


def test_nobody_finds_their_own_post_useful(app, make_user, reply):
    writer = signed_in(app, "writer")
    assert pressed(page_text(writer.get(f"/t/{reply.thread_id}")), reply, "Useful") is None  # no button
    assert writer.post(f"/p/{reply.id}/useful", data={}).status_code == 403
    assert writer.post(f"/p/{reply.id}/useful", data={}, csrf=False).status_code == 400


def test_bookmarks_are_the_members_own_list(app, member_client, make_user, reply):
    opening = db.session.scalar(db.select(Post).where(Post.thread_id == reply.thread_id, Post.number == 1))
    for post in (opening, reply):
        response = member_client.post(f"/p/{post.id}/bookmark", data={})
        assert response.status_code == 302
    page = page_text(member_client.get("/bookmarks"))
    assert page.index("A useful method") < page.index("Opening words")  # newest bookmark first
    assert pressed(page_text(member_client.get(f"/t/{reply.thread_id}")), reply, "Bookmarked") is True
    assert "You have no bookmarks yet" in page_text(signed_in(app, make_user("bob")).get("/bookmarks"))
    services.delete_post(reply.author, reply)
    assert "A useful method" not in page_text(member_client.get("/bookmarks"))  # deleted: gone from the list
    member_client.post(f"/p/{opening.id}/bookmark", data={})  # again: dropped
    assert "Opening words" not in page_text(member_client.get("/bookmarks"))


def test_each_reader_gets_their_own_buttons_at_a_constant_cost(app, member_client, make_user, reply):
    url = f"/t/{reply.thread_id}"
    bob = signed_in(app, make_user("bob"))
    member_client.post(f"/p/{reply.id}/useful", data={})
    assert pressed(page_text(member_client.get(url)), reply, "Useful") is True
    assert pressed(page_text(bob.get(url)), reply, "Useful") is False  # the same shared page, bob's buttons
    for client in (member_client, bob):
        client.get(url)
    with count_queries() as statements:
        assert pressed(page_text(member_client.get(url)), reply, "Useful") is True
    assert not [s for s in statements if "reactions" in s or "bookmarks" in s]  # remembered: no SQL
    counts = []
    for more in (0, 5):  # a page of 2 posts, then of 7: one statement for a new reader's marks either way
        for i in range(more):
            services.reply(make_user(f"more{i}"), reply.thread, f"More {i}")
        reader = signed_in(app, make_user(f"reader{more}"))
        with count_queries() as statements:
            reader.get(url)
        counts.append(len([s for s in statements if "reactions" in s or "bookmarks" in s]))
    assert counts == [1, 1]
