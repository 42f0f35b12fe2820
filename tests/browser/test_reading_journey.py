"""Unread tracking in Chromium, on a desktop and on a phone: a member sees "N new" on a thread they
read before, follows it to the first new post, and marks everything read; axe finds nothing serious."""
import pytest

from forum.discussions import services
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journeys import sign_in
from tests.browser.test_layouts import DESKTOP, PHONE
from tests.conftest import start_thread

pytestmark = pytest.mark.one_database  # the browser's view of a page, the same on SQLite


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_member_follows_new_posts_and_marks_all_read(serve, new_page, make_user, size):
    make_user("reader")
    other = make_user("other")
    thread = start_thread(other, title="Border checkpoints", body="Opening words").thread
    base = serve()
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, base, "reader")
    page.goto(f"{base}/t/{thread.id}")
    services.reply(other, thread, "First news")
    services.reply(other, thread, "Second news")
    page.goto(f"{base}/")
    badge = page.locator(f'a[href="/t/{thread.id}/unread"]')
    assert badge.inner_text() == "2 new"
    assert serious_violations(page) == []
    badge.click()
    page.wait_for_url(f"**/t/{thread.id}#post-2")
    assert page.is_visible("#post-2 >> text=First news")
    page.goto(f"{base}/")
    assert page.locator(f'a[href="/t/{thread.id}/unread"]').count() == 0  # read now
    services.reply(other, thread, "Third news")
    page.reload()
    assert page.locator(f'a[href="/t/{thread.id}/unread"]').inner_text() == "1 new"
    with page.expect_navigation():
        page.click("button:has-text('Mark all read')")
    assert page.is_visible("text=Every thread is marked as read.")
    assert page.locator(f'a[href="/t/{thread.id}/unread"]').count() == 0
