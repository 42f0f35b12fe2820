"""Threads of three kinds, replies, quoting, editing, deleting, pinning, locking, pagination."""
import re

import pytest

from forum import cache
from forum.discussions import services, viewcounts
from forum.extensions import db
from forum.models import Post, PostRevision, Thread
from tests.conftest import category, count_queries, page_text, signed_in, start_thread


@pytest.fixture
def thread(member):
    return services.create_thread(member, category(), "Evidence handling", "best_practice",
                                  "Photograph the device **in place**.")


def add_replies(thread, author, count):
    for i in range(count):
        services.reply(author, thread, f"reply number {i + 2}")


@pytest.mark.parametrize("kind, badge", [("discussion", "Discussion"), ("story", "Story"),
                                         ("best_practice", "Best practice")])
def test_member_starts_thread_of_each_kind(member_client, kind, badge):
    response = member_client.post("/c/general/new", data={
        "title": "Border checkpoint lessons", "kind": kind, "body": "What we *learned*."})
    assert response.status_code == 302
    page = member_client.get(response.location).get_data(as_text=True)
    assert "Border checkpoint lessons" in page
    assert f'badge-{kind}">{badge}<' in page
    assert "<em>learned</em>" in page
    created = db.session.scalar(db.select(Thread))
    assert (created.kind, created.post_count, category().thread_count) == (kind, 1, 1)


def test_invalid_thread_keeps_what_was_typed(member_client):
    response = member_client.post("/c/general/new", data={
        "title": "Hi", "kind": "story", "body": "A long story I do not want to lose."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A long story I do not want to lose." in page
    assert 'value="Hi"' in page
    assert "Field must be between 5 and 200 characters long." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Thread)) == 0


def test_kind_filter_in_category_and_across_portal(member, member_client):
    for kind in ("discussion", "story", "best_practice"):
        services.create_thread(member, category(), f"A {kind} thread", kind, "body")
    for url in ("/c/general?kind=story", "/?kind=story"):
        page = member_client.get(url).get_data(as_text=True)
        assert "A story thread" in page
        assert "A discussion thread" not in page and "A best_practice thread" not in page
    page = member_client.get("/c/general").get_data(as_text=True)
    assert all(f"A {kind} thread" in page for kind in ("discussion", "story", "best_practice"))


def test_reply_updates_counters_and_lands_on_the_post(member_client, thread, make_user):
    response = member_client.post(f"/t/{thread.id}/reply", data={"body": "Agreed, and log hashes too."})
    assert response.status_code == 302
    assert response.location.endswith(f"/t/{thread.id}#post-2")
    db.session.refresh(thread)
    assert (thread.reply_count, thread.post_count, category().post_count) == (1, 2, 2)
    assert "Agreed, and log hashes too." in member_client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_empty_reply_is_refused_with_a_message(member_client, thread):
    response = member_client.post(f"/t/{thread.id}/reply", data={"body": ""})
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1


def test_quote_prefills_a_blockquote_and_renders_it(member_client, thread):
    opening = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id))
    form = member_client.get(f"/t/{thread.id}/reply?quote={opening.id}").get_data(as_text=True)
    # The quoted member's display name, linking to the quoted post.
    assert f"&gt; **[{opening.author.display_name}](/p/{opening.id}):**" in form
    assert "&gt; Photograph the device **in place**." in form
    body = re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", form, re.S).group(1)
    import html
    member_client.post(f"/t/{thread.id}/reply", data={"body": html.unescape(body) + "Seconded."})
    page = member_client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert re.search(rf'<blockquote>\s*<p><strong><a href="/p/{opening.id}" rel="nofollow noopener">'
                     rf'{opening.author.display_name}</a>:</strong></p>\s*<p>Photograph', page)


def test_script_payload_is_shown_inert(member_client, thread):
    member_client.post(f"/t/{thread.id}/reply", data={
        "body": "<script>alert('x')</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>"})
    page = member_client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "javascript:alert" not in re.sub(r"\[click\]\(javascript:alert\(1\)\)", "", page) or \
        'href="javascript' not in page
    assert "<img" not in page


