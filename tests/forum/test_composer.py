"""The composer: a preview rendered by the same sanitizer (a button without script, /preview for the
live one), and "New thread" from Latest with a category picker."""
from forum.extensions import db
from forum.models import Post, Thread
from tests.conftest import category, page_text, start_thread, unescaped_page_text

MARKDOWN = "Steps: **seal** the bag\n\n<script>alert('x')</script>"


def test_the_preview_button_shows_the_post_and_keeps_the_text_without_saving(member_client, make_user):
    thread = start_thread(make_user("other"), "Evidence bags").thread
    response = member_client.post(f"/t/{thread.id}/reply", data={"body": MARKDOWN, "language": "en", "preview": "1"})
    page = page_text(response)
    assert response.status_code == 200 and "<strong>seal</strong>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page  # escaped in the preview and the textarea
    assert db.session.scalar(db.select(db.func.count()).select_from(Post).where(Post.thread_id == thread.id)) == 1
    new = member_client.post("/c/general/new", data={"title": "Previewed thread", "kind": "discussion",
                                                     "body": MARKDOWN, "language": "en", "preview": "1"})
    assert "<strong>seal</strong>" in page_text(new) and 'value="Previewed thread"' in page_text(new)
    assert db.session.scalar(db.select(Thread).where(Thread.title == "Previewed thread")) is None


def test_the_live_preview_is_the_sanitizer_s_output_and_needs_a_token(member_client):
    response = member_client.post("/preview", data={"body": MARKDOWN})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<strong>seal</strong>" in response.get_data(as_text=True)
    assert "<script" not in response.get_data(as_text=True)
    assert member_client.post("/preview", data={"body": "x"}, csrf=False).status_code == 400


def test_a_new_thread_from_latest_picks_its_category(app, member_client, make_user):
    assert 'href="/new"' in page_text(member_client.get("/"))
    form = page_text(member_client.get("/new"))
    assert 'value="general"' in form and 'value="announcements"' not in form  # staff start threads there
    response = member_client.post("/new", data={"category": "general", "title": "From the Latest page",
                                                "kind": "story", "body": "A story.", "language": "en"})
    thread = db.session.scalar(db.select(Thread).where(Thread.title == "From the Latest page"))
    assert response.status_code == 302 and thread.category_id == category("general").id
    refused = member_client.post("/new", data={"category": "announcements", "title": "Not allowed here",
                                               "kind": "story", "body": "A story.", "language": "en"})
    assert refused.status_code == 200 and "Not a valid choice" in unescaped_page_text(refused)
    assert 'value="Not allowed here"' in page_text(refused)  # what was typed is kept
