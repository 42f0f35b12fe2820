"""The most useful answer of a best-practice thread: chosen by the thread's author or a moderator,
shown first under the opening post, for every reader of the shared page."""
import pytest

from forum.discussions import services
from forum.extensions import db
from forum.models import Thread
from forum.notifications.models import Notification
from tests.conftest import category, page_text, signed_in


@pytest.fixture
def practice(make_user):
    author = make_user("author", display_name="Ana Author")
    thread = services.create_thread(author, category(), "Handling digital evidence", "best_practice", "How do you?")
    first = services.reply(make_user("early"), thread, "An early answer")
    best = services.reply(make_user("expert", display_name="Eve Expert"), thread, "Hash it before anything else")
    return thread, first, best


def test_the_author_marks_the_most_useful_answer_and_everyone_sees_it_first(app, member_client, practice):
    thread, first, best = practice
    author = signed_in(app, "author")
    assert "Mark as the most useful answer" in page_text(author.get(f"/t/{thread.id}"))
    assert "Mark as the most useful answer" not in page_text(member_client.get(f"/t/{thread.id}"))
    response = author.post(f"/p/{best.id}/best", data={})
    assert (response.status_code, response.location) == (302, f"/t/{thread.id}#post-3")
    page = page_text(member_client.get(f"/t/{thread.id}"))
    assert page.index("How do you?") < page.index("Most useful answer") < page.index("Hash it before") \
        < page.index("An early answer")
    assert 'id="best-post-3"' in page and 'id="post-3"' in page  # also in its place
    assert "Unmark as the most useful answer" in page_text(author.get(f"/t/{thread.id}"))
    expert = signed_in(app, "expert")  # told once, in-app and in the watch digest
    assert "Your answer in “Handling digital evidence” is marked as the most useful." in \
        page_text(expert.get("/notifications"))
    author.post(f"/p/{best.id}/best", data={})  # again: unmarked
    assert "Most useful answer" not in page_text(member_client.get(f"/t/{thread.id}"))
    author.post(f"/p/{best.id}/best", data={})  # chosen again later: told again
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(
        Notification.kind == "best_answer")) == 2


def test_only_the_author_and_moderators_choose_and_only_on_best_practices(app, member_client, moderator_client,
                                                                          make_user, practice):
    thread, first, best = practice
    assert member_client.post(f"/p/{best.id}/best", data={}).status_code == 403
    assert moderator_client.post(f"/p/{first.id}/best", data={}).status_code == 302
    assert db.session.get(Thread, thread.id).best_post_id == first.id
    opening = db.session.get(Thread, thread.id).best_post_id
    assert signed_in(app, "author").post(f"/p/{opening - 1}/best", data={}).status_code == 403  # not the opening
    talk = services.create_thread(make_user("talker"), category(), "Chat", "discussion", "Hello")
    reply = services.reply(make_user("other"), talk, "Hi")
    assert signed_in(app, "talker").post(f"/p/{reply.id}/best", data={}).status_code == 403


def test_a_removed_answer_is_not_shown_first(app, member_client, practice):
    thread, first, best = practice
    signed_in(app, "author").post(f"/p/{best.id}/best", data={})
    services.delete_post(best.author, best)
    assert "Most useful answer" not in page_text(member_client.get(f"/t/{thread.id}"))
