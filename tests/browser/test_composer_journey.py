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


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_typing_an_at_sign_suggests_members_to_mention(serve, new_page, make_user, size):
    make_user("writer")
    make_user("somchai.p", display_name="Somchai Prasert")
    make_user("somsak.k", display_name="Somsak Kaew")
    thread = start_thread(make_user("other"), title="Border checkpoints", body="Opening words").thread
    base = serve()
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, base, "writer")
    page.goto(f"{base}/t/{thread.id}")
    box = page.locator("textarea[name=body]")
    box.press_sequentially("Thanks @soms")
    options = page.locator("[role=listbox] [role=option]")
    options.first.wait_for()
    assert options.all_inner_texts() == ["Somsak Kaew @somsak.k"]
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert serious_violations(page) == []
    box.press("Backspace")  # "@som": both, the shorter username first
    options.nth(1).wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value() == "Thanks @somchai.p "  # the second, chosen with the arrow; the list closes
    assert page.locator("[role=listbox]").is_hidden()
    box.press_sequentially("and @somc")
    options.first.wait_for()
    box.press("Escape")
    assert page.locator("[role=listbox]").is_hidden() and box.input_value() == "Thanks @somchai.p and @somc"
