"""Watching threads and categories, @mentions: who is notified, what the notice and the digest mail
show (never hidden content), muting and unwatching from the notification itself."""
import importlib.util
import re
import time
from datetime import timedelta
from html import unescape
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select, update

from forum import tasks
from forum.connect import watching
from forum.discussions import services
from forum.extensions import db
from forum.models import Post, Thread, User, Watch, utcnow
from forum.notifications.models import Notification
from moderation import services as moderation
from tests.conftest import category, count_queries, page_text, signed_in, start_thread, unescaped_page_text
from tests.mail_fixtures import PORTAL_URL, parts
from tests.processes import wait_until


def notices(user, kind=None):
    """(kind, via) of the member's notifications, oldest first."""
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    return [(n.kind, n.data.get("via")) for n in db.session.scalars(query) if kind in (None, n.kind)]


def watch(client, path, mode="watching"):
    response = client.post(f"{path}/watch", data={"mode": mode})
    assert response.status_code == 302, page_text(response)
    return response


def reply(author, thread, body="A reply."):
    return services.reply(author, db.session.get(Thread, thread.id), body)


def hide_by_reports(post, make_user):
    """Three members report the post: it is hidden pending review."""
    for n in range(3):
        moderation.report_post(make_user(f"reporter{post.id}x{n}"), post, "disrespect", "")
    db.session.expire_all()
    assert db.session.get(Post, post.id).moderation_state == "pending"


def test_the_author_watches_their_thread_and_hears_of_a_reply(app, make_user):
    author, bob = make_user("author", display_name="Arthur"), make_user("bob", display_name="Bob Replier")
    thread = start_thread(author, title="Border checkpoints").thread
    assert db.session.scalar(select(Watch.mode).where(Watch.user_id == author.id,
                                                      Watch.thread_id == thread.id)) == "watching"

    response = signed_in(app, bob).post(f"/t/{thread.id}/reply", data={"body": "Good point.", "language": "en"})
    assert response.status_code == 302

    assert notices(author) == [("reply", "thread")]
    assert notices(bob) == []  # not of one's own reply; and repliers do not watch by default
    page = unescaped_page_text(signed_in(app, author).get("/notifications"))
    assert "Bob Replier replied in “Border checkpoints”." in page
    assert "Good point." not in page  # the notice names the thread and author, never the text


def test_watchers_but_not_the_replier_the_muted_or_those_who_cannot_sign_in_are_notified(app, make_user):
    author = make_user("author")
    thread = start_thread(author).thread
    carol, dave, erin, fred = (make_user(name) for name in ("carol", "dave", "erin", "fred"))
    watch(signed_in(app, carol), f"/t/{thread.id}")
    dave_client = signed_in(app, dave)
    watch(dave_client, "/c/general")
    watch(dave_client, f"/t/{thread.id}", "muted")  # the thread's mute wins over the category's watch
    watch(signed_in(app, erin), f"/t/{thread.id}")
    watch(signed_in(app, fred), "/c/general")
    db.session.execute(update(User).where(User.id == erin.id)
                       .values(status="suspended", suspended_until=utcnow() + timedelta(days=3)))
    db.session.execute(update(User).where(User.id == fred.id).values(status="dismissed"))
    db.session.commit()

    reply(carol, thread)

    assert notices(author) == [("reply", "thread")]
    assert notices(carol) == notices(dave) == notices(erin) == notices(fred) == []


def test_category_watchers_hear_of_new_threads_and_replies(app, make_user):
    author, watcher = make_user("author"), make_user("watcher")
    client = signed_in(app, watcher)
    watch(client, "/c/general")
    assert "You watch this category." in page_text(client.get("/c/general"))
    assert [u.username for u in watching.category_watchers(category().id)] == ["watcher"]

    thread = start_thread(author, title="A new matter").thread
    reply(make_user("other"), thread)
    start_thread(author, title="Elsewhere", slug="cybercrime")

    assert notices(watcher) == [("new_thread", "category"), ("reply", "category")]
    assert "A new matter" in page_text(client.get("/notifications"))

    watch(client, "/c/general", "none")
    assert watching.category_watchers(category().id) == []
    reply(author, thread)
    assert len(notices(watcher)) == 2


