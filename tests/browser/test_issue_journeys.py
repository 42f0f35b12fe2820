"""End to end in Chromium against gunicorn, with Redis, a Celery worker and an SMTP server where
mail matters: a Thai-speaking member's first post, a case from three reports to a dismissal, and
every XSS vector of the corpus viewed in the browser without any script running."""
import json
from pathlib import Path

from forum.discussions.services import reply
from forum.extensions import db
from forum.models import Post, Thread, User
from moderation.models import Case
from tests.browser.test_journeys import sign_in, speaks
from tests.conftest import start_thread, translated
from tests.processes import wait_until

CORPUS = Path(__file__).resolve().parents[1] / "security" / "xss"


def test_a_thai_visitor_signs_in_accepts_the_code_and_posts_a_best_practice(serve, new_page, make_user):
    make_user("somchai", accepted=False)  # an English profile: the switcher's choice is remembered in it
    make_user("ana", preferred_language="es")
    base = serve()
    page = new_page()
    page.goto(f"{base}/login")
    with page.expect_navigation():  # choosing is enough
        page.select_option("#language-choice", "th")
    assert speaks(page, "th")
    sign_in(page, base, "somchai")
    page.goto(f"{base}/c/general/new")  # not accepted yet: sent to the Code of Conduct first
    assert "/conduct" in page.url and speaks(page, "th")
    page.click("form[action^='/conduct/accept'] button[type=submit]")
    page.goto(f"{base}/c/general/new")
    page.fill("#title", "การตรวจค้นยานพาหนะอย่างปลอดภัย")
    page.check("input[name=kind][value=best_practice]")
    page.fill("#body", "ขั้นตอนที่ใช้ได้ผล:\n\n1. **สื่อสาร**กับผู้ขับขี่\n2. บันทึกภาพก่อนตรวจ")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/t/*")
    assert speaks(page, "th")
    assert page.inner_text(".badge-best_practice") == translated("th", "Best practice")
    assert page.locator(".post-body strong").inner_text() == "สื่อสาร"

    reply = new_page()
    sign_in(reply, base, "ana")
    reply.goto(page.url)
    reply.fill("#body", "Muy útil, gracias.")
    reply.click(".reply-box button[type=submit]")
    reply.wait_for_url("**/t/*")
    assert speaks(reply, "es")
    thread = db.session.scalar(db.select(Thread).where(Thread.title == "การตรวจค้นยานพาหนะอย่างปลอดภัย"))
    assert (thread.kind, thread.language, thread.reply_count) == ("best_practice", "th", 1)
    assert db.session.scalar(db.select(Post.language).where(Post.body_source == "Muy útil, gracias.")) == "es"


def test_three_reports_escalation_and_dismissal_with_mail(serve, new_page, make_user, redis_server, smtp_server,
                                                          worker, mail_settings):
    author = make_user("author", preferred_language="fr")
    admin = make_user("chief", role="admin", preferred_language="pt")
    make_user("guard", role="moderator")
    post = start_thread(author, title="Heated matter", body="Offensive words")
    base = serve(CELERY_BROKER_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url,
                 MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, **mail_settings)
    authors_browser = new_page()
    sign_in(authors_browser, base, "author")

    for name, rule in (("ann", "disrespect"), ("ben", "threats"), ("cyd", "discredit")):
        make_user(name)
        reporter = new_page()
        sign_in(reporter, base, name)
        reporter.goto(f"{base}/p/{post.id}/report")
        reporter.check(f"input[name=rule][value={rule}]")
        reporter.click("main form button[type=submit]")
        reporter.wait_for_selector(".flash-success")

    moderator = new_page()
    sign_in(moderator, base, "guard")
    moderator.goto(f"{base}/moderation/")
    case = db.session.scalar(db.select(Case))
    assert "3" in moderator.inner_text(f"li:has(a[href='/moderation/cases/{case.id}'])")
    moderator.click(f"a[href='/moderation/cases/{case.id}']")
    moderator.click("details.decision:has(form[action$='/escalate']) summary")
    moderator.fill("#escalate-reason", "Threats against colleagues: the administrators decide.")
    moderator.click("form[action$='/escalate'] button[type=submit]")
    wait_until(lambda: smtp_server.to(admin.email), 15, "the escalation mail to the admin")

    chief = new_page()
    sign_in(chief, base, "chief")
    chief.goto(f"{base}/moderation/cases/{case.id}")
    chief.click("details.decision:has(form[action$='/dismiss-member']) summary")
    chief.select_option("#dismiss-member-rule", "threats")
    chief.fill("#dismiss-member-reason", "Repeated threats against colleagues.")
    chief.click("form[action$='/dismiss-member'] button[type=submit]")
    db.session.expire_all()
    assert db.session.get(User, author.id).is_dismissed

    authors_browser.click("a.brand")  # the next click of the dismissed member's open browser
    assert "/login" in authors_browser.url
    wait_until(lambda: smtp_server.to(author.email), 15, "the dismissal mail to the member")
    (escalation,) = smtp_server.to(admin.email)
    assert escalation["Subject"] == translated("pt", "A case was escalated")
    (dismissal,) = smtp_server.to(author.email)
    assert dismissal["Subject"] == translated("fr", "You were dismissed from the portal")


def corpus():
    """The vectors as a form would deliver them (forms drop NUL, which PostgreSQL cannot store)."""
    return [vector.replace("\x00", "") for path in sorted(CORPUS.glob("*.json"))
            for vector in json.loads(path.read_text("utf-8"))]


TRAP = """
window.__ran = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  window[name] = (...args) => { window.__ran.push(name + ":" + args.join(",")); };
}
"""


def test_no_vector_of_the_corpus_runs_script_in_the_browser(serve, new_page, make_user, app):
    vectors = corpus()
    assert len(vectors) > 500
    author = make_user("author")
    threads = []
    for start in range(0, len(vectors), 20):  # one thread page per 20 vectors, posted as members post
        opening = start_thread(author, title=f"Vectors {start}", body=vectors[start])
        for vector in vectors[start + 1:start + 20]:
            reply(author, opening.thread, vector)
        threads.append(opening.thread_id)
    base = serve()
    # The Content-Security-Policy would stop inline script anyway: bypass it, so that only the
    # sanitizer stands between the vectors and the reader.
    page = new_page(bypass_csp=True)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(TRAP)
    sign_in(page, base, "author")
    ran = []
    for thread_id in threads:
        page.goto(f"{base}/t/{thread_id}")
        page.wait_for_timeout(50)  # let onload/onerror handlers and timers fire
        ran += page.evaluate("window.__ran")
    assert (dialogs, ran) == ([], [])
    page.evaluate("setTimeout(() => alert('control'), 0)")  # the control: the trap does see script
    page.wait_for_timeout(50)
    assert page.evaluate("window.__ran") == ["alert:control"]
