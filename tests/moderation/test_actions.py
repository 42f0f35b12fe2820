"""Moderator actions on a case, through the case page's forms: each one's effect on the member, the
content, the reporters and the record; the four-eyes dismissal; and the undo paths."""
from datetime import datetime, time, timedelta

import pytest

from forum.audit import ModerationAction
from forum.discussions import services as forum_services
from forum.extensions import db
from forum.models import utcnow
from forum.notifications.models import Notification
from moderation import services
from moderation.models import DismissalProposal, Penalty, RemovalMessage
from tests.conftest import HOST, PASSWORD, page_text, signed_in, start_thread, unescaped_page_text, user_named

REASON = "Insulted a colleague in front of the class"
NO_REASON = "Give a reason for the decision."


def act(client, case, action, **fields):
    """Post a decision from the case page and return the page it leads to."""
    return client.post(f"/moderation/cases/{case.id}/{action}", data=fields, follow_redirects=True)


def notices(client):
    return page_text(client.get("/notifications"))


def login_attempt(app, user):
    return app.test_client().post("/login", data={"login": user.username, "password": PASSWORD})


def logged(action):
    return db.session.scalars(db.select(ModerationAction).where(ModerationAction.action == action)).all()


@pytest.fixture
def author(make_user):
    return make_user("author", display_name="Arthur Author", academy="budapest")


@pytest.fixture
def reporter(make_user):
    return make_user("reporter")


@pytest.fixture
def thread_post(reporter):
    """The opening post of a thread the reporter started; the author replies in it."""
    return start_thread(reporter, body="Opening words")


@pytest.fixture
def post(author, thread_post):
    return forum_services.reply(author, thread_post.thread, "OFFENSIVE-REPLY you are all useless")


@pytest.fixture
def case(post, reporter):
    return services.report_post(reporter, post, "disrespect", "rude")


@pytest.fixture
def moderator(moderator_client):
    return user_named("mod")


@pytest.fixture
def admin(admin_client):
    return user_named("boss")


def test_dismiss_resolves_the_case_and_tells_the_reporters_no_action(app, moderator_client, case, reporter):
    page = page_text(act(moderator_client, case, "dismiss", reason="Robust but within the rules"))
    assert "The case is dismissed; the reporters are told." in page
    assert (case.status, case.outcome, case.resolved_by.username) == ("resolved", "dismissed", "mod")
    reporter_client = signed_in(app, reporter)
    assert "Your report was reviewed: no action was needed." in notices(reporter_client)
    assert "Reviewed: no action" in page_text(reporter_client.get("/reports"))


def test_remove_hides_the_post_from_others_and_tells_the_author_why(app, moderator_client, case, author, make_user):
    page = page_text(act(moderator_client, case, "remove", rule="disrespect", reason=REASON))
    assert "The post is removed; its author is told why." in page
    assert case.outcome == "removed"
    thread_url = f"/t/{case.post.thread_id}"

    other_page = page_text(signed_in(app, make_user("other")).get(thread_url))
    assert "OFFENSIVE-REPLY" not in other_page
    assert "This post was removed by the moderators." in other_page

    author_client = signed_in(app, author)
    author_page = page_text(author_client.get(thread_url))
    assert "OFFENSIVE-REPLY" in author_page
    assert "Removed by the moderators: only you and the moderators see it." in author_page
    assert f"Your post was removed (rule: Disrespect). {REASON}" in notices(author_client)


SPANISH = "Su mensaje fue retirado por falta de respeto."


@pytest.mark.parametrize("language, expected", [
    ("es", SPANISH),
    ("en", "Your post was removed because it breaks this rule of the Code of Conduct: Disrespect."),
])
def test_remove_without_a_message_sends_the_prepared_one_in_the_authors_language(
        app, moderator_client, case, author, language, expected):
    db.session.add(RemovalMessage(rule_code="disrespect", language="es", text=SPANISH))
    author.preferred_language = language
    db.session.commit()
    assert "The post is removed" in page_text(act(moderator_client, case, "remove", rule="disrespect", reason=" "))
    assert case.post.moderation_state == "removed"
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == author.id,
                                                             Notification.kind == "content_removed"))
    assert notice.data["reason"].startswith(expected)
    assert expected in notices(signed_in(app, author))


