"""Reporting posts and profiles, the evidence snapshot, cases, and hiding a post after enough reports."""
from datetime import timedelta

import pytest

from forum.discussions import services as forum_services
from forum.extensions import db
from forum.models import Post, utcnow
from forum.seed import CONDUCT_RULES
from moderation import services
from moderation.models import Case, Report
from tests.conftest import category, count_rows, login, page_text, signed_in, start_thread, unescaped_page_text

OFFENSIVE = "Graduates of that class are all incompetent fools."
UNDER_REVIEW_PLACEHOLDER = "This post is hidden while the moderators review it."
AUTHOR_NOTICE = "Hidden while the moderators review reports about it: only you and the moderators see it."


def reply_post(author, body=OFFENSIVE):
    thread = forum_services.create_thread(author, category(), "Evidence handling", "discussion", "A fair opening.")
    return forum_services.reply(author, thread, body)


def send_report(client, post, rule="disrespect", comment=""):
    return client.post(f"/p/{post.id}/report", data={"rule": rule, "comment": comment})


def case_of(post):
    return db.session.scalar(db.select(Case).where(Case.post_id == post.id).order_by(Case.id.desc()))


@pytest.fixture
def author(make_user):
    return make_user("author", display_name="Arthur Author")


@pytest.fixture
def post(author):
    return reply_post(author)


# --- the report form -----------------------------------------------------------------------------

def test_report_form_lists_the_six_rules_with_their_text(member_client, post):
    response = member_client.get(f"/p/{post.id}/report")
    assert response.status_code == 200
    page = unescaped_page_text(response)
    assert len(CONDUCT_RULES) == 6
    for code, title, rule_text in CONDUCT_RULES:
        assert f'name="rule" value="{code}"' in page
        assert title in page and rule_text in page
    assert 'name="comment"' in page


def test_report_opens_a_case_and_thanks_the_reporter(member_client, member, post):
    response = send_report(member_client, post, "disrespect", "Insults a whole class of graduates.")
    assert (response.status_code, response.location) == (302, f"/t/{post.thread_id}#post-2")
    assert "Thank you. The moderators will review your report." in unescaped_page_text(
        member_client.get(response.location))
    report = db.session.scalar(db.select(Report))
    assert (report.reporter_id, report.rule_code, report.comment) == (
        member.id, "disrespect", "Insults a whole class of graduates.")
    assert (report.case.post_id, report.case.member_id, report.case.report_count) == (post.id, post.author_id, 1)


@pytest.mark.parametrize("data, error", [
    ({"comment": "typed before forgetting the rule"}, "Choose the rule it breaks."),
    ({"rule": "disrespect", "comment": "x" * 1001}, "Field cannot be longer than 1000 characters."),
    ({"rule": "rudeness", "comment": "typed with a made-up rule"}, "Not a valid choice."),
])
def test_invalid_report_is_refused_and_the_form_kept(member_client, post, data, error):
    response = member_client.post(f"/p/{post.id}/report", data=data)
    assert response.status_code == 200
    page = unescaped_page_text(response)
    assert error in page
    assert data["comment"] in page  # what the member typed is still in the textarea
    assert count_rows(Report) == count_rows(Case) == 0


def test_a_report_without_the_csrf_token_is_refused(member_client, post):
    response = member_client.post(f"/p/{post.id}/report", data={"rule": "disrespect"}, csrf=False)
    assert response.status_code == 400
    assert count_rows(Report) == 0


def test_a_comment_of_exactly_1000_characters_is_accepted(member_client, post):
    assert send_report(member_client, post, comment="x" * 1000).status_code == 302
    assert len(db.session.scalar(db.select(Report.comment))) == 1000


@pytest.mark.parametrize("who, status, location", [
    ("author", 403, None),
    ("silenced", 403, None),
    ("not_accepted", 302, "/conduct"),
])
def test_who_may_not_report(app, make_user, author, post, who, status, location):
    reporter = {"author": lambda: author,
                "silenced": lambda: make_user("quiet", silenced_until=utcnow() + timedelta(days=2)),
                "not_accepted": lambda: make_user("newcomer", accepted=False)}[who]()
    client = signed_in(app, reporter)
    for response in (client.get(f"/p/{post.id}/report"), send_report(client, post)):
        assert response.status_code == status
        if location:
            assert response.location.startswith(location)
    assert count_rows(Report) == 0


