"""Direct messages in Chromium, on a desktop and on a phone: a member writes to another from their
profile; the other (reading the portal in Thai) answers, reports a message and blocks the writer; a
moderator reads the report with the messages before it and removes the message. axe finds nothing
serious on any of these pages."""
import pytest

from forum.extensions import db
from moderation.models import Case
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journeys import sign_in, speaks
from tests.browser.test_layouts import DESKTOP, PHONE

pytestmark = pytest.mark.one_database  # the browser's view of a page, the same on SQLite


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_members_write_report_and_block_and_a_moderator_removes(serve, new_page, make_user, size):
    make_user("ana.silva", display_name="Ana Silva")
    make_user("somchai.p", display_name="Somchai Prasert", preferred_language="th")
    make_user("guard", role="moderator")
    base = serve()
    screen = DESKTOP if size == "desktop" else PHONE
    violations = {}

    def check(page, name):
        if found := serious_violations(page):
            violations[name] = found

    writer = new_page(**screen)
    sign_in(writer, base, "ana.silva")
    writer.goto(f"{base}/u/somchai.p")
    writer.click("main a:has-text('Send a message')")
    assert writer.input_value("#to") == "somchai.p"
    writer.fill("#subject", "Border training")
    writer.fill("#body", "Shall we compare **notes** on the checkpoint drills?")
    check(writer, "new message")
    with writer.expect_navigation():
        writer.click("main form button[type=submit]")
    assert writer.is_visible("main strong:has-text('notes')") and writer.is_visible("text=Your message is sent.")
    writer.fill("#body", "You are useless at drills.")
    with writer.expect_navigation():
        writer.click("main form button[type=submit]")
    check(writer, "conversation")

    reader = new_page(locale="th-TH", **screen)
    sign_in(reader, base, "somchai.p")
    reader.goto(f"{base}/messages")
    assert speaks(reader, "th") and reader.is_visible("text=Border training")
    check(reader, "inbox")
    reader.click("text=Border training")
    assert speaks(reader, "th")
    with reader.expect_navigation():
        reader.locator("#message-2 a[href$='/report']").click()
    reader.check("input[name=rule][value=disrespect]")
    with reader.expect_navigation():
        reader.click("main form button[type=submit]")
    reader.goto(f"{base}/u/ana.silva")
    with reader.expect_navigation():
        reader.click("main form[action$='/block'] button")
    reader.goto(f"{base}/messages/blocked")
    assert speaks(reader, "th") and reader.is_visible("main >> text=Ana Silva")
    check(reader, "blocked")

    case = db.session.scalar(db.select(Case).where(Case.message_id.is_not(None)))
    moderator = new_page(**screen)
    sign_in(moderator, base, "guard")
    moderator.goto(f"{base}/moderation/")
    with moderator.expect_navigation():
        moderator.click(f"a[href='/moderation/cases/{case.id}']")
    assert moderator.is_visible("text=Reported message") and moderator.is_visible("text=You are useless at drills.")
    assert moderator.is_visible("text=Shall we compare")  # the message before it: its context
    check(moderator, "case")
    moderator.click("details.decision:has(form[action$='/remove']) summary")
    moderator.select_option("#remove-rule", "disrespect")
    with moderator.expect_navigation():
        moderator.click("form[action$='/remove'] button[type=submit]")
    writer.goto(f"{base}/messages/{case.message.conversation_id}")
    assert writer.is_visible("text=This message was removed by the moderators.")
    writer.fill("#body", "Sorry.")
    with writer.expect_navigation():
        writer.click("main form button[type=submit]")
    assert writer.is_visible("text=A block stands between you and Somchai Prasert")
    assert writer.input_value("#body") == "Sorry."  # kept as typed
    assert violations == {}