@pytest.mark.parametrize("remove", [False, True])
def test_warning_goes_on_the_record_and_the_member_is_told(app, moderator_client, case, author, remove):
    fields = {"rule": "disrespect", "reason": REASON, **({"remove": "y"} if remove else {})}
    assert "The warning is on the member" in page_text(act(moderator_client, case, "warn", **fields))
    penalty = db.session.scalar(db.select(Penalty).where(Penalty.member_id == author.id))
    assert (penalty.kind, penalty.rule_code, penalty.reason, penalty.case_id) == (
        "warning", "disrespect", REASON, case.id)
    assert case.outcome == "warned"
    assert case.post.moderation_state == ("removed" if remove else None)
    assert f"You received a formal warning (rule: Disrespect). {REASON}" in notices(signed_in(app, author))


def test_silenced_member_reads_but_cannot_post_reply_or_report_until_it_ends(
        app, moderator_client, case, author, thread_post):
    assert "The member is silenced." in page_text(act(moderator_client, case, "silence", rule="disrespect",
                                                 reason=REASON, duration="3"))
    assert abs(author.silenced_until - (utcnow() + timedelta(days=3))) < timedelta(minutes=1)
    client = signed_in(app, author)  # signing in still works
    assert f"(rule: Disrespect). {REASON}" in notices(client)
    assert "You cannot post, reply or report until" in notices(client)
    thread = f"/t/{thread_post.thread_id}"
    assert client.get(thread).status_code == 200
    blocked = [("get", "/c/general/new", {}),
               ("post", "/c/general/new", {"title": "New topic", "kind": "discussion", "body": "words"}),
               ("get", f"{thread}/reply", {}),
               ("post", f"{thread}/reply", {"body": "a reply"}),
               ("get", f"/p/{thread_post.id}/report", {}),
               ("post", f"/p/{thread_post.id}/report", {"rule": "disrespect", "comment": ""})]
    for method, url, data in blocked:
        assert getattr(client, method)(url, **({"data": data} if method == "post" else {})).status_code == 403, url

    author.silenced_until = utcnow() - timedelta(minutes=1)  # the silence runs out by itself
    db.session.commit()
    assert client.get("/c/general/new").status_code == 200
    assert client.post(f"{thread}/reply", data={"body": "Back, and polite"}).status_code == 302


@pytest.mark.parametrize("fields, days", [
    ({"duration": "1"}, 1), ({"duration": "3"}, 3), ({"duration": "7"}, 7), ({"duration": "30"}, 30),
    ({"duration": "date"}, None),
])
def test_suspension_lasts_the_chosen_time_and_refuses_sign_in(app, moderator_client, case, author, fields, days):
    chosen = (utcnow() + timedelta(days=12)).date()
    if days is None:
        fields = {**fields, "until": chosen.isoformat()}
    page = page_text(act(moderator_client, case, "suspend", rule="disrespect", reason=REASON, **fields))
    assert "The member is suspended and signed out everywhere." in page
    penalty = db.session.scalar(db.select(Penalty).where(Penalty.member_id == author.id))
    assert penalty.kind == "suspension" and author.suspended_until == penalty.ends_at
    if days is None:
        assert penalty.ends_at == datetime.combine(chosen, time(23, 59))
    else:
        assert abs(penalty.ends_at - (utcnow() + timedelta(days=days))) < timedelta(minutes=1)
    refused = login_attempt(app, author)
    assert refused.status_code == 200 and "This account is suspended until" in page_text(refused)


def test_suspension_ends_every_session_and_remember_me_cookie_at_once(app, moderator_client, case, author):
    browser = signed_in(app, author)
    remembered = signed_in(app, author, remember="y")
    old = {"session": browser.get_cookie("session", domain=HOST).value,
           "remember_token": remembered.get_cookie("remember_token", domain=HOST).value}

    def replay(name):
        client = app.test_client()
        client.set_cookie(name, old[name], domain=HOST)
        return client.get("/")

    assert replay("remember_token").status_code == 200  # the cookie alone signs in, until...
    act(moderator_client, case, "suspend", rule="disrespect", reason=REASON, duration="1")
    for client in (browser, remembered):
        response = client.get("/")
        assert (response.status_code, response.location) == (302, "/login?next=%2F")
    for name in old:
        assert replay(name).location.startswith("/login")

    author.suspended_until = utcnow() - timedelta(minutes=1)  # the suspension runs out by itself
    db.session.commit()
    for name in old:  # the old cookies stay dead; signing in again works
        assert replay(name).location.startswith("/login")
    assert signed_in(app, author).get("/").status_code == 200


