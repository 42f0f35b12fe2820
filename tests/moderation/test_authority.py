"""Nobody judges themselves or a higher rank: cases about moderators and admins, one's own case,
scoped histories, and four eyes on dismissals (the full matrix is in tests/security)."""
from datetime import timedelta

from forum.extensions import db
from forum.models import utcnow
from forum.notifications.models import Notification
from moderation import services
from moderation.models import Appeal, Case, Penalty
from tests.access import reported, scope
from tests.conftest import nav_open_cases, signed_in, unescaped_page_text


def notified(user, kind):
    return db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind))


def test_a_case_about_a_moderator_goes_to_the_admins_and_peers_can_only_escalate(app, make_user):
    colleague, peer, admin = make_user("colleague", role="moderator"), make_user("peer", role="moderator"), \
        make_user("boss", role="admin")
    _, case = reported(colleague, make_user("tipster"), "A moderator's post")
    assert (notified(peer, "new_case"), notified(admin, "new_case"), notified(colleague, "new_case")) == (0, 1, 0)

    client = signed_in(app, peer)
    page = unescaped_page_text(client.get(f"/moderation/cases/{case.id}"))
    assert str(services.ABOUT_A_MODERATOR) in page
    assert "Suspend the member" not in page and "Warn the member" not in page
    refused = client.post(f"/moderation/cases/{case.id}/suspend",
                          data={"rule": "disrespect", "reason": "Peer pressure", "duration": "7"},
                          follow_redirects=True)
    assert str(services.ABOUT_A_MODERATOR) in unescaped_page_text(refused)
    assert (colleague.suspended_until, case.status) == (None, "open")
    assert db.session.scalar(db.select(db.func.count()).select_from(Penalty)) == 0

    client.post(f"/moderation/cases/{case.id}/escalate", data={"reason": "A colleague: for the admins."})
    assert case.status == "escalated" and notified(admin, "escalation") == 1
    boss = signed_in(app, admin)
    assert "Suspend the member" in unescaped_page_text(boss.get(f"/moderation/cases/{case.id}"))
    boss.post(f"/moderation/cases/{case.id}/suspend", data={"rule": "disrespect", "reason": "Rude", "duration": "1"})
    assert case.outcome == "suspended" and colleague.suspended_until is not None


def test_the_only_admin_cannot_be_locked_out_by_a_moderator(app, make_user):
    admin = make_user("boss", role="admin")
    _, case = reported(admin, make_user("tipster"), "The admin's post")
    client = signed_in(app, make_user("mod", role="moderator"))
    later = (utcnow() + timedelta(days=365)).date().isoformat()
    client.post(f"/moderation/cases/{case.id}/suspend",
                data={"rule": "disrespect", "reason": "Coup", "duration": "date", "until": later})
    assert admin.suspended_until is None and admin.is_active and case.is_open
    assert signed_in(app, admin).get("/").status_code == 200


def test_a_moderator_never_sees_or_decides_the_case_about_their_own_post(app, make_user):
    mod, other, admin = make_user("mod", role="moderator"), make_user("other", role="moderator"), \
        make_user("boss", role="admin")
    post, case = reported(mod, make_user("tipster", display_name="Vigilant Veronica"), "My own matter")
    for name in ("ann", "ben"):  # three reporters hide the post pending review
        services.report_post(make_user(name), post, "disrespect", "")
    assert (notified(mod, "new_case"), notified(other, "new_case"), notified(admin, "new_case")) == (0, 0, 1)
    client = signed_in(app, mod)
    queue = unescaped_page_text(client.get("/moderation/"))
    assert "My own matter" not in queue and nav_open_cases(queue) == 0
    response = client.get(f"/moderation/cases/{case.id}")
    assert response.status_code == 403 and "Vigilant Veronica" not in unescaped_page_text(response)
    assert client.post(f"/moderation/cases/{case.id}/dismiss", data={"reason": "Nothing here"}).status_code == 403
    refused = client.post(f"/moderation/posts/{post.id}/restore", data={"reason": "Mine is fine"},
                          follow_redirects=True)
    assert str(services.NOT_ABOUT_YOURSELF) in unescaped_page_text(refused)
    assert (case.status, post.moderation_state) == ("open", "pending")
    assert "My own matter" in unescaped_page_text(signed_in(app, other).get("/moderation/"))


def test_a_silenced_moderator_can_neither_lift_their_silence_nor_grant_their_appeal(app, make_user):
    mod, admin = make_user("mod", role="moderator"), make_user("boss", role="admin")
    _, case = reported(mod, make_user("tipster"), "Heated words")
    services.silence_member(admin, case, "disrespect", "Cool down", utcnow() + timedelta(days=7))
    services.file_appeal(mod, case, "I was provoked.")
    penalty, appeal = db.session.scalar(db.select(Penalty)), db.session.scalar(db.select(Appeal))
    client = signed_in(app, mod)
    assert "Reason for lifting" not in unescaped_page_text(client.get("/moderation/members/mod"))
    refused = client.post(f"/moderation/penalties/{penalty.id}/lift", data={"reason": "Served enough"},
                          follow_redirects=True)
    assert str(services.NOT_ABOUT_YOURSELF) in unescaped_page_text(refused)
    assert "I was provoked." not in unescaped_page_text(client.get("/moderation/appeals"))
    client.post(f"/moderation/appeals/{appeal.id}/grant", data={"reason": "Fair point"})
    assert (penalty.lifted_at, appeal.status, mod.is_silenced) == (None, "pending", True)


def test_a_scoped_moderator_reads_a_members_history_only_within_their_categories(app, make_user):
    author, reporter, admin = make_user("author"), make_user("tipster"), make_user("boss", role="admin")
    _, general = reported(author, reporter, "General matter")
    services.warn_member(admin, general, "disrespect", "Warned in General.")
    _, cyber = reported(author, reporter, "Cyber matter", slug="cybercrime")
    services.warn_member(admin, cyber, "threats", "Warned in Cybercrime.")
    scoped = make_user("scoped", role="moderator")
    scope(scoped, "cybercrime")
    page = unescaped_page_text(signed_in(app, scoped).get("/moderation/members/author"))
    assert "Warned in Cybercrime." in page and f"Case {cyber.id}" in page
    assert "Warned in General." not in page and f"Case {general.id}" not in page
    everything = unescaped_page_text(signed_in(app, make_user("mod", role="moderator")).get("/moderation/members/author"))
    assert "Warned in Cybercrime." in everything and "Warned in General." in everything


def test_a_pending_proposal_is_decided_as_a_proposal_not_bypassed(app, make_user):
    author, admin = make_user("author"), make_user("boss", role="admin")
    _, case = reported(author, make_user("tipster"), "Threatening words")
    services.propose_dismissal(make_user("mod", role="moderator"), case, "threats", "Threats.", False)
    client = signed_in(app, admin)
    page = unescaped_page_text(client.get(f"/moderation/cases/{case.id}"))
    assert str(services.PROPOSAL_PENDING) in page and "Dismiss the member from the portal now" not in page
    refused = client.post(f"/moderation/cases/{case.id}/dismiss-member",
                          data={"rule": "threats", "reason": "Quicker"}, follow_redirects=True)
    assert str(services.PROPOSAL_PENDING) in unescaped_page_text(refused)
    assert author.status == "active" and db.session.get(Case, case.id).status == "escalated"
    client.post(f"/moderation/proposals/{case.proposals[0].id}/confirm", data={"reason": "Agreed."})
    assert author.status == "dismissed"
