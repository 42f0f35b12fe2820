"""The page chrome (unread count, Code of Conduct accepted, watching) from the cache (forum/cache.py):
a repeat view reads none of it from the database, and every change shows on the next page."""
import re

from forum import cache
from forum.accounts import members
from forum.conduct import accept_conduct, current_conduct, publish_conduct
from forum.connect import watching
from forum.extensions import db
from forum.notifications.notices import mark_read, notify
from tests.conftest import count_queries, page_text, start_thread

# The unread count, the Code of Conduct acceptance, the watch state.
CHROME = re.compile(r"count\(notifications\.id\)|\bFROM conduct_acceptances\b|\bFROM watches\b")


def chrome_statements(client, url):
    """The statements of one view that read the chrome."""
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return [statement for statement in statements if CHROME.search(statement)]


def unread_badge(page):
    match = re.search(r'Notifications <span class="count" aria-hidden="true">(\d+)</span>', page)
    return int(match.group(1)) if match else 0


def test_a_repeat_view_reads_no_chrome_from_the_database(member_client, member):
    thread = start_thread(member).thread
    first = chrome_statements(member_client, "/")
    assert len(first) == 1  # the unread count: the check sees such statements (the reply box asks for the rest)
    assert len(chrome_statements(member_client, f"/t/{thread.id}")) == 2  # acceptance, watching: first time
    urls = ("/", "/c/general", f"/t/{thread.id}", "/notifications", "/reports")
    for url in urls:
        member_client.get(url)
    for url in urls:
        assert chrome_statements(member_client, url) == [], url


def test_a_new_notice_and_reading_it_show_on_the_next_page(member_client, member, make_user):
    assert unread_badge(page_text(member_client.get("/"))) == 0
    notify([member], "warning", None, rule="disrespect", reason="Mind your tone")
    db.session.commit()
    assert unread_badge(page_text(member_client.get("/"))) == 1
    notify([member, make_user("other")], "reply", None, post_id=0, thread_id=0, via="thread")  # the bulk insert
    db.session.commit()
    assert unread_badge(page_text(member_client.get("/"))) == 2
    mark_read(member)
    assert unread_badge(page_text(member_client.get("/"))) == 0


def test_another_members_change_does_not_reach_or_clear_this_members_chrome(member_client, member, make_user):
    member_client.get("/")
    notify([make_user("other")], "warning", None, rule="disrespect", reason="x")
    db.session.commit()
    assert chrome_statements(member_client, "/") == []  # still served from the cache


def test_accepting_and_a_new_version_of_the_code_show_at_once(member_client, member, make_user, app):
    assert member_client.get("/c/general/new").status_code == 200  # accepted: the form, and now cached
    old = current_conduct()
    with app.test_request_context():
        publish_conduct(make_user("boss", role="admin"), old.title, old.introduction, old.closing,
                        [(rule.title, rule.text) for rule in old.rules])
    response = member_client.get("/c/general/new")
    assert response.status_code == 302 and response.location.startswith("/conduct")
    with app.test_request_context():
        assert accept_conduct(member, old.number + 1)
    assert member_client.get("/c/general/new").status_code == 200


def test_watching_a_thread_shows_on_the_next_view(member_client, member, make_user):
    thread = start_thread(make_user("author")).thread
    assert 'value="watching"' in page_text(member_client.get(f"/t/{thread.id}"))
    with member_client.application.test_request_context():
        watching.set_watch(member, "watching", thread=thread)
    page = page_text(member_client.get(f"/t/{thread.id}"))
    assert 'value="none"' in page  # the button now offers to stop watching
    with member_client.application.test_request_context():
        watching.set_watch(member, None, thread=thread)
    assert 'value="watching"' in page_text(member_client.get(f"/t/{thread.id}"))


def test_a_rolled_back_change_raises_no_generation(app, member):
    calls = []
    store = cache.store()
    original = store.incr
    store.incr = lambda keys: calls.append(list(keys))
    try:
        notify([member], "warning", None, rule="disrespect", reason="x")
        db.session.rollback()
        db.session.commit()
        assert calls == []
        notify([member], "warning", None, rule="disrespect", reason="x")
        db.session.commit()
        assert calls == [[f"gen:{member.id}"]]
    finally:
        store.incr = original


def test_a_forked_process_without_redis_keeps_nothing(member_client, member):
    store = cache.store()
    member_client.get("/")
    store.pid = -1  # as in a gunicorn worker forked from the process that built the app
    try:
        assert chrome_statements(member_client, "/") != []
        assert chrome_statements(member_client, "/") != []
    finally:
        store.pid = __import__("os").getpid()


def test_on_redis_every_worker_sees_the_chrome_and_its_changes(app, member_client, member, redis_server):
    local = app.extensions["chrome_cache"]
    app.extensions["chrome_cache"] = cache.RedisStore(redis_server.url)
    try:
        member_client.get("/")
        assert chrome_statements(member_client, "/") == []
        another_worker = cache.RedisStore(redis_server.url)
        [stamp, count] = another_worker.get_many([f"{member.id}:unread"])[0]
        assert count == 0
        notify([member], "warning", None, rule="disrespect", reason="Mind your tone")
        db.session.commit()
        assert another_worker.get_many([f"gen:{member.id}"]) == [stamp[0] + 1]  # raised where all can see it
        assert unread_badge(page_text(member_client.get("/"))) == 1
    finally:
        app.extensions["chrome_cache"] = local


def test_a_redis_that_does_not_answer_costs_the_cache_not_the_page(app, member_client, member):
    local = app.extensions["chrome_cache"]
    app.extensions["chrome_cache"] = cache.RedisStore("redis://127.0.0.1:1/0")
    try:
        notify([member], "warning", None, rule="disrespect", reason="Mind your tone")
        db.session.commit()
        assert unread_badge(page_text(member_client.get("/"))) == 1
        assert len(chrome_statements(member_client, "/")) == 1  # read from the database each time
    finally:
        app.extensions["chrome_cache"] = local


def member_lookups(client, url="/"):
    """The statements of one view that look the signed-in member up by their session token."""
    with count_queries() as statements:
        response = client.get(url)
    return response, [s for s in statements if "users.session_token =" in s]


def test_the_signed_in_member_is_loaded_without_a_query_on_a_repeat_view(member_client):
    assert member_lookups(member_client)[1] != []  # the first view reads the row
    response, lookups = member_lookups(member_client)
    assert response.status_code == 200 and lookups == []


def test_suspension_role_and_sign_out_reach_a_cached_session_at_once(app, member_client, member, make_user):
    boss = make_user("boss", role="admin")
    member_lookups(member_client)
    member.role = "moderator"  # as an admin's role change writes it
    db.session.commit()
    assert 'href="/moderation/"' in page_text(member_client.get("/"))
    with app.test_request_context():
        members.sign_out(boss, member)  # a new session token
    response, _ = member_lookups(member_client)
    assert response.status_code == 302 and "/login" in response.location


def test_a_bulk_sign_out_reaches_cached_sessions(app, member_client, member, make_user):
    boss = make_user("boss", role="admin")
    assert member_lookups(member_client)[0].status_code == 200
    assert member_lookups(member_client)[1] == []
    with app.test_request_context():
        members.bulk_sign_out(boss, {})
    response, _ = member_lookups(member_client)
    assert response.status_code == 302 and "/login" in response.location
