"""Appeals: a member appeals a decision once; someone other than the moderator who decided grants
(undoing it) or upholds it; the member is told the outcome."""
import html
import re

import pytest

from forum.audit import ModerationAction
from forum.extensions import db
from moderation import services
from moderation.models import Appeal, DismissalProposal, Penalty
from tests.conftest import PASSWORD, page_text, signed_in, start_thread, user_named

REASON = "Insulted a colleague"
APPEAL = "I was quoting the instructor, not insulting anyone"

DECISIONS = {  # decision -> its label on the member's record
    "remove": "Content removed",
    "warn": "Member warned",
    "suspend": "Member suspended",
    "dismiss": "Member dismissed from the portal",
}


def own_record(app, member):
    """The page where the member reads the decisions about them, reached as they would: their account
    page once signed in, or else whatever link the refused sign-in page offers them to appeal."""
    client = app.test_client()
    response = client.post("/login", data={"login": member.username, "password": PASSWORD})
    if response.status_code == 302:
        return client, "/account/moderation"
    link = re.search(r'<a href="([^"]+)"[^>]*>[^<]*appeal[^<]*</a>', page_text(response), re.I)
    assert link, "the refused sign-in offers no way to read and appeal the decision"
    return client, html.unescape(link.group(1))


def appeal_form(page):
    """The action and fields of the appeal form on the record page, as a browser would send them."""
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page.split("Appeal this decision")[1],
                     re.S)
    hidden = dict(re.findall(r'<input type="hidden" name="(?!csrf_token)([^"]+)" value="([^"]*)"', form.group(2)))
    return html.unescape(form.group(1)), hidden


def can_sign_in(app, user):
    return app.test_client().post("/login", data={"login": user.username, "password": PASSWORD}).status_code == 302


@pytest.fixture
def author(make_user):
    return make_user("author", display_name="Arthur Author")


@pytest.fixture
def case(author, make_user):
    post = start_thread(author, "Field notes", "APPEALED-WORDS")
    return services.report_post(make_user("reporter"), post, "disrespect", "")


@pytest.fixture
def decided(moderator_client, admin_client, case):
    """Decide the case one way; the deciding moderator is `mod` (or the admin `boss` for a dismissal)."""
    def decide(decision, hide_content=False):
        moderator, admin = user_named("mod"), user_named("boss")
        if decision == "remove":
            services.remove_content(moderator, case, "disrespect", REASON)
        elif decision == "warn":
            services.warn_member(moderator, case, "disrespect", REASON)
        elif decision == "suspend":
            services.suspend_member(moderator, case, "disrespect", REASON, services.suspension_end(days=7))
        else:
            services.escalate_case(moderator, case, "Serious")
            services.dismiss_member_directly(admin, case, "threats", REASON, hide_content)
        return case
    return decide


@pytest.fixture
def other_moderator(app, make_user):
    return signed_in(app, make_user("mod2", role="moderator", display_name="Second Moderator"))


@pytest.mark.parametrize("decision", ["remove", "warn", "suspend", "dismiss"])
def test_member_sees_the_decision_and_appeals_once(app, decided, author, decision):
    case = decided(decision)
    client, record_url = own_record(app, author)
    record = page_text(client.get(record_url))
    assert DECISIONS[decision] in record and "Appeal this decision" in record
    action, fields = appeal_form(record)

    filed = page_text(client.post(action, data={**fields, "text": APPEAL}, follow_redirects=True))
    assert "Your appeal is filed. You will be told the outcome." in filed
    assert "Your appeal: awaiting a decision" in filed and "Appeal this decision" not in filed

    again = page_text(client.post(action, data={**fields, "text": "Once more"}, follow_redirects=True))
    assert "You have already appealed this decision." in again
    assert db.session.scalar(db.select(Appeal.case_id)) == case.id
    assert db.session.scalars(db.select(Appeal.text)).all() == [APPEAL]


@pytest.mark.parametrize("situation", ["no violation", "someone else's case", "undecided", "empty text"])
def test_appeals_that_are_refused(app, decided, case, author, make_user, situation):
    appellant, data = author, {"text": APPEAL}
    if situation == "no violation":
        services.dismiss_case(user_named("mod"), case, "Nothing wrong")
    elif situation == "someone else's case":
        decided("warn")
        appellant = make_user("bystander")
    elif situation == "empty text":
        decided("warn")
        data = {"text": "  "}
    response = signed_in(app, appellant).post(f"/account/appeals/{case.id}", data=data, follow_redirects=True)
    if situation == "empty text":
        assert "Write your appeal first." in page_text(response)
    else:
        assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Appeal)) == 0


