"""The composer in Chromium: "New thread" from Latest with a category picker, the live preview as the
member types (rendered by the server's sanitizer), and a warning before leaving with unsent text."""
import pytest

from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journeys import sign_in
from tests.browser.test_layouts import DESKTOP, PHONE
from tests.conftest import start_thread

pytestmark = pytest.mark.one_database  # the browser's view of a page, the same on SQLite


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_member_starts_a_thread_from_latest_with_a_live_preview(serve, new_page, make_user, size):
    make_user("writer")
    base = serve()
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, base, "writer")
    page.goto(f"{base}/")
    page.click("main a:has-text('New thread')")
    page.wait_for_url("**/new")
    page.select_option("#category", "general")
    page.fill("#title", "Sealing evidence bags")
    page.locator("#body").press_sequentially("Use **tamper tape** <script>alert(1)</script>", delay=5)
    preview = page.locator("[data-preview] .post-body")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "tamper tape" and preview.locator("script").count() == 0
    assert serious_violations(page) == []
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)  # leaving with unsent text asks first
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]

    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, base, "writer")
    page.goto(f"{base}/new")
    page.select_option("#category", "general")
    page.fill("#title", "Sealing evidence bags")
    page.fill("#body", "Use tamper tape.")
    page.click("button:has-text('Publish')")
    page.wait_for_url("**/t/*")
    assert page.is_visible("h1:has-text('Sealing evidence bags')")


def test_a_reply_typed_in_the_thread_is_there_again_after_a_reload(serve, new_page, make_user):
    make_user("writer")
    thread = start_thread(make_user("other"), title="Border checkpoints", body="Opening words").thread
    base = serve()
    page = new_page(**PHONE)
    sign_in(page, base, "writer")
    page.goto(f"{base}/t/{thread.id}")
    with page.expect_response(lambda response: response.url.endswith("/drafts")):
        page.locator("#body").press_sequentially("Seal it twice", delay=5)  # saved a moment after typing
    page.on("dialog", lambda dialog: dialog.accept())  # the unsent-text warning: leave anyway
    page.reload()
    assert page.input_value("#body") == "Seal it twice"
