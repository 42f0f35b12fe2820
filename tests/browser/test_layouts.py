"""The portal on a phone (390×844) and on a desktop, in Chromium: on a phone the menu (navigation,
search, language) and the filters of home and the queue fold behind a button; the language picker
acts on selection, and without script through its button; deleting a post asks first."""
import pytest

from forum.discussions import services
from forum.extensions import db
from forum.models import Post
from tests.browser.test_journeys import sign_in
from tests.conftest import start_thread

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

pytestmark = pytest.mark.one_database  # the browser's view of a page, the same on SQLite


@pytest.fixture
def base(serve, make_user):
    make_user("writer")
    make_user("guard", role="moderator")
    start_thread(make_user("other"), title="Border checkpoints", body="Opening words")
    return serve()


def test_on_a_phone_the_menu_and_the_filters_fold(base, new_page):
    page = new_page(**PHONE)
    sign_in(page, base, "writer")
    page.goto(f"{base}/")
    assert page.is_visible(".site-menu > summary")
    assert not page.is_visible("text=Directory") and not page.is_visible("#header-search")
    page.click(".site-menu > summary")
    assert page.is_visible("text=Directory") and page.is_visible("#header-search")
    assert page.is_visible("#language-choice")
    kinds = "nav[aria-label='Filter by kind']"
    assert not page.is_visible(kinds)
    page.click(".filters-fold > summary")
    assert page.is_visible(kinds)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways

    moderator = new_page(**PHONE)
    sign_in(moderator, base, "guard")
    moderator.goto(f"{base}/moderation/")
    assert not moderator.is_visible("form.filter-form")
    moderator.click(".filters-fold > summary")
    assert moderator.is_visible("form.filter-form")


def test_on_a_desktop_nothing_is_folded(base, new_page):
    page = new_page(**DESKTOP)
    sign_in(page, base, "writer")
    page.goto(f"{base}/")
    assert not page.is_visible(".site-menu > summary") and not page.is_visible(".filters-fold > summary")
    assert page.is_visible("text=Directory") and page.is_visible("#header-search")
    assert page.is_visible("nav[aria-label='Filter by kind']")
    assert not page.is_visible(".language-switcher button")  # choosing a language is enough


def test_without_script_everything_is_open_and_the_language_button_switches(base, new_page):
    page = new_page(java_script_enabled=False, **PHONE)
    page.goto(f"{base}/login")
    assert page.is_visible("#language-choice")  # the menu is open
    page.select_option("#language-choice", "es")
    assert page.get_attribute("html", "lang") == "en"  # nothing happens before the button
    with page.expect_navigation():
        page.click(".language-switcher button")
    assert page.get_attribute("html", "lang") == "es"


def test_deleting_a_post_asks_first(base, new_page, make_user):
    thread = db.session.scalar(db.select(Post).where(Post.number == 1)).thread
    services.reply(make_user("replier"), thread, "A reply I will regret")
    page = new_page(**PHONE)
    sign_in(page, base, "replier")
    page.goto(f"{base}/t/{thread.id}")
    with page.expect_navigation():
        page.click("#post-2 >> text=Delete")
    assert page.is_visible("h1:has-text('Delete your post?')") and page.is_visible("text=A reply I will regret")
    with page.expect_navigation():
        page.click("text=Cancel")
    assert page.is_visible("#post-2 >> text=A reply I will regret")
    with page.expect_navigation():
        page.click("#post-2 >> text=Delete")
    with page.expect_navigation():
        page.click("button:has-text('Delete the post')")
    assert page.is_visible("#post-2 >> text=This post was deleted by its author.")