def test_a_second_report_on_the_same_post_is_refused(member_client, post):
    assert send_report(member_client, post, "disrespect").status_code == 302
    for again in (member_client.get(f"/p/{post.id}/report"), send_report(member_client, post, "threats")):
        assert (again.status_code, again.location) == (302, "/reports")
    page = unescaped_page_text(member_client.get("/reports"))
    assert "You have already reported this" in page
    assert count_rows(Report) == 1 and case_of(post).report_count == 1


def test_reports_are_rate_limited_per_member_per_day(app, make_user, author, member_client):
    app.config["REPORT_LIMIT"] = "2 per day"  # read by the limiter on each request
    posts = [reply_post(author, f"post number {i}") for i in range(3)]
    assert [send_report(member_client, p).status_code for p in posts] == [302, 302, 429]
    assert send_report(signed_in(app, make_user("bob")), posts[2]).status_code == 302
    assert count_rows(Report) == 3


def test_signing_out_and_in_again_does_not_reset_the_report_limit(app, member, author, member_client):
    app.config["REPORT_LIMIT"] = "2 per day"
    posts = [reply_post(author, f"post number {i}") for i in range(3)]
    assert [send_report(member_client, p).status_code for p in posts[:2]] == [302, 302]
    assert member_client.post("/logout", data={}).status_code == 302
    login(member_client, member)
    assert send_report(member_client, posts[2]).status_code == 429


def test_the_report_limit_counts_post_and_profile_reports_together(app, make_user, author, member_client):
    app.config["REPORT_LIMIT"] = "2 per day"
    posts = [reply_post(author, f"post number {i}") for i in range(2)]
    assert [send_report(member_client, p).status_code for p in posts] == [302, 302]
    make_user("carol")
    assert member_client.post("/u/carol/report", data={"rule": "honor-code"}).status_code == 429


def test_a_post_removed_by_the_moderators_cannot_be_reported_again(
        app, make_user, member_client, post, moderator_client):
    services.report_post(make_user("first"), post, "disrespect", "")
    assert moderator_client.post(f"/moderation/cases/{case_of(post).id}/remove",
                                 data={"rule": "disrespect", "reason": "Insulting."}).status_code == 302
    assert "This post was removed by the moderators." in unescaped_page_text(member_client.get(f"/t/{post.thread_id}"))
    assert member_client.get(f"/p/{post.id}/report").status_code == 403
    assert send_report(member_client, post).status_code == 403
    assert count_rows(Case) == 1


def test_member_reports_a_profile(app, member_client, member, make_user):
    target = make_user("carol", display_name="Carol Target", bio_source="Buy my exam answers.")
    page = unescaped_page_text(member_client.get("/u/carol/report"))
    assert "Carol Target" in page and all(title in page for _, title, _ in CONDUCT_RULES)
    response = member_client.post("/u/carol/report", data={"rule": "honor-code", "comment": "Sells answers."})
    assert (response.status_code, response.location) == (302, "/u/carol")
    case = db.session.scalar(db.select(Case))
    assert (case.post_id, case.member_id, case.category_id, case.report_count) == (None, target.id, None, 1)
    assert db.session.scalar(db.select(Report.snapshot_source)) == "Buy my exam answers."
    again = member_client.post("/u/carol/report", data={"rule": "honor-code"})
    assert (again.status_code, again.location) == (302, "/reports")
    assert signed_in(app, target).get("/u/carol/report").status_code == 403
    assert count_rows(Report) == 1


# --- evidence and cases --------------------------------------------------------------------------

def test_case_shows_the_evidence_as_reported_beside_the_current_version(
        app, author, post, member_client, moderator_client):
    send_report(member_client, post)
    author_client = signed_in(app, author)
    assert author_client.post(f"/p/{post.id}/edit", data={"body": "I respectfully disagree."}).status_code == 302
    assert author_client.post(f"/p/{post.id}/delete", data={}).status_code == 302
    assert db.session.get(Post, post.id).body_source == "I respectfully disagree."
    page = unescaped_page_text(moderator_client.get(f"/moderation/cases/{case_of(post).id}"))
    assert "Content as reported (revision 1)" in page and OFFENSIVE in page
    assert "current version (revision 2)" in page and "I respectfully disagree." in page
    assert "Deleted by its author." in page


