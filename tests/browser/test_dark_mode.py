"""Dark mode follows the system preference (prefers-color-scheme): in Chromium set to dark, the
pages members and moderators use turn dark and axe finds no serious contrast or other violation;
set to light, the portal keeps its light background."""
import pytest

from forum.discussions import services
from forum.extensions import db
from moderation import services as moderation
from moderation.models import Case
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journeys import sign_in
from tests.browser.test_layouts import DESKTOP, PHONE
from tests.conftest import start_thread

MARKDOWN = """Steps at the **checkpoint**:

> Quoted advice from a colleague.

- one, with `inline code`
- two

```
a block of code
```

| Post | Hours |
|------|-------|
| North | 24 |
"""
# Relative luminance of the body's background (WCAG formula), computed in the page.
BODY_LUMINANCE = """() => {
  const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+(\\.\\d+)?/g).slice(0, 3)
    .map(Number).map(c => c / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""

pytestmark = pytest.mark.one_database  # the browser's view of a page, the same on SQLite


@pytest.fixture
def world(serve, make_user):
    """A member with a thread full of Markdown, a reply naming them, a pinned thread, and two cases."""
    writer = make_user("writer", display_name="Somchai Prasert")
    guard = make_user("guard", role="moderator")
    opening = start_thread(writer, title="Border checkpoints", body=MARKDOWN)
    services.reply(make_user("other"), opening.thread, "Thanks @writer, the checkpoint list helps.")
    pinned = start_thread(make_user("staff", role="moderator"), title="Welcome, read first", body="Hello")
    services.set_thread_flags(guard, pinned.thread, pinned=True)
    removed = start_thread(make_user("offender"), title="Heated words", body="Rude words")
    for i in range(3):
        moderation.report_post(make_user(f"reporter{i}"), removed, "disrespect", "It is rude.")
    case = db.session.scalar(db.select(Case).where(Case.post_id == removed.id))
    moderation.remove_content(make_user("remover", role="moderator"), case, "disrespect", "Rude.")
    return {"base": serve(), "thread": opening.thread_id, "case": case.id}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_dark_pages_are_dark_and_readable(world, new_page, size):
    base = world["base"]
    pages = {
        None: ["/login"],
        "writer": ["/", "/c/general", f"/t/{world['thread']}", "/search?q=checkpoint", "/notifications", "/conduct"],
        "guard": ["/moderation/", f"/moderation/cases/{world['case']}"],
    }
    found, light = {}, {}
    for username, paths in pages.items():
        page = new_page(color_scheme="dark", **(DESKTOP if size == "desktop" else PHONE))
        if username:
            sign_in(page, base, username)
        for path in paths:
            page.goto(f"{base}{path}")
            if size == "phone":
                page.click(".site-menu > summary")  # the header's search and language controls too
            if (luminance := page.evaluate(BODY_LUMINANCE)) >= 0.2:
                light[path] = luminance
            if violations := serious_violations(page):
                found[path] = violations
    assert light == {}
    assert found == {}


def test_the_light_theme_is_unchanged(world, new_page):
    page = new_page(color_scheme="light", **DESKTOP)
    page.goto(f"{world['base']}/login")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 246, 249)"
    assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "light"
    dark = new_page(color_scheme="dark", **DESKTOP)
    dark.goto(f"{world['base']}/login")
    assert dark.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"