def test_escalated_case_goes_to_the_admins_moderators_only_add_notes(app, moderator_client, admin_client, case):
    page = page_text(act(moderator_client, case, "escalate", reason="Looks like a pattern, admins please"))
    assert "The case is escalated to the administrators." in page
    assert "This case is escalated: the administrators decide it. You can still add notes." in page
    assert case.status == "escalated"
    assert "A case was escalated to the administrators: Looks like a pattern" in notices(admin_client)

    assert moderator_client.post(f"/moderation/cases/{case.id}/dismiss", data={"reason": "fine"}).status_code == 403
    assert case.status == "escalated"
    noted = page_text(moderator_client.post(f"/moderation/cases/{case.id}/note", data={"body": "Seen this before"},
                                       follow_redirects=True))
    assert "Note added." in noted and "Seen this before" in noted

    assert "The case is dismissed" in page_text(act(admin_client, case, "dismiss", reason="Admins find no violation"))
    assert (case.status, case.outcome, case.resolved_by.username) == ("resolved", "dismissed", "boss")


def earlier_penalty(moderator, case, step):
    """A decision already on the member's record: a warning (perhaps withdrawn) or a suspension."""
    if step in ("warning", "lifted warning"):
        services.warn_member(moderator, case, "disrespect", "earlier")
        if step == "lifted warning":
            db.session.scalar(db.select(Penalty).where(Penalty.case_id == case.id)).lifted_at = utcnow()
            db.session.commit()
    else:  # days, or the day chosen on the form (the suspension then ends at 23:59 that day)
        until = services.suspension_end(days=step) if isinstance(step, int) else \
            datetime.combine((utcnow() + timedelta(days=10)).date(), time(23, 59))
        services.suspend_member(moderator, case, "disrespect", "earlier", until)


@pytest.mark.parametrize("history, suggestion", [
    ([], "a warning"),
    (["warning"], "a suspension of 1 day"),
    (["lifted warning"], "a warning"),
    (["warning", 1], "a suspension of 3 days"),
    ([3], "a suspension of 7 days"),
    ([7], "a suspension of 30 days"),
    (["warning", 30], "dismissal from the portal"),
    (["date in 10 days"], "a suspension of 30 days"),
])
def test_case_page_suggests_the_next_step_of_the_ladder(moderator_client, moderator, author, make_user, history,
                                                         suggestion):
    reporter = make_user("reporter")
    posts = [start_thread(author, title=f"Post {n}", body="Opening words")  # before any suspension
             for n in range(len(history) + 1)]
    for step, post in zip(history, posts):
        earlier_penalty(moderator, services.report_post(reporter, post, "disrespect", ""), step)
    case = services.report_post(reporter, posts[-1], "disrespect", "")
    page = page_text(moderator_client.get(f"/moderation/cases/{case.id}"))
    assert f"Suggested next step for this member: {suggestion}" in page


@pytest.mark.parametrize("action, fields", [
    ("dismiss", {}), ("remove", {}), ("warn", {"rule": "disrespect", "remove": "y"}),
    ("silence", {"rule": "disrespect", "duration": "3"}), ("suspend", {"rule": "disrespect", "duration": "7"}),
    ("escalate", {}), ("propose-dismissal", {"rule": "threats", "hide_content": "y"}),
])
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_without_a_reason_changes_nothing(moderator_client, case, author, action, fields, reason):
    page = page_text(act(moderator_client, case, action, reason=reason, **fields))
    assert NO_REASON in page
    assert (case.status, case.outcome, case.post.moderation_state) == ("open", None, None)
    assert (author.silenced_until, author.suspended_until, author.status) == (None, None, "active")
    assert db.session.scalar(db.select(db.func.count()).select_from(Penalty)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(DismissalProposal)) == 0
    assert db.session.scalars(db.select(ModerationAction.action).where(ModerationAction.case_id == case.id)).all() == []


# --- dismissal from the portal: four eyes ----------------------------------------------------

