"""Direct messages (forum/messages): conversations of two or more members, the inbox and its unread
count, leaving, blocking, the digest, and reporting a message to the moderators, who read only the
reported message and the few before it."""
import itertools
import re

import pytest

from forum.extensions import db
from forum.messages import services as messages
from forum.messages.models import Message
from forum.models import utcnow
from forum.notifications.models import Delivery, Notification
from moderation.models import Case
from tests.conftest import count_queries, page_text, session_as


@pytest.fixture
def ana(make_user):
    return make_user("ana.silva", display_name="Ana Silva")


@pytest.fixture
def somchai(make_user):
    return make_user("somchai.p", display_name="Somchai Prasert")


def nav_messages(page):
    """The unread conversations the navigation shows (None: no count)."""
    found = re.search(r'href="/messages">[^<]*<span class="count" aria-hidden="true">(\d+)</span>', page)
    return int(found.group(1)) if found else None


def test_a_member_writes_to_another_from_their_profile(app, client, ana, somchai):
    session_as(client, ana)
    profile = page_text(client.get("/u/somchai.p"))
    assert 'href="/messages/new?to=somchai.p"' in profile
    form = page_text(client.get("/messages/new?to=somchai.p"))
    assert 'value="somchai.p"' in form  # the recipient filled in
    answer = client.post("/messages/new", data={"to": "somchai.p", "subject": "Border training",
                                                "body": "Shall we compare **notes**?"})
    conversation_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    reader = session_as(app.test_client(), somchai)
    assert nav_messages(page_text(reader.get("/"))) == 1
    inbox = page_text(reader.get("/messages"))
    assert "Border training" in inbox and "With Ana Silva" in inbox and "1 new" in inbox
    page = page_text(reader.get(f"/messages/{conversation_id}"))
    assert "<strong>notes</strong>" in page  # Markdown, through the sanitizer
    assert nav_messages(page_text(reader.get("/"))) is None  # read: no count
    reader.post(f"/messages/{conversation_id}", data={"body": "Yes, Tuesday."})
    assert nav_messages(page_text(client.get("/"))) == 1
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == ana.id,
                                                             Notification.kind == "message"))
    assert notice is not None
    assert "Somchai Prasert wrote to you in “Border training”." in page_text(client.get("/notifications"))


def test_a_failed_message_keeps_what_was_typed(app, member_client):
    page = page_text(member_client.post("/messages/new", data={"to": "nobody.here", "subject": "Lost",
                                                               "body": "Words I typed"}))
    assert "No member can be written to as nobody.here." in page
    assert "Words I typed" in page and 'value="Lost"' in page
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0


def test_only_the_members_of_a_conversation_read_it(app, make_user, ana, somchai):
    conversation = messages.start_conversation(ana, "somchai.p", "Private", "Between us.")
    for outsider in (make_user("other"), make_user("mod", role="moderator"), make_user("boss", role="admin")):
        client = session_as(app.test_client(), outsider)
        assert client.get(f"/messages/{conversation.id}").status_code == 404
        assert client.post(f"/messages/{conversation.id}", data={"body": "Let me in"}).status_code == 404
        assert "Private" not in page_text(client.get("/messages"))
    assert session_as(app.test_client(), somchai).get(f"/messages/{conversation.id}").status_code == 200


def test_a_group_conversation_and_leaving_it(app, make_user, ana, somchai):
    kofi = make_user("kofi", display_name="Kofi Mensah")
    conversation = messages.start_conversation(ana, "somchai.p, @kofi", "Class of 2019", "Reunion?")
    members = messages.membership(somchai, conversation.id).conversation.members
    assert {member.user.username for member in members} == {"ana.silva", "somchai.p", "kofi"}
    client = session_as(app.test_client(), kofi)
    assert "Leave “Class of 2019”?" in page_text(client.get(f"/messages/{conversation.id}/leave"))  # asked first
    client.post(f"/messages/{conversation.id}/leave", data={})
    assert "Class of 2019" not in page_text(client.get("/messages"))
    messages.send(ana, messages.membership(ana, conversation.id), "After Kofi left")
    page = page_text(client.get(f"/messages/{conversation.id}"))
    assert "Reunion?" in page and "After Kofi left" not in page  # what was said while he was in it
    assert "You left this conversation" in page and 'name="body"' not in page
    told = db.session.scalars(db.select(Notification.user_id).where(Notification.kind == "message")).all()
    assert sorted(told) == sorted([somchai.id, kofi.id, somchai.id])  # the second message: not to Kofi


