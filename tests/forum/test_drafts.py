"""Drafts (forum/discussions/drafts.py): a composer's text kept on the server with "Save draft" (or as
the member types, /drafts), restored on the reply page, in the thread's reply box and in the new-thread
form, the member's own, and discarded once the post is sent."""
from forum.extensions import db
from forum.models import Draft, Thread
from tests.conftest import page_text, signed_in, start_thread


def test_a_reply_draft_is_restored_where_the_member_left_it_and_goes_when_sent(app, member_client, make_user):
    thread = start_thread(make_user("other"), "Evidence bags").thread
    response = member_client.post(f"/t/{thread.id}/reply", data={"body": "Half a thought", "language": "en",
                                                                 "save_draft": "1"})
    assert "Your draft is saved" in page_text(response) and "Half a thought</textarea>" in page_text(response)
    assert "Half a thought</textarea>" in page_text(member_client.get(f"/t/{thread.id}/reply"))
    assert "Half a thought</textarea>" in page_text(member_client.get(f"/t/{thread.id}"))  # the reply box
    bob = signed_in(app, make_user("bob"))
    assert "Half a thought" not in page_text(bob.get(f"/t/{thread.id}"))  # the same shared page, not his draft
    member_client.post(f"/t/{thread.id}/reply", data={"body": "A whole thought", "language": "en"})
    assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
    assert "Half a thought" not in page_text(member_client.get(f"/t/{thread.id}"))


def test_a_new_thread_draft_keeps_its_title_until_published(member_client):
    member_client.post("/c/general/new", data={"title": "Checkpoint drills", "kind": "discussion",
                                               "body": "First lines", "language": "en", "save_draft": "1"})
    form = page_text(member_client.get("/c/general/new"))
    assert 'value="Checkpoint drills"' in form and "First lines</textarea>" in form
    member_client.post("/c/general/new", data={"title": "Checkpoint drills", "kind": "discussion",
                                               "body": "First lines, finished", "language": "en"})
    assert db.session.scalar(db.select(Thread).where(Thread.title == "Checkpoint drills")) is not None
    assert "First lines</textarea>" not in page_text(member_client.get("/c/general/new"))


def test_the_composer_saves_as_the_member_types(member_client, make_user):
    thread = start_thread(make_user("other"), "Evidence bags").thread
    assert member_client.post("/drafts", data={"key": f"thread:{thread.id}", "body": "Typed"}).status_code == 204
    assert "Typed</textarea>" in page_text(member_client.get(f"/t/{thread.id}/reply"))
    assert member_client.post("/drafts", data={"key": f"thread:{thread.id}", "body": " "}).status_code == 204
    assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0  # emptied: discarded
    assert member_client.post("/drafts", data={"key": "../etc", "body": "x"}).status_code == 400
    assert member_client.post("/drafts", data={"key": "new", "body": "x"}, csrf=False).status_code == 400