@pytest.fixture
def author_elsewhere(author, make_user):
    """A thread of the author's own and a reply of theirs in someone else's thread."""
    own = start_thread(author, title="Author own thread", body="AUTHOR-OPENING")
    other_thread = start_thread(make_user("third"), title="Third party thread", body="third words")
    forum_services.reply(author, other_thread.thread, "AUTHOR-SECOND-REPLY")
    return own.thread, other_thread.thread


def test_moderator_proposes_dismissal_and_another_admin_confirms_it(
        app, moderator_client, admin_client, case, author, author_elsewhere, make_user):
    author_client = signed_in(app, author)
    page = page_text(act(moderator_client, case, "propose-dismissal", rule="threats", reason="Threatened a colleague",
                    hide_content="y"))
    assert "The dismissal is proposed; an administrator will decide." in page
    assert "Mod proposes to dismiss this member (Threats and incitement to violence): Threatened a colleague" in page
    assert case.status == "escalated"
    assert author_client.get("/").status_code == 200  # nothing happens before an admin confirms
    assert "A moderator proposes to dismiss a member" in notices(admin_client)

    proposal = db.session.scalar(db.select(DismissalProposal))
    confirmed = admin_client.post(f"/moderation/proposals/{proposal.id}/confirm", data={"reason": "Agreed"},
                                  follow_redirects=True)
    assert "The member is dismissed from the portal." in page_text(confirmed)
    assert (author.status, case.outcome, proposal.status) == ("dismissed", "member_dismissed", "confirmed")
    assert author_client.get("/").location.startswith("/login")
    refused = login_attempt(app, author)
    assert refused.status_code == 200 and "This account is not active." in page_text(refused)

    own_thread, other_thread = author_elsewhere
    reader = signed_in(app, make_user("reader"))
    listing = page_text(reader.get("/")) + page_text(reader.get("/c/general"))
    assert "Author own thread" not in listing and "Third party thread" in listing
    assert reader.get(f"/t/{own_thread.id}").status_code == 403
    assert "AUTHOR-SECOND-REPLY" not in page_text(reader.get(f"/t/{other_thread.id}"))
    assert [(a.actor.username, a.member_id) for a in logged("confirm_dismissal")] == [("boss", author.id)]


def test_dismissal_without_hiding_content_leaves_the_posts_visible(
        app, moderator, admin_client, case, author, author_elsewhere, make_user):
    services.propose_dismissal(moderator, case, "threats", "Threatened a colleague", hide_content=False)
    proposal = db.session.scalar(db.select(DismissalProposal))
    admin_client.post(f"/moderation/proposals/{proposal.id}/confirm", data={"reason": "Agreed"})
    assert author.status == "dismissed"
    reader = signed_in(app, make_user("reader"))
    assert "Author own thread" in page_text(reader.get("/c/general"))
    assert "AUTHOR-SECOND-REPLY" in page_text(reader.get(f"/t/{author_elsewhere[1].id}"))


def test_the_proposer_cannot_confirm_their_own_proposal_even_as_admin(app, admin_client, admin, case, author,
                                                                       make_user):
    services.propose_dismissal(admin, case, "threats", "Threatened a colleague", hide_content=False)
    proposal = db.session.scalar(db.select(DismissalProposal))
    page = page_text(admin_client.get(f"/moderation/cases/{case.id}"))
    assert "An administrator other than the proposer decides." in page
    refused = admin_client.post(f"/moderation/proposals/{proposal.id}/confirm", data={"reason": "Myself"},
                                follow_redirects=True)
    assert "You proposed this dismissal: another administrator decides it." in unescaped_page_text(refused)
    assert (author.status, proposal.status, case.status) == ("active", "pending", "escalated")
    # Nor can the proposer dismiss the member directly on the same case: four eyes.
    page = unescaped_page_text(admin_client.get(f"/moderation/cases/{case.id}"))
    assert "Dismiss the member from the portal now" not in page
    admin_client.post(f"/moderation/cases/{case.id}/dismiss-member",
                      data={"rule": "threats", "reason": "Alone after all"})
    assert (author.status, case.status) == ("active", "escalated")

    other_admin = signed_in(app, make_user("chief", role="admin"))
    other_admin.post(f"/moderation/proposals/{proposal.id}/confirm", data={"reason": "Agreed"})
    assert author.status == "dismissed"


