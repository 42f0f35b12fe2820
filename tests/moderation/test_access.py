"""What moderators of one category see, and what the reported member never learns."""
from forum.discussions import services as forum_services
from forum.extensions import db
from forum.notifications.models import Notification
from moderation import services
from moderation.models import Case, CaseNote
from tests.access import RULE_REASON, reported, scope
from tests.conftest import category, nav_open_cases, signed_in, unescaped_page_text


def test_scoped_moderator_sees_only_the_cases_of_their_categories(app, make_user, moderator_client):
    author, reporter = make_user("author"), make_user("tipster")
    reported(author, reporter, "Matter in general")
    _, own = reported(author, reporter, "Matter in cybercrime", slug="cybercrime")
    services.report_member(reporter, author, "honor-code", "")
    scoped = make_user("scoped", role="moderator")
    scope(scoped, "cybercrime")
    client = signed_in(app, scoped)
    page = unescaped_page_text(client.get("/moderation/"))
    assert "Matter in cybercrime" in page
    assert "Matter in general" not in page and "Profile of" not in page
    assert nav_open_cases(page) == 1
    assert client.get(f"/moderation/cases/{own.id}").status_code == 200
    everything = unescaped_page_text(moderator_client.get("/moderation/"))
    assert "Matter in general" in everything and "Profile of" in everything
    assert nav_open_cases(everything) == 3


def test_a_hidden_thread_is_listed_only_for_those_who_may_open_it(app, make_user):
    author = make_user("author")
    post, _ = reported(author, make_user("tipster"), "Hidden matter")
    for name in ("ann", "ben"):
        services.report_post(make_user(name), post, "disrespect", "")
    scoped = make_user("scoped", role="moderator")
    scope(scoped, "cybercrime")
    client = signed_in(app, scoped)
    assert client.get(f"/t/{post.thread_id}").status_code == 403
    assert "Hidden matter" not in unescaped_page_text(client.get("/c/general"))


def test_members_cannot_read_cases_notes_or_the_log_by_guessing_ids(world, member_client):
    secrets = ("Internal: check his earlier posts.", "He insulted my class.", "Vigilant Veronica")
    for case_id in (world.open_case, world.proposed_case, world.decided_case):
        response = member_client.get(f"/moderation/cases/{case_id}")
        assert response.status_code == 403
        assert not [s for s in secrets if s in unescaped_page_text(response)]
    assert member_client.get(f"/moderation/cases/{world.decided_case + 1}").status_code == 404
    for url in ("/moderation/log", "/moderation/log?member=author", "/moderation/members/author"):
        response = member_client.get(url)
        assert response.status_code == 403 and not [s for s in secrets if s in unescaped_page_text(response)]
    assert member_client.post(f"/moderation/cases/{world.open_case}/note", data={"body": "Sneaky."}).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(CaseNote)) == 1
    assert member_client.post(f"/notifications/{world.authors_notification}/open", data={}).status_code == 404
    assert db.session.get(Notification, world.authors_notification).read_at is None


def test_the_reported_author_never_learns_who_reported_them(app, make_user, moderator_client):
    author = make_user("author", display_name="Arthur Author")
    reporters = [make_user("tipster", display_name="Vigilant Veronica"),
                 make_user("snitch", display_name="Quiet Quentin"),
                 make_user("watcher", display_name="Wary Wendy")]
    thread = forum_services.create_thread(author, category("general"), "Course reunion", "discussion", "Hello all")
    post = forum_services.reply(author, thread, "You are all fools.")
    for reporter in reporters:
        services.report_post(reporter, post, "disrespect", f"Reported by {reporter.display_name}")
    case = db.session.scalar(db.select(Case))
    names = [name for r in reporters for name in (r.username, r.display_name)]
    case_page = unescaped_page_text(moderator_client.get(f"/moderation/cases/{case.id}"))
    assert all(r.display_name in case_page for r in reporters)  # moderators see who reported
    author_client = signed_in(app, author)

    def assert_no_reporter_named(*urls):
        for url in urls:
            response = author_client.get(url)
            assert response.status_code == 200, url
            page = unescaped_page_text(response).lower()
            assert not [name for name in names if name.lower() in page], url

    assert_no_reporter_named(f"/t/{thread.id}", "/notifications")  # hidden, pending review
    assert moderator_client.post(f"/moderation/cases/{case.id}/remove", data=RULE_REASON).status_code == 302
    assert_no_reporter_named(f"/t/{thread.id}", "/notifications", "/account/moderation", "/reports", "/u/author")
    assert "Your post was removed (rule: Disrespect)" in unescaped_page_text(author_client.get("/notifications"))