def test_category_watchers_leave_out_the_muted_and_inactive(app, make_user):
    for name, mode, status in (("w1", "watching", "active"), ("w2", "muted", "active"),
                               ("w3", "watching", "dismissed")):
        user = make_user(name, status=status)
        db.session.add(Watch(user_id=user.id, category_id=category().id, mode=mode))
    db.session.commit()
    assert [u.username for u in watching.category_watchers(category().id)] == ["w1"]


def test_a_mention_notifies_the_member_once_per_post(app, make_user):
    author, carol, dave = make_user("author"), make_user("carol"), make_user("dave")
    thread = start_thread(author).thread
    watch(signed_in(app, carol), f"/t/{thread.id}")
    client = signed_in(app, make_user("writer", display_name="Will Writer"))

    client.post(f"/t/{thread.id}/reply", data={"body": "Ask @carol, not me@dave or @nobody.", "language": "en"})
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    assert notices(carol) == [("mention", "mention")]  # one notice, not a reply notice as well
    assert notices(dave) == []
    assert "Will Writer mentioned you in" in unescaped_page_text(signed_in(app, carol).get("/notifications"))

    client.post(f"/p/{post.id}/edit", data={"body": "Ask @carol and @dave.", "language": "en"})
    client.post(f"/p/{post.id}/edit", data={"body": "Ask @Carol and @dave, again.", "language": "en"})
    assert notices(dave) == [("mention", "mention")]
    assert notices(carol) == [("mention", "mention")]


def test_a_mention_links_to_the_profile_and_one_inside_a_quote_or_code_notifies_nobody(app, make_user):
    author, carol, dave, erin = make_user("author"), make_user("carol"), make_user("dave"), make_user("erin")
    thread = start_thread(author, body="Thanks @dave for the idea").thread
    client = signed_in(app, make_user("writer"))
    opening = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id))
    quoting = client.get(f"/t/{thread.id}/reply?quote={opening}")
    quoted = re.search(r"<textarea[^>]*>(.*?)</textarea>", quoting.get_data(as_text=True), re.S).group(1)
    assert "[Author](/p/" in quoted  # the quoted member's display name, linking to the quoted post
    body = unescape(quoted) + "I agree with @carol; see `@erin` in the code."
    before = notices(dave)  # the opening post named dave itself
    client.post(f"/t/{thread.id}/reply", data={"body": body, "language": "en"})
    assert notices(carol) == [("mention", "mention")]
    assert notices(dave) == before and notices(erin) == []  # quoted words and code mention nobody
    page = unescaped_page_text(signed_in(app, carol).get(f"/t/{thread.id}"))
    assert '<a href="/u/carol" class="mention" rel="nofollow noopener">@carol</a>' in page
    assert "<code>@erin</code>" in page


def test_a_mention_in_a_muted_thread_stays_silent(app, make_user):
    author, carol = make_user("author"), make_user("carol")
    thread = start_thread(author).thread
    watch(signed_in(app, carol), f"/t/{thread.id}", "muted")
    reply(author, thread, "Hello @carol")
    assert notices(carol) == []


def test_hidden_content_notifies_nobody(app, make_user):
    author, watcher = make_user("author"), make_user("watcher")
    opening = start_thread(author, title="Under review")
    thread = opening.thread
    watch(signed_in(app, watcher), "/c/general")
    watch(signed_in(app, watcher), f"/t/{thread.id}")
    hide_by_reports(opening, make_user)  # the thread is hidden with its opening post

    reply(author, thread, "Still here, @watcher")
    assert notices(watcher, "reply") == notices(watcher, "mention") == []

    visible = reply(make_user("other"), start_thread(author, title="Open one").thread)
    services.delete_post(db.session.get(User, visible.author_id), visible)
    services.edit_post(author, db.session.get(Post, opening.id), "Now with @watcher")
    assert notices(watcher, "mention") == []


