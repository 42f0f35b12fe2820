"""Useful and bookmarks in Chromium, on a desktop and on a phone: a member finds a post useful,
sees who else did, bookmarks it and finds it on their bookmarks page; axe finds nothing serious."""
import pytest

from forum.discussions import services
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journeys import sign_in
from tests.browser.test_layouts import DESKTOP, PHONE
from tests.conftest import category, start_thread

pytestmark = pytest.mark.one_database  # the browser's view of a page, the same on SQLite


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_member_marks_a_post_useful_and_bookmarks_it(serve, new_page, make_user, size):
    make_user("reader", display_name="Rita Reader")
    writer = make_user("writer")
    thread = start_thread(make_user("other"), title="Border checkpoints", body="Opening words").thread
    reply = services.reply(writer, thread, "Check the seals twice")
    base = serve()
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, base, "reader")
    page.goto(f"{base}/t/{thread.id}")
    with page.expect_navigation():  # each click posts a form and comes back to the thread
        page.locator("#post-2 button:has-text('Useful')").click()
    post = page.locator("#post-2")
    assert post.locator("button:has-text('Useful')").get_attribute("aria-pressed") == "true"
    assert serious_violations(page) == []
    with page.expect_navigation():
        post.locator("text=1 member found this useful").click()
    assert page.is_visible("h1:has-text('Found useful')") and page.is_visible("main >> text=Rita Reader")
    page.goto(f"{base}/t/{thread.id}")
    with page.expect_navigation():
        page.locator("#post-2 button:has-text('Bookmark')").click()
    assert page.is_visible("text=The post is in your bookmarks.")
    page.goto(f"{base}/bookmarks")
    assert page.is_visible("text=Check the seals twice") and serious_violations(page) == []
    page.click("text=Border checkpoints")
    page.wait_for_url(f"**/t/{thread.id}#post-{reply.number}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_author_of_a_best_practice_marks_the_most_useful_answer(serve, new_page, make_user, size):
    author, expert = make_user("author"), make_user("expert")
    make_user("reader")
    thread = services.create_thread(author, category(), "Handling digital evidence", "best_practice", "How do you?")
    services.reply(make_user("early"), thread, "An early answer")
    services.reply(expert, thread, "Hash it before anything else")
    base = serve()
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, base, "author")
    page.goto(f"{base}/t/{thread.id}")
    with page.expect_navigation():
        page.locator("#post-3 button:has-text('Mark as the most useful answer')").click()
    assert page.is_visible("text=This answer is shown first, under the opening post.")
    reader = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(reader, base, "reader")
    reader.goto(f"{base}/t/{thread.id}")
    assert reader.is_visible("#best-post-3 >> text=Hash it before anything else")
    ordered = reader.locator("article.post").all_inner_texts()
    assert "How do you?" in ordered[0] and "Hash it before" in ordered[1] and "An early answer" in ordered[2]
    assert serious_violations(reader) == []