def test_an_admin_rejects_the_proposal_and_the_member_stays(app, moderator, admin_client, case, author):
    author_client = signed_in(app, author)
    services.propose_dismissal(moderator, case, "threats", "Threatened a colleague", hide_content=True)
    proposal = db.session.scalar(db.select(DismissalProposal))
    page = page_text(admin_client.post(f"/moderation/proposals/{proposal.id}/reject",
                                  data={"reason": "A warning is enough"}, follow_redirects=True))
    assert "The proposal is rejected." in page
    assert (author.status, proposal.status, case.status) == ("active", "rejected", "escalated")
    assert author_client.get("/").status_code == 200
    assert [(a.actor.username, a.reason) for a in logged("reject_dismissal")] == [("boss", "A warning is enough")]


def test_an_admin_dismisses_directly_only_on_an_escalated_case(app, moderator, admin_client, case, author):
    fields = {"rule": "threats", "reason": "Threats of violence"}
    assert admin_client.post(f"/moderation/cases/{case.id}/dismiss-member", data=fields).status_code == 403
    assert (author.status, case.status) == ("active", "open")

    services.escalate_case(moderator, case, "Serious")
    page = page_text(act(admin_client, case, "dismiss-member", **fields))
    assert "The member is dismissed from the portal." in page
    assert (author.status, case.outcome) == ("dismissed", "member_dismissed")
    assert login_attempt(app, author).status_code == 200
    [row] = logged("dismiss_member_direct")
    assert (row.actor.username, row.member_id, row.rule_code, row.reason) == ("boss", author.id, "threats",
                                                                             "Threats of violence")
    assert "Dismissed the member directly" in page_text(admin_client.get("/moderation/log"))


# --- undo paths ------------------------------------------------------------------------------

def test_restoring_content_shows_it_again_on_the_record(app, moderator_client, moderator, case, author, make_user):
    services.remove_content(moderator, case, "disrespect", REASON)
    url = f"/moderation/posts/{case.post_id}/restore"
    assert NO_REASON in page_text(moderator_client.post(url, data={"reason": ""}, follow_redirects=True))
    assert case.post.moderation_state == "removed"

    assert "The post is visible again." in page_text(moderator_client.post(url, data={"reason": "Context shows irony"},
                                                                      follow_redirects=True))
    assert case.post.moderation_state is None
    assert "OFFENSIVE-REPLY" in page_text(signed_in(app, make_user("other")).get(f"/t/{case.post.thread_id}"))
    assert "Your post is visible again." in notices(signed_in(app, author))
    assert [(a.actor.username, a.reason) for a in logged("restore_content")] == [("mod", "Context shows irony")]


def test_lifting_a_suspension_lets_the_member_sign_in_again(app, moderator_client, moderator, case, author):
    services.suspend_member(moderator, case, "disrespect", REASON, services.suspension_end(days=30))
    penalty = db.session.scalar(db.select(Penalty))
    assert login_attempt(app, author).status_code == 200
    response = moderator_client.post(f"/moderation/penalties/{penalty.id}/lift", data={"reason": "Apologised"},
                                     follow_redirects=True)
    assert "The penalty is lifted." in page_text(response)
    assert penalty.lifted_at is not None and author.suspended_until is None
    assert signed_in(app, author).get("/").status_code == 200
    assert [(a.actor.username, a.action, a.reason) for a in logged("lift_suspension")] == [
        ("mod", "lift_suspension", "Apologised")]


def test_only_an_admin_reinstates_a_dismissed_member_with_their_content(
        app, moderator, moderator_client, admin, admin_client, case, author, author_elsewhere, make_user):
    services.escalate_case(moderator, case, "Serious")
    services.dismiss_member_directly(admin, case, "threats", "Threats", hide_content=True)
    url = f"/moderation/members/{author.username}/reinstate"
    assert moderator_client.post(url, data={"reason": "Wrong person"}).status_code == 403
    assert author.status == "dismissed"

    page = page_text(admin_client.post(url, data={"reason": "Wrong person"}, follow_redirects=True))
    assert "The member is reinstated." in page
    assert author.status == "active"
    assert signed_in(app, author).get("/").status_code == 200
    reader = signed_in(app, make_user("reader"))
    assert "Author own thread" in page_text(reader.get("/c/general"))
    assert "AUTHOR-SECOND-REPLY" in page_text(reader.get(f"/t/{author_elsewhere[1].id}"))
    assert [(a.actor.username, a.reason) for a in logged("reinstate")] == [("boss", "Wrong person")]