def test_a_post_hidden_later_shows_in_neither_the_list_nor_the_digest(app, mailbox, make_user):
    author, watcher = make_user("author", display_name="Arthur"), make_user("watcher")
    kept_thread = start_thread(author, title="Kept thread").thread
    secret_opening = start_thread(author, title="Sensitive title")
    for thread in (kept_thread, secret_opening.thread):
        watch(signed_in(app, watcher), f"/t/{thread.id}")
    rude = reply(make_user("rude", display_name="Rude Replier"), kept_thread, "Offensive words")
    reply(make_user("fine", display_name="Fine Replier"), kept_thread, "Useful words")
    reply(make_user("third", display_name="Third Replier"), secret_opening.thread, "More words")
    assert len(notices(watcher)) == 3

    hide_by_reports(rude, make_user)
    hide_by_reports(secret_opening, make_user)

    page = unescaped_page_text(signed_in(app, watcher).get("/notifications"))
    assert "Fine Replier replied in “Kept thread”." in page
    assert page.count("A post you were told about is no longer available.") == 2
    for leaked in ("Rude Replier", "Offensive", "Sensitive title", "Third Replier"):
        assert leaked not in page

    watching.send_watch_digests()
    (message,) = mailbox.to(watcher)
    plain, html = parts(message)
    assert message["Subject"] == "New posts in threads you watch"
    assert "Fine Replier replied in “Kept thread”." in plain
    for leaked in ("Rude Replier", "Offensive", "Sensitive title", "Third Replier"):
        assert leaked not in plain and leaked not in html


