"""Shared page bodies (forum/cache.py shared_body): a repeat view of home, a category or a thread reads
nothing from the database, readers never see one another's header, token or rights, and every change
shows on the next view."""
import re

import pytest

from forum import cache
from forum.discussions import services
from forum.extensions import db
from forum.models import Post, utcnow
from tests.conftest import category, count_queries, page_text, session_as, start_thread, translated

TOKENS = re.compile(r'name="csrf_token" value="([^"]+)"')
VIEW_COUNT = "UPDATE threads SET view_count"


def reads(client, url):
    """The statements of one view up to its view count: without Redis a view is counted in the
    database once the page is rendered, and that commit expires the member's row."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    counted = [i for i, statement in enumerate(statements) if statement.startswith(VIEW_COUNT)]
    return statements[:counted[0]] if counted else statements


@pytest.fixture
def other_thread(make_user):
    """A thread of someone else's, with a reply: the member is not an author on it."""
    opening = start_thread(make_user("author"), title="Border checkpoints", body="Opening words")
    services.reply(make_user("replier"), opening.thread, "First answer")
    return opening.thread


def test_a_repeat_view_of_a_hot_page_reads_nothing(member_client, other_thread):
    urls = ("/", "/?kind=story", "/c/general", f"/t/{other_thread.id}", f"/t/{other_thread.id}-border-checkpoints")
    for url in urls:
        member_client.get(url)
    for url in urls:
        assert reads(member_client, url) == [], url


def test_a_reader_sees_their_own_header_and_token_in_a_shared_body(app, member_client, make_user, other_thread):
    url = f"/t/{other_thread.id}"
    first = page_text(member_client.get(url))
    assert "Alice" in first
    bob = session_as(app.test_client(), make_user("bob", display_name="Robert Example"))
    with count_queries() as statements:
        page = page_text(bob.get(url))
    assert not [s for s in statements if "FROM posts" in s or "FROM threads" in s]  # the body alice's view stored
    assert "Robert Example" in page and ">Alice<" not in page
    tokens = set(TOKENS.findall(page))
    assert len(tokens) == 1 and tokens.isdisjoint(TOKENS.findall(first))
    assert "slot-" not in page  # every slot filled
    watched = bob.post(f"/t/{other_thread.id}/watch", data={"mode": "watching", "csrf_token": tokens.pop()},
                       csrf=False)
    assert watched.status_code == 302  # the token in the shared body is bob's own


@pytest.mark.parametrize("moderator_first", [True, False])
def test_moderator_elements_never_reach_members(moderator_client, member_client, other_thread, moderator_first):
    hidden = db.session.scalar(db.select(Post).where(Post.thread_id == other_thread.id,
                                                               Post.number == 2))
    hidden.moderation_state = "pending"
    db.session.commit()
    url = f"/t/{other_thread.id}"
    pages = {}
    for who, client in sorted({"moderator": moderator_client, "member": member_client}.items(),
                              reverse=moderator_first):
        client.get(url)
        pages[who] = page_text(client.get(url))
    assert "First answer" in pages["moderator"] and ">Pin</button>" in pages["moderator"]
    assert "First answer" not in pages["member"] and ">Pin</button>" not in pages["member"]
    assert "This post is hidden while the moderators review it." in pages["member"]


@pytest.mark.parametrize("author_first", [True, False])
def test_authors_get_their_own_render(app, member, member_client, make_user, author_first):
    thread = start_thread(member, title="My own notes").thread
    bob = session_as(app.test_client(), make_user("bob"))
    order = [(member_client, True), (bob, False)]
    for client, is_author in (order if author_first else order[::-1]) * 2:
        page = page_text(client.get(f"/t/{thread.id}"))
        assert (f"/p/{_opening_id(thread)}/edit" in page) == is_author
        assert (">Report</a>" in page) != is_author


def _opening_id(thread):
    return db.session.scalar(db.select(Post.id).where(Post.thread_id == thread.id,
                                                                Post.number == 1))


def test_each_view_has_its_own_form_token_and_the_reader_s_own_conduct_gate(app, member_client, make_user,
                                                                            other_thread):
    url = f"/t/{other_thread.id}"
    views = [page_text(member_client.get(url)) for _ in range(2)]
    tokens = [re.search(r'name="submission"[^>]*value="([^"]+)"', view).group(1) for view in views]
    assert tokens[0] != tokens[1] and "slot-" not in " ".join(views)
    sent = member_client.post(f"{url}/reply", data={"body": "Sent from a shared page", "language": "en",
                                                    "submission": tokens[1]})
    assert sent.status_code == 302
    newcomer = session_as(app.test_client(), make_user("newcomer", accepted=False))
    page = page_text(newcomer.get(url))
    assert "Accept the Code of Conduct to reply." in page and 'name="submission"' not in page
    assert 'id="reply-title"' in page