def test_a_block_stops_messages_both_ways(app, client, ana, somchai):
    conversation = messages.start_conversation(ana, "somchai.p", "Before", "Hello")
    blocker = session_as(app.test_client(), somchai)
    assert blocker.post("/u/ana.silva/block", data={}).status_code == 302
    assert "Ana Silva" in page_text(blocker.get("/messages/blocked"))
    session_as(client, ana)
    refused = page_text(client.post("/messages/new", data={"to": "somchai.p", "subject": "Again", "body": "Please"}))
    assert "A block stands between you and Somchai Prasert" in refused and "Please" in refused
    refused = page_text(client.post(f"/messages/{conversation.id}", data={"body": "Still there?"}))
    assert "A block stands between you and Somchai Prasert" in refused and "Still there?" in refused
    with pytest.raises(messages.MessageRefused):  # nor does the one who blocked write to her
        messages.send(somchai, messages.membership(somchai, conversation.id), "Bye")
    assert 'href="/messages/new?to=ana.silva"' not in page_text(blocker.get("/u/ana.silva"))
    blocker.post("/u/ana.silva/block", data={"undo": "1", "back": "blocked"})
    assert client.post(f"/messages/{conversation.id}", data={"body": "Friends again"}).status_code == 302


def test_moderators_cannot_be_blocked_and_silenced_members_do_not_write(app, make_user, ana):
    moderator = make_user("mod", role="moderator")
    client = session_as(app.test_client(), ana)
    assert client.post("/u/mod/block", data={}).status_code == 403
    ana.silenced_until = utcnow().replace(year=utcnow().year + 1)
    db.session.commit()
    assert client.post("/messages/new", data={"to": "mod", "subject": "Hi", "body": "Hi"}).status_code == 403
    assert moderator.id not in messages.blocked_ids(ana)


def test_a_reported_message_reaches_the_queue_with_its_context_only(app, make_user, ana, somchai):
    conversation = messages.start_conversation(ana, "somchai.p", "Field notes", "Message one")
    for number in range(2, 7):
        author = ana if number % 2 else somchai
        messages.send(author, messages.membership(author, conversation.id), f"Message {number}")
    reported = messages.send(ana, messages.membership(ana, conversation.id), "You are a disgrace")  # number 7
    reporter = session_as(app.test_client(), somchai)
    page = page_text(reporter.get(f"/messages/{conversation.id}"))
    assert f'href="/messages/m/{reported.id}/report"' in page
    assert reporter.post(f"/messages/m/{reported.id}/report",
                         data={"rule": "disrespect", "comment": "Insult"}).status_code == 302
    case = db.session.scalar(db.select(Case).where(Case.message_id == reported.id))
    assert case.open_key == f"message:{reported.id}" and case.member_id == ana.id and case.category_id is None
    moderator = session_as(app.test_client(), make_user("mod", role="moderator"))
    assert "Direct message from Ana Silva" in page_text(moderator.get("/moderation/"))
    shown = page_text(moderator.get(f"/moderation/cases/{case.id}"))
    assert "You are a disgrace" in shown and "Reported message" in shown
    assert [n for n in range(1, 8) if f"Message {n}<" in shown] == [4, 5, 6]  # the three before it, no more
    moderator.post(f"/moderation/cases/{case.id}/remove", data={"rule": "disrespect", "reason": "Insults."})
    assert "This message was removed by the moderators." in page_text(reporter.get(f"/messages/{conversation.id}"))
    assert db.session.scalar(db.select(Notification.kind).where(Notification.user_id == ana.id,
                                                                Notification.case_id == case.id)) == "message_removed"


def test_the_digest_mails_unread_messages_once(app, ana, somchai):
    messages.start_conversation(ana, "somchai.p", "Digest", "First")
    messages.send_digests()
    mails = db.session.scalars(db.select(Delivery).where(Delivery.user_id == somchai.id)).all()
    assert [mail.kind for mail in mails] == ["message_digest"]
    messages.send_digests()  # nothing new: no second mail
    assert db.session.scalar(db.select(db.func.count(Delivery.id)).where(Delivery.user_id == somchai.id)) == 1


def test_inbox_and_conversation_pages_cost_a_constant_number_of_statements(app, make_user, ana):
    client, names = session_as(app.test_client(), ana), itertools.count()

    def add_conversations(count, replies):
        for _ in range(count):
            other = make_user(f"peer{next(names)}")
            conversation = messages.start_conversation(ana, other.username, "Topic", "Hello")
            for _ in range(replies):
                messages.send(other, messages.membership(other, conversation.id), "Reply")
        return conversation

    def statements(path):
        client.get(path)  # the first view marks the conversation read
        with count_queries() as seen:
            client.get(path)
        return len(seen)

    first = add_conversations(1, 1)
    few = (statements("/messages"), statements(f"/messages/{first.id}"))
    last = add_conversations(5, 8)
    assert (statements("/messages"), statements(f"/messages/{last.id}")) == few
    with count_queries() as seen:
        client.get("/bookmarks")
    assert not [s for s in seen if "conversation_members" in s]  # the navigation's count: remembered


def test_message_bodies_are_sanitized(app, ana, somchai):
    conversation = messages.start_conversation(ana, "somchai.p", "XSS", "<script>alert(1)</script>[x](javascript:alert(1))")
    page = page_text(session_as(app.test_client(), somchai).get(f"/messages/{conversation.id}"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'href="javascript' not in page