def test_three_replies_make_one_mail_per_watcher_per_interval(app, mailbox, make_user):
    author, watcher = make_user("author"), make_user("watcher", preferred_language="es")
    thread = start_thread(author, title="Busy thread").thread
    watch(signed_in(app, watcher), f"/t/{thread.id}")
    replies = [reply(make_user(f"r{n}", display_name=f"Replier {n}"), thread) for n in range(3)]
    assert mailbox.messages == []  # nothing at once: one digest later

    watching.send_watch_digests()

    assert len(mailbox.to(author)) == len(mailbox.to(watcher)) == 1 and len(mailbox.messages) == 2
    plain, html = parts(mailbox.to(author)[0])
    for n, post in enumerate(replies):
        assert f"Replier {n} replied in “Busy thread”." in plain
        assert f'href="{PORTAL_URL}/p/{post.id}"' in html
    notice_ids = db.session.scalars(select(Notification.id).where(Notification.user_id == author.id)).all()
    assert f"{PORTAL_URL}/notifications/{notice_ids[0]}/watching" in plain  # stop watching or mute
    assert '<html lang="es' in parts(mailbox.to(watcher)[0])[1]  # in the watcher's language

    reply(make_user("late"), thread)
    watching.send_watch_digests()
    assert len(mailbox.messages) == 2  # not again within the interval
    db.session.execute(update(User).values(last_watch_digest_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    watching.send_watch_digests()
    assert len(mailbox.to(author)) == 2 and "Late replied" in parts(mailbox.to(author)[-1])[0]
    watching.send_watch_digests()
    assert len(mailbox.messages) == 4  # nothing new to tell


def test_the_digest_can_be_switched_off(app, mailbox, make_user):
    author = make_user("author")
    client = signed_in(app, author)
    page = page_text(client.get("/account/notifications"))
    assert 'name="mail-watch_digest"' in page
    client.post("/account/notifications", data={"mail-report_reviewed": "y"})
    reply(make_user("other"), start_thread(author).thread)
    watching.send_watch_digests()
    assert mailbox.messages == [] and notices(author) == [("reply", "thread")]


def test_mute_and_unwatch_from_the_notification(app, mailbox, make_user):
    author, watcher = make_user("author"), make_user("watcher")
    thread = start_thread(author).thread
    watch(signed_in(app, watcher), "/c/general")
    reply(make_user("other"), thread)
    author_client, watcher_client = signed_in(app, author), signed_in(app, watcher)
    (author_notice,) = db.session.scalars(select(Notification).where(Notification.user_id == author.id))
    (watcher_notice,) = db.session.scalars(select(Notification).where(Notification.user_id == watcher.id))

    assert f"/notifications/{author_notice.id}/watching" in page_text(author_client.get("/notifications"))
    confirm = author_client.get(f"/notifications/{author_notice.id}/watching")  # the e-mail's link
    assert confirm.status_code == 200 and 'value="mute"' in page_text(confirm)
    assert notices(author) == [("reply", "thread")]  # a GET changes nothing
    assert author_client.get(f"/notifications/{watcher_notice.id}/watching").status_code == 404
    assert author_client.post(f"/notifications/{watcher_notice.id}/watching",
                              data={"action": "mute"}).status_code == 404

    assert author_client.post(f"/notifications/{author_notice.id}/watching",
                              data={"action": "mute"}).status_code == 302
    assert watcher_client.post(f"/notifications/{watcher_notice.id}/watching",
                               data={"action": "unwatch"}).status_code == 302
    assert db.session.scalars(select(Watch.mode).where(Watch.user_id == author.id)).all() == ["muted"]
    assert db.session.scalars(select(Watch).where(Watch.user_id == watcher.id)).all() == []  # the category's

    reply(make_user("again"), thread)
    assert len(notices(author)) == len(notices(watcher)) == 1
    assert "You muted this thread." in page_text(author_client.get(f"/t/{thread.id}"))


def test_watch_buttons_need_the_csrf_token_and_a_known_mode(app, make_user):
    author = make_user("author")
    thread = start_thread(author).thread
    client = signed_in(app, make_user("watcher"))
    page = page_text(client.get(f"/t/{thread.id}"))
    assert re.search(rf'action="/t/{thread.id}/watch".*?name="csrf_token".*?value="watching"', page, re.S)
    assert client.post(f"/t/{thread.id}/watch", data={"mode": "watching"}, csrf=False).status_code == 400
    assert client.post(f"/t/{thread.id}/watch", data={"mode": "loud"}).status_code == 400
    assert client.post("/c/general/watch", data={"mode": "watching"}, csrf=False).status_code == 400
    assert db.session.scalars(select(Watch).where(Watch.user_id != author.id)).all() == []


def _queries_for(client, url):
    client.get(url)  # warm: the first request loads what every later one has cached
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_thread_page_with_watch_state_costs_the_same_queries(app, make_user):
    author = make_user("author")
    small, large = start_thread(author, title="Small one").thread, start_thread(author, title="Large one").thread
    repliers = [make_user(f"replier{n}") for n in range(5)]
    reply(repliers[0], small)
    for n in range(30):
        reply(repliers[n % 5], large, f"Reply {n} to @author")
    for member in repliers:
        db.session.add(Watch(user_id=member.id, thread_id=large.id, mode="watching"))
    db.session.commit()
    client = signed_in(app, author)
    watch(client, "/c/general")
    assert _queries_for(client, f"/t/{small.id}") == _queries_for(client, f"/t/{large.id}")


def test_notifications_page_costs_the_same_queries_for_many_notices(app, make_user):
    author = make_user("author")
    thread = start_thread(author).thread
    client = signed_in(app, author)
    reply(make_user("first"), thread)
    few = _queries_for(client, "/notifications")
    for n in range(10):
        reply(make_user(f"more{n}"), thread)
    assert _queries_for(client, "/notifications") == few


# --- the real path: beat's task on a Celery worker, mail over SMTP ---------------------------------

def test_the_worker_mails_three_replies_in_one_digest(portal, worker, smtp_server, make_user):
    author = make_user("author")
    thread = start_thread(author, title="Worker thread").thread
    client = signed_in(portal, make_user("bob", display_name="Bob"))
    for n in range(3):
        assert client.post(f"/t/{thread.id}/reply", data={"body": f"Reply {n}", "language": "en"}).status_code == 302
    time.sleep(0.5)
    assert smtp_server.to(author.email) == []  # nothing per reply

    tasks.send_watch_digests.delay()  # what beat runs every minute
    wait_until(lambda: smtp_server.to(author.email), 30, "the watch digest")
    tasks.send_watch_digests.delay()
    time.sleep(1)  # time for a second mail to show

    (message,) = smtp_server.to(author.email)
    assert parts(message)[0].count("Bob replied in “Worker thread”.") == 3


def test_posts_written_before_mentions_were_links_get_them_from_migration_0023(app, make_user):
    make_user("somchai.p")
    post = start_thread(make_user("writer"), "Field notes", "Thanks @somchai.p, and write to me@example.org")
    db.session.execute(db.update(Post).where(Post.id == post.id).values(body_html="<p>as rendered before</p>"))
    db.session.commit()
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0023_mention_links.py"
    spec = importlib.util.spec_from_file_location("mention_links", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    db.session.expire_all()
    html = db.session.get(Post, post.id).body_html
    assert 'href="/u/somchai.p"' in html and 'href="/u/example.org"' not in html
