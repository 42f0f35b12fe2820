"""axe-core (bundled by axe-playwright-python) in Chromium on the pages members and moderators use,
on a desktop and on a phone with its menu open: no serious or critical violation."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from forum.discussions import services
from forum.extensions import db
from moderation import services as moderation
from moderation.models import Case
from tests.browser.test_journeys import sign_in
from tests.browser.test_layouts import DESKTOP, PHONE
from tests.conftest import start_thread

AXE = Axe()

pytestmark = pytest.mark.one_database  # the browser's view of a page, the same on SQLite


def serious_violations(page):
    violations = AXE.run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}) at {[node['target'] for node in v['nodes']][:3]}"
            for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_serious_accessibility_violation(serve, new_page, make_user, size):
    writer = make_user("writer", display_name="Somchai Prasert")
    make_user("guard", role="moderator")
    opening = start_thread(make_user("other"), title="Border checkpoints", body="Steps:\n\n- one\n- two")
    reply = services.reply(writer, opening.thread, "A reply about checkpoints")
    removed = start_thread(make_user("offender"), title="Heated words", body="Rude words")
    for i in range(3):
        moderation.report_post(make_user(f"reporter{i}"), removed, "disrespect", "")
    case = db.session.scalar(db.select(Case).where(Case.post_id == removed.id))
    pending = start_thread(make_user("second"), title="Under review", body="More rude words")
    for i in range(3):
        moderation.report_post(make_user(f"witness{i}"), pending, "threats", "")
    moderation.remove_content(make_user("remover", role="moderator"), case, "disrespect", "Rude.")
    base = serve()
    pages = {
        "writer": ["/", "/c/general", f"/t/{opening.thread_id}", f"/p/{reply.id}/delete", "/search?q=somchai",
                   "/search?q=checkpoints", f"/t/{removed.thread_id}", f"/t/{pending.thread_id}", "/conduct"],
        "guard": ["/moderation/", f"/moderation/cases/{case.id}",
                  f"/moderation/cases/{db.session.scalar(db.select(Case.id).where(Case.post_id == pending.id))}"],
    }
    found = {}
    for username, paths in pages.items():
        page = new_page(**(DESKTOP if size == "desktop" else PHONE))
        sign_in(page, base, username)
        for path in paths:
            page.goto(f"{base}{path}")
            if size == "phone":
                page.click(".site-menu > summary")  # what a phone shows once the menu is open
            if violations := serious_violations(page):
                found[path] = violations
    assert found == {}


def test_the_check_itself_finds_a_violation(new_page):
    page = new_page()
    page.set_content('<html><body><img src="data:,"><a href="/x"></a></body></html>')
    assert any(found.startswith("image-alt") for found in serious_violations(page))