def test_author_edits_post_and_history_is_kept(member_client, thread, moderator_client, app, make_user):
    opening = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id))
    response = member_client.post(f"/p/{opening.id}/edit", data={
        "title": "Evidence handling, revised", "body": "Photograph the device first."})
    assert response.status_code == 302
    page = member_client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Evidence handling, revised" in page and ">edited<" in page
    revisions = db.session.scalars(db.select(PostRevision).order_by(PostRevision.number)).all()
    assert [r.body_source for r in revisions] == ["Photograph the device **in place**.",
                                                  "Photograph the device first."]
    history = moderator_client.get(f"/p/{opening.id}/history").get_data(as_text=True)
    assert "Version 2" in history and "<strong>in place</strong>" in history
    other = signed_in(app, make_user("bob"))
    assert other.get(f"/p/{opening.id}/history").status_code == 403
    assert other.get(f"/p/{opening.id}/edit").status_code == 403
    assert other.post(f"/p/{opening.id}/edit", data={"body": "hijacked"}).status_code == 403


def test_author_soft_deletes_own_post(member_client, thread, app, make_user):
    reply = services.reply(thread.author, thread, "to be deleted")
    other = signed_in(app, make_user("bob"))
    assert other.post(f"/p/{reply.id}/delete", data={}).status_code == 403
    assert member_client.post(f"/p/{reply.id}/delete", data={}).status_code == 302
    page = member_client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "to be deleted" not in page and "This post was deleted by its author." in page
    db.session.refresh(thread)
    assert thread.reply_count == 0
    assert db.session.get(Post, reply.id).body_source == "to be deleted"  # kept for the record


def test_delete_asks_first_and_the_question_deletes_nothing(member_client, thread, app, make_user):
    reply = services.reply(thread.author, thread, "Second thoughts about the checklist")
    page = page_text(member_client.get(f"/t/{thread.id}"))
    assert f'href="/p/{reply.id}/delete"' in page  # a link to the question, not a one-click form
    question = member_client.get(f"/p/{reply.id}/delete")
    text = page_text(question)
    assert question.status_code == 200 and "Delete your post?" in text and "Second thoughts about the checklist" in text
    assert f'action="/p/{reply.id}/delete"' not in text and 'method="post"' in text  # posts back to itself
    assert db.session.get(Post, reply.id).deleted_at is None
    assert signed_in(app, make_user("bob")).get(f"/p/{reply.id}/delete").status_code == 403
    assert member_client.post(f"/p/{reply.id}/delete", data={}).status_code == 302
    assert db.session.get(Post, reply.id).deleted_at is not None
    assert member_client.get(f"/p/{reply.id}/delete").status_code == 403  # nothing left to delete


def test_moderator_pins_and_locks(moderator_client, member_client, thread, member):
    other = services.create_thread(member, category(), "A later thread", "discussion", "body")
    assert member_client.post(f"/t/{thread.id}/pin", data={}).status_code == 403
    assert moderator_client.post(f"/t/{thread.id}/pin", data={}).status_code == 302
    listing = member_client.get("/c/general").get_data(as_text=True)
    assert listing.index("Evidence handling") < listing.index(other.title)
    assert moderator_client.post(f"/t/{thread.id}/lock", data={}).status_code == 302
    page = member_client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "This thread is locked" in page and 'name="body"' not in page
    assert member_client.post(f"/t/{thread.id}/reply", data={"body": "late"}).status_code == 403
    assert moderator_client.post(f"/t/{thread.id}/reply", data={"body": "Closing note."}).status_code == 302
    assert moderator_client.post(f"/t/{thread.id}/unlock", data={}).status_code == 302
    assert member_client.post(f"/t/{thread.id}/reply", data={"body": "open again"}).status_code == 302


def test_moderation_buttons_need_csrf(moderator_client, thread):
    assert moderator_client.post(f"/t/{thread.id}/pin", data={}, csrf=False).status_code == 400
    db.session.refresh(thread)
    assert not thread.pinned


def test_thread_posts_are_paginated(member_client, thread, member):
    add_replies(thread, member, 44)  # 45 posts, 20 per page
    page3 = member_client.get(f"/t/{thread.id}?page=3").get_data(as_text=True)
    assert re.findall(r'id="post-(\d+)"', page3) == [str(n) for n in range(41, 46)]
    assert "Page 3 of 3" in page3
    last = db.session.scalar(db.select(Post).where(Post.number == 45))
    assert member_client.get(f"/p/{last.id}").location.endswith(f"/t/{thread.id}?page=3#post-45")


