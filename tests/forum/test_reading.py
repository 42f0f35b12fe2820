"""Unread tracking (forum/discussions/reading.py): lists show "N new" on the threads a member has
opened, linking to the first unread post; reading, one's own posts and "Mark all read" catch up; the
shared lists show each member their own counts, at a constant number of statements."""
import re

from forum.discussions import services
from tests.conftest import count_queries, page_text, signed_in, start_thread


def new_on(page):
    """{thread id: "N new"} of a list page."""
    return {int(thread_id): int(count) for thread_id, count in
            re.findall(r'href="/t/(\d+)/unread">(\d+) new</a>', page)}


def test_a_thread_read_then_answered_shows_its_new_posts_and_opens_at_the_first(app, member, member_client,
                                                                                 make_user):
    other = make_user("other")
    thread = start_thread(other, "Border checkpoints").thread
    never_opened = start_thread(other, "Another thread").thread
    member_client.get(f"/t/{thread.id}")
    for i in range(2):
        services.reply(other, thread, f"Answer {i}")
    services.reply(other, never_opened, "Unseen answer")
    assert new_on(page_text(member_client.get("/"))) == {thread.id: 2}  # a thread never opened is not "new"
    assert new_on(page_text(member_client.get("/c/general"))) == {thread.id: 2}
    response = member_client.get(f"/t/{thread.id}/unread")
    assert (response.status_code, response.location) == (302, f"/t/{thread.id}#post-2")
    member_client.get(response.location)
    assert new_on(page_text(member_client.get("/"))) == {}


def test_one_s_own_reply_is_read_and_other_readers_keep_their_own_counts(app, member, member_client, make_user):
    other = make_user("other")
    thread = start_thread(other, "Border checkpoints").thread
    bob = signed_in(app, make_user("bob"))
    for client in (member_client, bob):
        client.get(f"/t/{thread.id}")
    services.reply(member, thread, "My own answer")
    services.reply(other, thread, "Their answer")
    assert new_on(page_text(member_client.get("/"))) == {thread.id: 1}  # not their own reply
    assert new_on(page_text(bob.get("/"))) == {thread.id: 2}  # the same shared list, bob's counts


def test_a_long_thread_read_page_by_page_opens_where_the_member_stopped(app, member, member_client, make_user):
    app.config["POSTS_PER_PAGE"] = 5
    other = make_user("other")
    thread = start_thread(other, "Long thread").thread
    for i in range(11):  # 12 posts: pages of 5, 5 and 2
        services.reply(other, thread, f"Answer {i}")
    member_client.get(f"/t/{thread.id}")  # posts 1-5
    assert new_on(page_text(member_client.get("/"))) == {thread.id: 7}
    assert member_client.get(f"/t/{thread.id}/unread").location == f"/t/{thread.id}?page=2#post-6"
    member_client.get(f"/t/{thread.id}?page=3")  # posts 11-12: read up to the last one shown
    member_client.get(f"/t/{thread.id}?page=1")  # going back reads nothing backwards
    assert new_on(page_text(member_client.get("/"))) == {}
    assert member_client.get(f"/t/{thread.id}/unread").location == f"/t/{thread.id}?page=3#post-12"


def test_mark_all_read_catches_up_every_opened_thread(app, member_client, make_user):
    other = make_user("other")
    threads = [start_thread(other, f"Thread {i}").thread for i in range(3)]
    for thread in threads:
        member_client.get(f"/t/{thread.id}")
        services.reply(other, thread, "News")
    assert len(new_on(page_text(member_client.get("/")))) == 3
    response = member_client.post("/read-all", data={})
    assert (response.status_code, response.location) == (302, "/")
    page = page_text(member_client.get("/"))
    assert new_on(page) == {} and "Every thread is marked as read." in page
    assert member_client.post("/read-all", data={}, csrf=False).status_code == 400  # CSRF like every POST


def test_lists_cost_the_same_statements_for_1_or_10_opened_threads_and_none_on_a_repeat_view(
        app, member_client, make_user):
    other = make_user("other")
    threads = [start_thread(other, f"Thread {i}").thread for i in range(10)]
    counts = []
    for opened in (threads[:1], threads):
        for thread in opened:
            member_client.get(f"/t/{thread.id}")
            services.reply(other, thread, "News")
        member_client.get("/")
        with count_queries() as statements:
            assert len(new_on(page_text(member_client.get("/")))) == len(opened)
        counts.append(len(statements))
        services.reply(other, threads[0], "More news")  # the list is built again
        with count_queries() as statements:
            member_client.get("/")
        counts.append(len(statements))
    assert counts[0] == counts[2] == 0 and counts[1] == counts[3]
    for _ in range(2):
        member_client.get(f"/t/{threads[0].id}")  # reads the member's place, moves it, reads it again
    with count_queries() as statements:
        member_client.get(f"/t/{threads[0].id}")
    assert not [s for s in statements if "thread_reads" in s]  # a repeat view reads and writes nothing
