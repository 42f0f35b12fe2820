"""A member's own data: the JSON download, and deleting the account (anonymized, records kept)."""
import json

from forum.discussions import services
from forum.extensions import db
from forum.messages import services as messages
from forum.models import LoginEvent, Post, ThreadRead, User
from forum.notifications.models import Notification
from moderation import services as moderation
from moderation.models import Case, Penalty, Report
from tests.conftest import PASSWORD, is_signed_in, page_text, signed_in, start_thread, unescaped_page_text, user_named


def test_a_member_downloads_their_own_data_and_nobody_elses(app, make_user):
    alice, bob = make_user("alice", bio_source="Hello"), make_user("bob")
    opening = start_thread(alice, title="Checkpoint drills", body="Our *drills*")
    services.reply(bob, opening.thread, "Bob's words")
    other = start_thread(bob, title="Bob's thread", body="Bob's opening")
    moderation.report_post(alice, other, "disrespect", "Rude")
    conversation = messages.start_conversation(bob, "alice", "Training dates", "Bob writes first")
    messages.send(alice, messages.membership(alice, conversation.id), "Alice answers")
    messages.block(alice, bob)
    browser = signed_in(app, alice)
    response = browser.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ilea-portal-alice.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["username"] == "alice" and data["profile"]["email"] == alice.email
    assert [(p["thread_title"], p["body"], p["state"]) for p in data["posts"]] == [
        ("Checkpoint drills", "Our *drills*", "visible")]
    assert [(r["rule"], r["comment"], r["post_id"]) for r in data["reports_filed"]] == [("disrespect", "Rude", other.id)]
    assert [s["outcome"] for s in data["sign_ins"]] == ["ok"]
    assert data["code_of_conduct_accepted"] and "Bob" not in json.dumps(data["posts"])
    assert isinstance(data["notifications"], list)
    assert [(r["thread_id"], r["up_to_post"]) for r in data["threads_read"]] == [(opening.thread_id, 1)]  # own post
    assert [(m["subject"], m["number"], m["body"]) for m in data["direct_messages"]] == [
        ("Training dates", 2, "Alice answers")]  # her own messages, not Bob's
    assert [b["username"] for b in data["blocked_members"]] == ["bob"]
    assert "Download my data" in page_text(browser.get("/account/data"))


def test_deleting_an_account_anonymizes_it_and_keeps_posts_and_moderation_records(app, make_user):
    alice, moderator = make_user("alice", bio_source="About me"), make_user("mod", role="moderator")
    make_user("boss", role="admin")
    opening = start_thread(alice, title="Field notes", body="Alice's text")
    conversation = messages.start_conversation(alice, "mod", "Question", "Alice's message")
    moderation.report_post(moderator, opening, "disrespect", "Check")
    case = db.session.scalar(db.select(Case))
    moderation.warn_member(moderator, case, "disrespect", "Mind the tone")
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.user_id == alice.id)) > 0
    browser, elsewhere = signed_in(app, alice), signed_in(app, alice)

    wrong = browser.post("/account/delete", data={"password": "not it", "understood": "y"})
    assert "The password is not correct." in page_text(wrong) and is_signed_in(browser)
    unticked = browser.post("/account/delete", data={"password": PASSWORD})
    assert "Tick the box to confirm." in page_text(unticked) and user_named("alice") is not None

    done = browser.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert done.status_code == 302 and done.location == "/login"
    assert not is_signed_in(browser) and not is_signed_in(elsewhere)
    db.session.expire_all()
    assert not db.session.scalars(db.select(ThreadRead).where(ThreadRead.user_id == alice.id)).all()
    former = db.session.get(User, alice.id)
    assert (former.status, former.username, former.password_hash, former.bio_source, former.stored_name) == \
        ("deleted", f"former-{alice.id}", None, "", "")
    assert "alice" not in former.email and former.deleted_at is not None
    assert app.test_client().post("/login", data={"login": "alice", "password": PASSWORD}).status_code == 200
    reader = signed_in(app, moderator)
    thread_page = unescaped_page_text(reader.get(f"/t/{opening.thread_id}"))
    assert "Former member" in thread_page and "Alice's text" in thread_page
    profile = page_text(reader.get(f"/u/former-{alice.id}"))
    assert "Former member" in profile and "About me" not in profile and "/report" not in profile
    assert db.session.get(Post, opening.id).author_id == alice.id
    assert db.session.scalar(db.select(Report.comment)) == "Check"  # moderation records are intact
    assert db.session.scalar(db.select(Penalty.member_id)) == alice.id
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.user_id == alice.id)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginEvent).where(
        LoginEvent.user_id == alice.id)) == 0
    # Her messages stay where they were said, under "Former member"; she is out of the conversation.
    kept = unescaped_page_text(reader.get(f"/messages/{conversation.id}"))
    assert "Alice's message" in kept and "Former member</a> (left)" in kept


def test_a_member_without_a_password_confirms_with_the_box_and_the_last_admin_cannot_leave(app, make_user):
    ign_only = make_user("ines")
    ines = signed_in(app, ign_only)
    db.session.execute(db.update(User).where(User.id == ign_only.id).values(password_hash=None))  # IGN only
    db.session.commit()
    browser = signed_in(app, make_user("boss", role="admin"))
    refused = browser.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert "only administrator" in unescaped_page_text(refused) and user_named("boss").status == "active"

    page = page_text(ines.get("/account/data"))
    assert 'name="password"' not in page
    assert ines.post("/account/delete", data={"understood": "y"}).status_code == 302
    assert db.session.get(User, ign_only.id).status == "deleted"