def test_reports_on_one_post_collapse_into_one_case(app, make_user, post, moderator_client):
    for name, rule in [("ann", "disrespect"), ("ben", "disrespect"), ("cyd", "threats")]:
        assert send_report(signed_in(app, make_user(name)), post, rule, f"comment by {name}").status_code == 302
    case = db.session.scalar(db.select(Case))
    assert count_rows(Case) == 1 and case.report_count == 3
    page = unescaped_page_text(moderator_client.get(f"/moderation/cases/{case.id}"))
    assert "3 reports" in page
    assert "Disrespect × 2" in page and "Threats and incitement to violence × 1" in page
    assert all(f"comment by {name}" in page for name in ("ann", "ben", "cyd"))


def test_a_report_after_the_decision_opens_a_new_case_linked_to_the_previous(
        member, member_client, post, moderator_client):
    send_report(member_client, post)
    first = case_of(post)
    assert moderator_client.post(f"/moderation/cases/{first.id}/dismiss",
                                 data={"reason": "Heated, not abusive."}).status_code == 302
    assert send_report(member_client, post, "threats").status_code == 302  # the earlier case is decided
    second = case_of(post)
    assert (count_rows(Case), second.id != first.id, second.previous_case_id, second.report_count) == (
        2, True, first.id, 1)
    page = unescaped_page_text(moderator_client.get(f"/moderation/cases/{second.id}"))
    assert f'<a href="/moderation/cases/{first.id}">previous case</a>' in page


@pytest.mark.parametrize("action, data, label", [
    ("dismiss", {"reason": "Robust but within the rules."}, "Reviewed: no action"),
    ("remove", {"rule": "disrespect", "reason": "Insulting fellow graduates."}, "Reviewed: action taken"),
    ("warn", {"rule": "disrespect", "reason": "Insulting fellow graduates."}, "Reviewed: action taken"),
])
def test_reporter_sees_the_state_of_their_report_and_nothing_else(
        app, make_user, member_client, post, moderator_client, action, data, label):
    send_report(member_client, post)
    services.report_post(make_user("zotherrep", display_name="Zelda Otherreporter"), post, "threats", "")
    page = unescaped_page_text(member_client.get("/reports"))
    assert "Under review" in page and "Evidence handling" in page
    case = case_of(post)
    assert moderator_client.post(f"/moderation/cases/{case.id}/{action}", data=data).status_code == 302
    assert case_of(post).status == "resolved"
    page = unescaped_page_text(member_client.get("/reports"))
    assert label in page and "Under review" not in page
    assert "zotherrep" not in page and "Zelda" not in page
    assert data["reason"] not in page
    assert not [word for word in ("No violation", "Content removed", "Member warned", "Warning") if word in page]


# --- hiding a post after enough reports -----------------------------------------------------------

@pytest.mark.parametrize("threshold", [None, 2, 4])
def test_post_is_hidden_when_enough_distinct_members_report_it(app, make_user, post, threshold):
    if threshold:
        app.config["MODERATION_HIDE_THRESHOLD"] = threshold
    needed = threshold or 3  # the default
    viewer = signed_in(app, make_user("viewer"))
    for i in range(needed):
        page = unescaped_page_text(viewer.get(f"/t/{post.thread_id}"))
        assert OFFENSIVE in page and UNDER_REVIEW_PLACEHOLDER not in page, f"hidden after {i} reports"
        assert send_report(signed_in(app, make_user(f"reporter{i}")), post).status_code == 302
    page = unescaped_page_text(viewer.get(f"/t/{post.thread_id}"))
    assert UNDER_REVIEW_PLACEHOLDER in page and OFFENSIVE not in page


def report_until_hidden(app, make_user, post):
    for i in range(3):
        send_report(signed_in(app, make_user(f"reporter{i}")), post, ["disrespect", "threats", "discredit"][i])