def test_appeal_is_queued_and_decided_by_someone_other_than_the_decider(
        app, decided, author, moderator_client, other_moderator, make_user):
    case = decided("remove")
    services.file_appeal(author, case, APPEAL)
    appeal = db.session.scalar(db.select(Appeal))
    assert "A member appealed a moderation decision." in page_text(moderator_client.get("/notifications"))

    queue = page_text(moderator_client.get("/moderation/appeals"))
    assert APPEAL in queue and "Arthur Author" in queue and "decided by Mod" in queue
    assert "Someone other than the moderator who decided must review this appeal." in queue
    assert moderator_client.post(f"/moderation/appeals/{appeal.id}/grant", data={"reason": "Mine"}).status_code == 403
    assert appeal.status == "pending" and case.post.moderation_state == "removed"

    assert "Grant: undo the decision" in page_text(other_moderator.get("/moderation/appeals"))
    granted = other_moderator.post(f"/moderation/appeals/{appeal.id}/grant", data={"reason": "It was a quote"},
                                   follow_redirects=True)
    assert "The appeal is decided; the member is told." in page_text(granted)
    assert (appeal.status, appeal.decided_by_id) == ("granted", user_named("mod2").id)
    assert "APPEALED-WORDS" in page_text(signed_in(app, make_user("reader")).get(f"/t/{case.post.thread_id}"))

    member = signed_in(app, author)
    assert "Your appeal was granted. It was a quote" in page_text(member.get("/notifications"))
    assert "Your appeal: granted — It was a quote" in page_text(member.get("/account/moderation"))
    again = other_moderator.post(f"/moderation/appeals/{appeal.id}/uphold", data={"reason": "Changed my mind"},
                                 follow_redirects=True)
    assert "This appeal was already decided." in page_text(again) and appeal.status == "granted"
    assert db.session.scalars(db.select(ModerationAction.action).where(
        ModerationAction.action.in_(["grant_appeal", "uphold_appeal"]))).all() == ["grant_appeal"]


@pytest.mark.parametrize("decision", ["warn", "suspend", "dismiss"])
def test_granting_an_appeal_lifts_the_penalty(app, decided, author, other_moderator, decision):
    case = decided(decision)
    services.file_appeal(author, case, APPEAL)
    appeal = db.session.scalar(db.select(Appeal))
    other_moderator.post(f"/moderation/appeals/{appeal.id}/grant", data={"reason": "Fair point"})
    penalty = db.session.scalar(db.select(Penalty).where(Penalty.case_id == case.id))
    assert penalty.lifted_at is not None and penalty.lifted_by_id == user_named("mod2").id
    assert can_sign_in(app, author)
    assert "lifted" in page_text(signed_in(app, author).get("/account/moderation"))


def test_granting_an_appeal_against_a_dismissal_shows_the_hidden_content_again(
        app, decided, author, other_moderator, make_user):
    case = decided("dismiss", hide_content=True)
    services.file_appeal(author, case, APPEAL)
    appeal = db.session.scalar(db.select(Appeal))
    other_moderator.post(f"/moderation/appeals/{appeal.id}/grant", data={"reason": "Fair point"})
    assert author.status == "active"
    reader = signed_in(app, make_user("reader"))
    assert "Field notes" in page_text(reader.get("/c/general"))
    assert reader.get(f"/t/{case.post.thread_id}").status_code == 200


def test_upholding_an_appeal_keeps_the_decision_and_tells_the_member(app, decided, author, other_moderator):
    case = decided("warn")
    services.file_appeal(author, case, APPEAL)
    appeal = db.session.scalar(db.select(Appeal))
    other_moderator.post(f"/moderation/appeals/{appeal.id}/uphold", data={"reason": "The words were yours"})
    assert appeal.status == "upheld"
    assert db.session.scalar(db.select(Penalty.lifted_at)) is None
    member = signed_in(app, author)
    assert "Your appeal was not granted: the decision stands. The words were yours" in page_text(
        member.get("/notifications"))
    assert "Your appeal: not granted — The words were yours" in page_text(member.get("/account/moderation"))


def test_the_moderator_who_proposed_a_dismissal_cannot_decide_the_appeal_against_it(
        app, moderator_client, admin_client, case, author):
    services.propose_dismissal(user_named("mod"), case, "threats", REASON, hide_content=False)
    services.decide_dismissal(user_named("boss"), db.session.scalar(db.select(DismissalProposal)), True, "Agreed")
    services.file_appeal(author, case, APPEAL)
    appeal = db.session.scalar(db.select(Appeal))
    assert moderator_client.post(f"/moderation/appeals/{appeal.id}/grant", data={"reason": "Mine"}).status_code == 403
    assert author.status == "dismissed"
