"""What a person does in Chromium: choose a language, sign in, post, report, moderate; escalate and
see the admins' mails arrive through Redis, a Celery worker and SMTP."""
import time

import pytest

from forum.extensions import db
from forum.models import LANGUAGES, Thread
from moderation.models import Case
from tests.conftest import PASSWORD, start_thread, translated
from tests.i18n.test_locale import english_left_on
from tests.mail_fixtures import assert_escalation_mails, escalation_setup
from tests.processes import wait_until

TRANSLATED = [code for code in LANGUAGES if code != "en"]


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("form[action^='/login'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def speaks(page, language):
    """The page is in `language`, with no catalog message left in English."""
    assert page.get_attribute("html", "lang").startswith(language)
    assert english_left_on(page.content(), language) == []
    return True


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_member_and_a_moderator_use_the_portal_in_their_language(serve, new_page, make_user, language):
    make_user("writer", preferred_language=language)
    make_user("guard", role="moderator", preferred_language=language)
    other = start_thread(make_user("other"), title="A thread to report", body="Offensive words")
    base = serve()

    # A visitor picks the language on the login page; it stays for the next visit.
    member = new_page()
    member.goto(f"{base}/login")
    assert member.get_attribute("html", "lang") == "en"
    with member.expect_navigation():  # choosing is enough
        member.select_option("#language-choice", language)
    assert speaks(member, language)
    member.goto(f"{base}/contact")
    assert speaks(member, language)

    sign_in(member, base, "writer")
    assert speaks(member, language)

    member.goto(f"{base}/c/general/new")
    assert speaks(member, language)
    assert member.input_value("#language") == language  # the post's language defaults to the UI's
    member.fill("#title", "Notes from the field")
    member.fill("#body", "What we learnt this year.")
    member.click("main form button[type=submit]")
    member.wait_for_url("**/t/*")
    assert speaks(member, language)
    assert translated(language, "Your thread is published.") in member.inner_text(".flashes")

    member.goto(f"{base}/p/{other.id}/report")
    assert speaks(member, language)
    member.check("input[name=rule][value=disrespect]")
    member.click("main form button[type=submit]")
    assert speaks(member, language)
    case = db.session.scalar(db.select(Case))
    assert case is not None

    moderator = new_page()
    sign_in(moderator, base, "guard")
    moderator.goto(f"{base}/moderation/")
    assert speaks(moderator, language)
    moderator.click(f"a[href='/moderation/cases/{case.id}']")
    assert speaks(moderator, language)
    moderator.click("details.decision:has(form[action$='/dismiss']) summary")
    moderator.fill("#dismiss-reason", "No rule is broken.")
    moderator.click("form[action$='/dismiss'] button[type=submit]")
    assert speaks(moderator, language)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "resolved"
    assert db.session.scalar(db.select(Thread.language).where(Thread.title == "Notes from the field")) == language


def test_an_escalation_in_the_browser_mails_each_admin_within_seconds(serve, new_page, make_user, redis_server,
                                                                      smtp_server, worker, mail_settings):
    admins, moderator, case = escalation_setup(make_user)
    base = serve(CELERY_BROKER_URL=redis_server.url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                 **mail_settings)
    page = new_page()
    sign_in(page, base, moderator.username)
    page.goto(f"{base}/moderation/cases/{case.id}")
    page.click("details.decision:has(form[action$='/escalate']) summary")
    page.fill("#escalate-reason", "Threats: the administrators decide")
    started = time.monotonic()
    page.click("form[action$='/escalate'] button[type=submit]")
    page.wait_for_url(f"**/moderation/cases/{case.id}")

    wait_until(lambda: len(smtp_server.messages) >= len(admins), 10, "a mail to each admin")
    print(f"\nadmins' mails arrived {time.monotonic() - started:.2f} s after the click")
    assert_escalation_mails(smtp_server, admins, case)