def test_hidden_reply_stays_visible_to_its_author_and_moderators(app, make_user, author, post, moderator_client):
    report_until_hidden(app, make_user, post)
    page = unescaped_page_text(signed_in(app, make_user("viewer")).get(f"/t/{post.thread_id}"))
    assert UNDER_REVIEW_PLACEHOLDER in page and OFFENSIVE not in page
    page = unescaped_page_text(signed_in(app, author).get(f"/t/{post.thread_id}"))
    assert AUTHOR_NOTICE in page and OFFENSIVE in page
    assert OFFENSIVE in unescaped_page_text(moderator_client.get(f"/t/{post.thread_id}"))


def test_hidden_opening_post_takes_its_thread_out_of_view(app, make_user, author):
    post = start_thread(author, "Lessons from the border course", OFFENSIVE)
    viewer = signed_in(app, make_user("viewer"))
    assert "Lessons from the border course" in unescaped_page_text(viewer.get("/c/general"))
    report_until_hidden(app, make_user, post)
    assert "Lessons from the border course" not in unescaped_page_text(viewer.get("/c/general"))
    assert "Lessons from the border course" not in unescaped_page_text(viewer.get("/"))
    response = viewer.get(f"/t/{post.thread_id}")
    assert response.status_code == 403
    assert "Thread under review" in unescaped_page_text(response) and OFFENSIVE not in unescaped_page_text(response)
    own = signed_in(app, author).get(f"/t/{post.thread_id}")
    assert own.status_code == 200 and AUTHOR_NOTICE in unescaped_page_text(own)


@pytest.mark.parametrize("action, data, status, shown", [
    ("dismiss", {"reason": "Within the rules."}, 200, OFFENSIVE),
    # The opening post alone: the thread and its replies stay readable, and say the post was removed.
    ("remove", {"rule": "disrespect", "reason": "Insulting fellow graduates."}, 200,
     "This post was removed by the moderators."),
    ("remove", {"rule": "disrespect", "reason": "Insulting fellow graduates.", "whole_thread": "y"}, 403,
     "This thread was removed by the moderators."),
    ("warn", {"rule": "disrespect", "reason": "Insulting fellow graduates.", "remove": "y", "whole_thread": "y"}, 403,
     "This thread was removed by the moderators."),
])
def test_the_moderators_decision_on_an_opening_post_shows_or_removes_the_thread_as_chosen(
        app, make_user, author, moderator_client, action, data, status, shown):
    post = start_thread(author, "Lessons from the border course", OFFENSIVE)
    forum_services.reply(make_user("replier"), post.thread, "A colleague's useful answer")
    report_until_hidden(app, make_user, post)
    case = case_of(post)
    assert moderator_client.post(f"/moderation/cases/{case.id}/{action}", data=data).status_code == 302
    viewer = signed_in(app, make_user("viewer"))
    response = viewer.get(f"/t/{post.thread_id}")
    page = unescaped_page_text(response)
    assert response.status_code == status and shown in page
    assert ("A colleague's useful answer" in page) is (status == 200)
    assert (OFFENSIVE in page) is (action == "dismiss")
    assert ("Lessons from the border course" in unescaped_page_text(viewer.get("/c/general"))) is (status == 200)


def test_the_third_report_of_an_opening_post_leads_back_to_its_category(app, make_user, author):
    post = start_thread(author, "Lessons from the border course", OFFENSIVE)
    for i in range(2):
        send_report(signed_in(app, make_user(f"reporter{i}")), post)
    third = signed_in(app, make_user("third"))
    response = send_report(third, post, "threats")
    assert (response.status_code, response.location) == (302, "/c/general")  # not the hidden thread's 403
    page = unescaped_page_text(third.get(response.location))
    assert "Thank you. The moderators will review your report." in page
    assert "Lessons from the border course" not in page


def test_the_case_page_offers_the_whole_thread_only_for_an_opening_post(app, make_user, author, post,
                                                                        moderator_client):
    opening = start_thread(author, "Another thread", OFFENSIVE)
    report_until_hidden(app, make_user, post)
    send_report(signed_in(app, make_user("other")), opening)
    assert "Remove the whole thread" not in page_text(moderator_client.get(f"/moderation/cases/{case_of(post).id}"))
    page = page_text(moderator_client.get(f"/moderation/cases/{case_of(opening).id}"))
    assert "Remove the whole thread with its replies, not only the opening post" in page