def test_a_silenced_member_shares_nothing_with_those_who_may_reply(app, member_client, make_user, other_thread):
    url = f"/t/{other_thread.id}"
    assert 'id="reply-title"' in page_text(member_client.get(url))
    silenced = session_as(app.test_client(), make_user("quiet", silenced_until=utcnow().replace(year=2100)))
    page = page_text(silenced.get(url))
    assert 'id="reply-title"' not in page and ">Report</a>" not in page


def test_each_language_has_its_own_body(app, member_client, make_user, other_thread):
    member_client.get("/")
    spanish = session_as(app.test_client(), make_user("sofia", preferred_language="es"))
    page = page_text(spanish.get("/"))
    assert translated("es", "Latest activity") in page and "Latest activity" not in page


def test_every_change_shows_on_the_next_view(app, member_client, make_user, other_thread):
    urls = ("/", "/c/general", f"/t/{other_thread.id}")
    for url in urls:
        member_client.get(url)
    replier = make_user("carla", display_name="Carla Reyes")
    services.reply(replier, other_thread, "A fresh answer about passports")
    assert "A fresh answer about passports" in page_text(member_client.get(f"/t/{other_thread.id}"))
    for url in ("/", "/c/general"):
        assert "Carla Reyes" in page_text(member_client.get(url)), url  # the last poster
    replier.display_name = "Carla R."
    db.session.commit()
    assert "Carla R." in page_text(member_client.get(f"/t/{other_thread.id}"))
    other_thread.pinned = True
    db.session.commit()
    assert "badge-pinned" in page_text(member_client.get("/c/general"))
    category().name = "General discussion (renamed)"
    db.session.commit()
    assert "General discussion (renamed)" in page_text(member_client.get("/"))


def test_signing_in_leaves_the_shared_bodies_alone(app, member_client, make_user, other_thread):
    member_client.get("/")
    user = make_user("dora")
    user.last_login_at = utcnow()
    user.session_token = "rotated-" + user.username
    db.session.commit()
    assert reads(member_client, "/") == []


def test_a_body_that_says_minutes_ago_is_served_within_its_minute_only(monkeypatch, member_client, other_thread):
    member_client.get("/")
    assert reads(member_client, "/") == []
    later = cache._minute() + 1
    monkeypatch.setattr(cache, "_minute", lambda: later)
    assert reads(member_client, "/") != []  # "just now" is rendered again
    assert reads(member_client, "/") == []


def test_a_page_a_minute_late_is_served_while_another_worker_renders_it(app, monkeypatch, member_client,
                                                                        other_thread):
    member_client.get("/")
    later = cache._minute() + 1
    monkeypatch.setattr(cache, "_minute", lambda: later)
    monkeypatch.setattr(app.extensions["page_cache"], "claim", lambda key, seconds: False)  # another has it
    assert reads(member_client, "/") == []  # "just now" for one request more, not a render in every worker
    monkeypatch.setattr(cache, "_minute", lambda: later + 1)
    assert reads(member_client, "/") != []  # two minutes late: rendered again whatever the others do
    member_client.get(f"/t/{other_thread.id}")
    services.reply(other_thread.author, other_thread, "A late answer")
    monkeypatch.setattr(cache, "_minute", lambda: later + 2)
    assert "A late answer" in page_text(member_client.get(f"/t/{other_thread.id}"))  # a change is never late


def test_without_a_usable_store_pages_render_from_the_database(app, member_client, other_thread, monkeypatch):
    monkeypatch.setattr(app.extensions["page_cache"], "pid", -1)  # as in a process forked without Redis
    member_client.get("/")
    assert reads(member_client, "/") != []
    assert "Border checkpoints" in page_text(member_client.get("/"))
    assert cache.store().usable


@pytest.fixture
def on_redis(app, redis_server):
    """The chrome and the bodies on Redis, as under gunicorn; this process keeps its near copies."""
    saved = {name: app.extensions[name] for name in ("chrome_cache", "page_cache")}
    app.extensions["chrome_cache"] = cache.RedisStore(redis_server.url)
    app.extensions["page_cache"] = cache.RedisStore(redis_server.url, cache.PAGE_PREFIX)
    app.extensions.pop("near_copies", None)
    yield cache.RedisStore(redis_server.url, cache.PAGE_PREFIX)
    app.extensions.update(saved)
    app.extensions.pop("near_copies", None)


def test_on_redis_a_repeat_view_reads_nothing_and_every_change_shows(app, member, member_client, make_user,
                                                                     other_thread, on_redis):
    url = f"/t/{other_thread.id}"
    member_client.get(url)
    assert reads(member_client, url) == []
    assert len(app.extensions["near_copies"]["bodies"].values) == 1  # this process's copy of the body
    services.reply(make_user("worker2"), other_thread, "Written on another worker")
    assert "Written on another worker" in page_text(member_client.get(url))  # the copy is checked, not trusted
    app.extensions["near_copies"]["pid"] = -1  # a process forked later starts with no copies
    assert reads(member_client, url) == []  # ... and reads the body and the member from Redis
    member.suspended_until = utcnow().replace(year=2100)
    db.session.commit()
    assert member_client.get(url).status_code == 302  # the copy of the member's row is not trusted either