def test_views_are_counted(member_client, thread):
    for _ in range(3):
        member_client.get(f"/t/{thread.id}-evidence-handling")
    db.session.refresh(thread)
    assert thread.view_count == 3


def test_with_redis_a_view_is_counted_without_a_database_write_and_flushed_later(
        app, member_client, thread, redis_server):
    app.config["REDIS_URL"] = redis_server.url
    with count_queries() as statements:
        for _ in range(3):
            assert member_client.get(f"/t/{thread.id}").status_code == 200
    assert not [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    db.session.refresh(thread)
    assert thread.view_count == 0
    assert viewcounts.flush_views() == 3
    member_client.get(f"/t/{thread.id}")  # counted after the flush: waits for the next one
    db.session.refresh(thread)
    assert thread.view_count == 3
    assert viewcounts.flush_views() == 1 and viewcounts.flush_views() == 0
    db.session.refresh(thread)
    assert thread.view_count == 4


def test_a_flush_of_views_leaves_the_shared_pages_alone(app, member_client, thread, redis_server):
    app.config["REDIS_URL"] = redis_server.url
    member_client.get(f"/t/{thread.id}")
    member_client.get("/")
    assert viewcounts.flush_views() == 1
    with count_queries() as statements:
        assert member_client.get("/").status_code == 200
    assert not [s for s in statements if "FROM threads" in s]  # not every page rebuilt each minute


def test_a_flush_that_died_midway_is_finished_by_the_next(app, member_client, thread, redis_server):
    app.config["REDIS_URL"] = redis_server.url
    member_client.get(f"/t/{thread.id}")
    client = viewcounts._redis()
    client.rename(viewcounts.PENDING, viewcounts.FLUSHING)  # the dead flush took the counts
    member_client.get(f"/t/{thread.id}")
    assert viewcounts.flush_views() == 1  # the left-over batch first
    assert viewcounts.flush_views() == 1
    db.session.refresh(thread)
    assert thread.view_count == 2


def _listed(page):
    return re.findall(r'class="thread-title"[^>]*>([^<]+)<', page)


def _link(page, rel):
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("url", ["/c/general", "/"])
def test_thread_lists_page_by_cursor_forward_and_back(app, member_client, member, moderator_client, url):
    app.config["THREADS_PER_PAGE"] = 4
    titles = [services.create_thread(member, category(), f"Topic {i:02}", "discussion", "x").title
              for i in range(11)]
    pinned = db.session.scalar(db.select(Thread).where(Thread.title == "Topic 03"))
    if url != "/":
        assert moderator_client.post(f"/t/{pinned.id}/pin", data={}).status_code == 302
        titles.remove("Topic 03")
        titles.append("Topic 03")  # pinned first (the list is reversed below)
    expected = list(reversed(titles))
    pages, next_url = [], url
    while next_url:
        page = member_client.get(next_url).get_data(as_text=True)
        assert f"Page {len(pages) + 1}" in page
        pages.append(_listed(page))
        next_url = _link(page, "next")
    assert [t for p in pages for t in p] == expected and [len(p) for p in pages] == [4, 4, 3]
    back, prev_url = [], _link(page, "prev")
    while prev_url:
        page = member_client.get(prev_url).get_data(as_text=True)
        back.insert(0, _listed(page))
        prev_url = _link(page, "prev")
    assert back == pages[:2] and "Page 1" in page and "First page" not in page


def test_deep_pages_cost_what_the_first_costs(app, member_client, member):
    app.config["THREADS_PER_PAGE"] = 2
    for i in range(9):
        services.create_thread(member, category(), f"Topic {i}", "discussion", "x")
    page = member_client.get("/c/general").get_data(as_text=True)
    first = _queries_for(member_client, "/c/general")
    for _ in range(3):
        page = member_client.get(_link(page, "next")).get_data(as_text=True)
    assert _listed(page) == ["Topic 2", "Topic 1"] and "Page 4" in page
    member_client.get(_link(page, "next"))  # as for the first page: the reader's place in its threads known
    cache.clear(bodies_only=True)
    with count_queries() as deep:
        member_client.get(_link(page, "next"))
    assert len(deep) == first
    assert not [s for s in deep if "FROM threads" in s and "count(" in s.lower()]  # no total counted


@pytest.mark.parametrize("cursor", ["x", "1.2.3.4", "1.99999999999999999999.3", "0.9" + "9" * 18 + ".1", ""])
def test_a_hand_edited_cursor_shows_the_first_page(member_client, thread, cursor):
    for name in ("after", "before"):
        response = member_client.get(f"/c/general?{name}={cursor}&page=7")
        assert response.status_code == 200
        assert "Evidence handling" in page_text(response) and "Page 7" not in page_text(response)


def test_hidden_threads_stay_out_of_every_page(app, member_client, member, make_user):
    app.config["THREADS_PER_PAGE"] = 2
    for i in range(5):
        services.create_thread(member, category(), f"Topic {i}", "discussion", "x")
    hidden = db.session.scalar(db.select(Thread).where(Thread.title == "Topic 2"))
    hidden.hidden = True
    db.session.commit()
    other = signed_in(app, make_user("bob"))
    seen, url = [], "/c/general"
    while url:
        page = other.get(url).get_data(as_text=True)
        seen += _listed(page)
        url = _link(page, "next")
    assert seen == ["Topic 4", "Topic 3", "Topic 1", "Topic 0"]


def test_unknown_thread_is_404(member_client):
    assert member_client.get("/t/999999").status_code == 404


def _queries_for(client, url):
    """The statements of rendering a page again: the member's chrome from the cache, the page's
    shared body built anew (a repeat view would read none: test_shared_bodies.py)."""
    assert client.get(url).status_code == 200
    cache.clear(bodies_only=True)
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_thread_page_query_count_is_constant(member_client, member, make_user):
    small = services.create_thread(member, category(), "Small thread", "discussion", "first")
    large = services.create_thread(member, category(), "Large thread", "discussion", "first")
    authors = [make_user(f"author{i}") for i in range(6)]
    for i in range(4):
        services.reply(authors[i % 6], small, "short")
    for i in range(59):
        services.reply(authors[i % 6], large, "long")
    assert _queries_for(member_client, f"/t/{small.id}") == _queries_for(member_client, f"/t/{large.id}")


def test_category_and_index_query_counts_are_constant(member_client, make_user):
    authors = [make_user(f"author{i}") for i in range(5)]
    services.create_thread(authors[0], category("cybercrime"), "Lonely thread", "story", "x")
    for i in range(30):
        services.create_thread(authors[i % 5], category(), f"Thread {i}", "discussion", "x")
    few = _queries_for(member_client, "/c/cybercrime")
    many = _queries_for(member_client, "/c/general")
    assert few == many
    with count_queries() as statements:
        member_client.get("/")
    assert len(statements) <= many + 1


def test_a_member_writing_too_fast_is_slowed_down_and_keeps_the_text(app, member, member_client):
    app.config["WRITE_LIMIT"] = "3 per minute"
    opening = start_thread(member)
    thread = opening.thread
    for number in range(3):
        assert member_client.post(f"/t/{thread.id}/reply", data={"body": f"Reply {number}"}).status_code == 302
    refused = member_client.post(f"/t/{thread.id}/reply", data={"body": "The <b>fourth</b> reply"})
    assert refused.status_code == 429
    assert "The &lt;b&gt;fourth&lt;/b&gt; reply</textarea>" in page_text(refused)  # kept, and escaped
    edit = member_client.post(f"/p/{opening.id}/edit", data={"body": "Edited"})
    assert edit.status_code == 429  # one allowance for threads, replies and edits together
    assert db.session.scalar(db.select(db.func.count()).select_from(Post).where(Post.thread_id == thread.id)) == 4


def test_nul_characters_typed_into_a_form_are_dropped_not_an_error(app, member, member_client):
    thread = start_thread(member).thread
    response = member_client.post(f"/t/{thread.id}/reply", data={"body": "before\x00after"})
    assert response.status_code == 302  # PostgreSQL cannot store NUL: the form drops it
    assert db.session.scalar(db.select(Post.body_source).where(Post.number == 2)) == "beforeafter"
