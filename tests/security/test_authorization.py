"""The authorization matrix: every route of the portal, for everyone it may face (deny by default).

The table is checked against app.url_map: a new route without an entry fails the test.
"""
from types import SimpleNamespace

import pytest

from forum.extensions import db
from forum.models import Post
from moderation import services
from moderation.models import Appeal, Case, CaseNote, DismissalProposal, Penalty
from moderation.views import ACTIONS
from tests.access import LOGIN, REASON, ROLES, RULE_REASON, reported, roles, send, session_as

ADMINS_ONLY = roles(403, admin=200)
ADMINS_ACT = roles(403, admin=302)
CASE_MODERATORS = roles(403, 302, scoped=403)  # the world's cases are in General, not Cybercrime
PUBLIC = {role: 200 for role in ROLES}
NEW_POST = {"title": "A new matter", "kind": "discussion", "body": "Words.", "language": "en"}

# (endpoint, method, path, form data, expected status per role). Paths and forms name the world's ids
# in braces (tests/access.py). Members who have not accepted the Code of Conduct read, but are sent to
# accept it before they write (302, or the form again with the request to accept: 200); silenced
# members read, but neither write nor report (403).
ROUTES = [
    # Signing in, the Code of Conduct, the contact form, the language: open to all.
    ("auth.login", "GET", "/login", None, roles(302, anonymous=200, suspended=200)),
    ("auth.login", "POST", "/login", {"login": "nobody", "password": "wrong"}, roles(302, anonymous=200, suspended=200)),
    ("auth.logout", "POST", "/logout", {}, {role: LOGIN for role in ROLES}),
    ("auth.conduct", "GET", "/conduct", None, PUBLIC),
    ("auth.accept_conduct", "POST", "/conduct/accept", {"version": "1"}, roles(302)),
    ("auth.contact", "GET", "/contact", None, PUBLIC),
    ("auth.contact", "POST", "/contact", {"name": "N", "email": "n@example.org"}, {role: LOGIN for role in ROLES}),
    ("auth.choose_language", "POST", "/language", {"language": "fr"}, {role: 302 for role in ROLES}),
    # An invitation link is its own authority: a forged one is not found, for anyone.
    ("auth.invitation", "GET", "/invitation/forged", None, {role: 404 for role in ROLES}),
    ("auth.invitation", "POST", "/invitation/forged", {"new_password": "x" * 12, "confirm": "x" * 12},
     {role: 404 for role in ROLES}),
    # Password reset by e-mail (IGN not configured here): the form is open to all, a forged link to none.
    ("auth.reset_request", "GET", "/password/reset", None, PUBLIC),
    ("auth.reset_request", "POST", "/password/reset", {"email": "nobody@example.org"}, {role: LOGIN for role in ROLES}),
    ("auth.reset_password", "GET", "/password/reset/forged", None, {role: 404 for role in ROLES}),
    ("auth.reset_password", "POST", "/password/reset/forged", {"new_password": "x" * 12, "confirm": "x" * 12},
     {role: 404 for role in ROLES}),
    # Sign-in with the ILEA Global Network (tests/forum/test_ign.py): not configured here, so not found.
    ("auth.ign_login", "POST", "/login/ign", {}, {role: 404 for role in ROLES}),
    ("auth.ign_callback", "GET", "/login/ign/callback?code=c&state=s", None, {role: 404 for role in ROLES}),
    # Reading and writing the forum.
    ("forum.index", "GET", "/", None, roles(200)),
    ("forum.category", "GET", "/c/general", None, roles(200)),
    ("forum.category", "GET", "/c/announcements", None, roles(200)),
    ("forum.new_thread", "GET", "/c/general/new", None, roles(200, unaccepted=302, silenced=403)),
    ("forum.new_thread", "POST", "/c/general/new", NEW_POST, roles(302, unaccepted=200, silenced=403)),
    ("forum.new_thread", "GET", "/c/announcements/new", None, roles(403, 200)),
    ("forum.new_thread_anywhere", "GET", "/new", None, roles(200, unaccepted=302, silenced=403)),
    ("forum.new_thread_anywhere", "POST", "/new", {**NEW_POST, "category": "general"},
     roles(302, unaccepted=200, silenced=403)),
    ("forum.preview", "POST", "/preview", {"body": "**Words**"}, roles(200)),
    ("forum.save_draft", "POST", "/drafts", {"key": "new", "body": "Words"}, roles(204)),
    ("forum.thread", "GET", "/t/{thread}", None, roles(200)),
    ("forum.thread", "GET", "/t/{thread}-plain-matter", None, roles(200)),
    ("forum.reply", "GET", "/t/{thread}/reply", None, roles(200, unaccepted=302, silenced=403)),
    ("forum.reply", "POST", "/t/{thread}/reply", {"body": "Words.", "language": "en"},
     roles(302, unaccepted=200, silenced=403)),
    ("forum.post", "GET", "/p/{reply}", None, roles(302)),
    ("forum.edit_post", "GET", "/p/{reply}/edit", None, roles(403)),  # authors only: moderators remove
    ("forum.edit_post", "POST", "/p/{reply}/edit", {"body": "Changed.", "language": "en"}, roles(403)),
    ("forum.delete_post", "GET", "/p/{reply}/delete", None, roles(403)),  # the question: authors only too
    ("forum.delete_post", "POST", "/p/{reply}/delete", {}, roles(403)),
    ("forum.first_unread", "GET", "/t/{thread}/unread", None, roles(302)),
    ("forum.mark_all_read", "POST", "/read-all", {}, roles(302)),
    # Useful (not on one's own post; silenced members too: it says nothing) and bookmarks: every member.
    ("forum.useful", "GET", "/p/{reply}/useful", None, roles(200)),
    ("forum.useful", "POST", "/p/{reply}/useful", {}, roles(302)),
    ("forum.bookmark", "POST", "/p/{reply}/bookmark", {}, roles(302)),
    # The most useful answer: best-practice threads only (the world's thread is a discussion).
    ("forum.best_answer", "POST", "/p/{reply}/best", {}, roles(403)),
    ("forum.bookmarks", "GET", "/bookmarks", None, roles(200)),
    ("forum.post_history", "GET", "/p/{reply}/history", None, roles(403, 200, scoped=403)),
    # Watching: every member who may read the thread or category, silenced or not.
    ("forum.watch_thread", "POST", "/t/{thread}/watch", {"mode": "watching"}, roles(302)),
    ("forum.watch_category", "POST", "/c/general/watch", {"mode": "muted"}, roles(302)),
    ("forum.moderate_thread", "POST", "/t/{thread}/pin", {}, roles(403, 302, scoped=403)),
    ("forum.moderate_thread", "POST", "/t/{thread}/unpin", {}, roles(403, 302, scoped=403)),
    ("forum.moderate_thread", "POST", "/t/{thread}/lock", {}, roles(403, 302, scoped=403)),
    ("forum.moderate_thread", "POST", "/t/{thread}/unlock", {}, roles(403, 302, scoped=403)),
    ("forum.search", "GET", "/search?q=matter&kind=discussion&hidden=1", None, roles(200)),
    # Direct messages: the world's conversation is between two members none of these roles is; to
    # everyone else, moderators and admins included, it does not exist (moderators read a reported
    # message on its case page only). A silenced member reads but does not write.
    ("messages.inbox", "GET", "/messages", None, roles(200)),
    ("messages.new", "GET", "/messages/new?to=author", None, roles(200, unaccepted=302, silenced=403)),
    ("messages.new", "POST", "/messages/new", {"to": "author", "subject": "Hello", "body": "Words."},
     roles(302, silenced=403)),
    ("messages.conversation", "GET", "/messages/{conversation}", None, roles(404)),
    ("messages.conversation", "POST", "/messages/{conversation}", {"body": "Words."}, roles(404)),
    ("messages.leave", "GET", "/messages/{conversation}/leave", None, roles(404)),
    ("messages.leave", "POST", "/messages/{conversation}/leave", {}, roles(404)),
    ("messages.blocked", "GET", "/messages/blocked", None, roles(200)),
    ("messages.block", "POST", "/u/author/block", {}, roles(302)),
    ("messages.block", "POST", "/u/decider/block", {}, roles(403)),  # moderators can always reach a member
    ("moderation.report_message", "GET", "/messages/m/{message}/report", None, roles(404)),
    ("moderation.report_message", "POST", "/messages/m/{message}/report", RULE_REASON, roles(404)),
    # Profiles.
    ("profiles.profile", "GET", "/u/author", None, roles(200)),
    ("profiles.profile", "GET", "/u/nobody", None, roles(404)),
    ("profiles.profile", "GET", "/u/author?show=posts&page=2", None, roles(200)),
    ("profiles.profile", "GET", "/u/former", None, roles(200)),  # dismissed: "no longer a member"
    ("profiles.complete", "GET", "/members/complete?q=aut", None, roles(200)),
    ("profiles.directory", "GET", "/directory", None, roles(200)),
    ("profiles.directory", "GET", "/directory?q=art&academy=bangkok&year=2019&country=Thailand&agency=police&page=2",
     None, roles(200)),
    ("profiles.edit_profile", "GET", "/account/profile", None, roles(200)),
    ("profiles.my_data", "GET", "/account/data", None, roles(200)),
    ("profiles.export_data", "GET", "/account/data.json", None, roles(200)),
    ("profiles.delete_account", "POST", "/account/delete", {}, roles(200)),  # unconfirmed: the form again
    ("profiles.edit_profile", "POST", "/account/profile", {"display_name": "New Name", "preferred_language": "en",
                                                           "timezone": "UTC"}, roles(302)),
    ("profiles.change_password", "GET", "/account/password", None, roles(200)),
    ("profiles.change_password", "POST", "/account/password", {"current_password": "wrong"}, roles(200)),
    # Administration.
    ("admin.dashboard", "GET", "/admin/", None, ADMINS_ONLY),
    ("admin.categories", "GET", "/admin/categories", None, ADMINS_ONLY),
    ("admin.edit_category", "GET", "/admin/categories/new", None, ADMINS_ONLY),
    ("admin.edit_category", "POST", "/admin/categories/new", {"name": "New board", "slug": "new-board",
                                                              "group": "general"}, ADMINS_ACT),
    ("admin.edit_category", "GET", "/admin/categories/{category}/edit", None, ADMINS_ONLY),
    ("admin.edit_category", "POST", "/admin/categories/{category}/edit", {"name": "General", "slug": "general",
                                                                          "group": "general"}, ADMINS_ACT),
    ("admin.move_category", "POST", "/admin/categories/{category}/up", {}, ADMINS_ACT),
    ("admin.move_category", "POST", "/admin/categories/{category}/down", {}, ADMINS_ACT),
    ("admin.archive_category", "POST", "/admin/categories/{category}/archive", {}, ADMINS_ACT),
    ("admin.archive_category", "POST", "/admin/categories/{category}/restore", {}, ADMINS_ACT),
    ("admin.account_requests", "GET", "/admin/requests", None, ADMINS_ONLY),
    ("admin.approve_request", "POST", "/admin/requests/999999/approve", {}, roles(403, admin=404)),
    ("admin.reject_request", "POST", "/admin/requests/999999/reject", {"reason": "No."}, roles(403, admin=404)),
    ("admin.invite", "GET", "/admin/invitations", None, ADMINS_ONLY),
    ("admin.invite", "POST", "/admin/invitations", {"member": "nobody"}, ADMINS_ONLY),  # the form, with the error
    ("admin.roster", "GET", "/admin/roster", None, ADMINS_ONLY),
    ("admin.roster", "POST", "/admin/roster", {}, ADMINS_ONLY),  # no file: the form again, with the error
    # Authorization comes before the lookup: only an admin learns that a report does not exist.
    ("admin.roster_report", "GET", "/admin/roster/reports/abcdefghijklmnopqrstuvwx.csv", None,
     roles(403, admin=404)),
    ("admin.conduct", "GET", "/admin/conduct", None, ADMINS_ONLY),
    ("admin.conduct", "POST", "/admin/conduct", {"title": ""}, roles(403, admin=200)),
    ("admin.members_list", "GET", "/admin/members", None, ADMINS_ONLY),
    ("admin.members_list", "GET", "/admin/members?academy=gaborone&role=member&status=active", None, ADMINS_ONLY),
    ("admin.members_csv", "GET", "/admin/members.csv", None, ADMINS_ONLY),
    ("admin.members_bulk", "POST", "/admin/members/bulk", {"action": "sign_out", "role": "member"},
     ADMINS_ONLY),  # the count to confirm
    ("admin.member", "GET", "/admin/members/{author.id}", None, ADMINS_ONLY),
    ("admin.member", "GET", "/admin/members/999999", None, roles(403, admin=404)),
    ("admin.change_role", "POST", "/admin/members/{author.id}/role", {"role": "member"}, ADMINS_ACT),
    ("admin.sign_out_member", "POST", "/admin/members/{author.id}/sign-out", {}, ADMINS_ACT),
    ("admin.invite_member", "POST", "/admin/members/{author.id}/invite", {}, ADMINS_ACT),
    # The resource library: members read, admins publish, edit and delete (authorization before the lookup).
    ("resources.browse", "GET", "/resources", None, roles(200)),
    ("resources.browse", "GET", "/resources?subject={category}&lang=es&q=guide&page=2", None, roles(200)),
    ("resources.resource", "GET", "/resources/{resource}", None, roles(200)),
    ("resources.resource", "GET", "/resources/999999", None, roles(404)),
    ("resources.download", "GET", "/resources/{resource}/download", None, roles(200)),
    ("resources.download", "GET", "/resources/999999/download", None, roles(404)),
    ("resources.admin_list", "GET", "/admin/resources", None, ADMINS_ONLY),
    ("resources.new_resource", "GET", "/admin/resources/new", None, ADMINS_ONLY),
    ("resources.new_resource", "POST", "/admin/resources/new", {"title": ""}, ADMINS_ONLY),  # the form, with errors
    ("resources.edit_resource", "GET", "/admin/resources/{resource}/edit", None, ADMINS_ONLY),
    ("resources.edit_resource", "GET", "/admin/resources/999999/edit", None, roles(403, admin=404)),
    ("resources.edit_resource", "POST", "/admin/resources/{resource}/edit", {"title": ""}, ADMINS_ONLY),
    ("resources.edit_resource", "POST", "/admin/resources/999999/edit", {"title": "T"}, roles(403, admin=404)),
    ("resources.delete_resource", "POST", "/admin/resources/{resource}/delete", {}, ADMINS_ACT),
    ("resources.delete_resource", "POST", "/admin/resources/999999/delete", {}, roles(403, admin=404)),
    # Reports and moderation.
    ("moderation.report_post", "GET", "/p/{open_post}/report", None, roles(200, unaccepted=302, silenced=403)),
    ("moderation.report_post", "POST", "/p/{open_post}/report", {"rule": "threats"}, roles(302, silenced=403)),
    ("moderation.report_member", "GET", "/u/author/report", None, roles(200, unaccepted=302, silenced=403)),
    ("moderation.report_member", "POST", "/u/author/report", {"rule": "threats"}, roles(302, silenced=403)),
    ("moderation.my_reports", "GET", "/reports", None, roles(200)),
    ("moderation.queue", "GET", "/moderation/", None, roles(403, 200)),
    ("moderation.case", "GET", "/moderation/cases/{open_case}", None, roles(403, 200, scoped=403)),
    ("moderation.claim", "POST", "/moderation/cases/{open_case}/claim", {}, CASE_MODERATORS),
    ("moderation.add_note", "POST", "/moderation/cases/{open_case}/note", {"body": "A note."}, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{open_case}/dismiss", REASON, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{open_case}/remove", RULE_REASON, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{open_case}/warn", RULE_REASON, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{open_case}/silence", {**RULE_REASON, "duration": "3"}, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{open_case}/suspend", {**RULE_REASON, "duration": "1"}, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{open_case}/escalate", REASON, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{open_case}/propose-dismissal", RULE_REASON, CASE_MODERATORS),
    ("moderation.act", "POST", "/moderation/cases/{proposed_case}/dismiss-member", RULE_REASON, ADMINS_ACT),
    ("moderation.decide_proposal", "POST", "/moderation/proposals/{proposal}/confirm", REASON, ADMINS_ACT),
    ("moderation.decide_proposal", "POST", "/moderation/proposals/{proposal}/reject", REASON, ADMINS_ACT),
    ("moderation.restore", "POST", "/moderation/posts/{removed_post}/restore", REASON, CASE_MODERATORS),
    ("moderation.lift", "POST", "/moderation/penalties/{penalty}/lift", REASON, CASE_MODERATORS),
    ("moderation.reinstate", "POST", "/moderation/members/former/reinstate", REASON, ADMINS_ACT),
    ("moderation.member", "GET", "/moderation/members/author", None, roles(403, 200)),
    ("moderation.my_record", "GET", "/account/moderation", None, roles(200)),
    ("moderation.appeal", "POST", "/account/appeals/{decided_case}", {"text": "Not mine to appeal."}, roles(403)),
    # The signed link for members who cannot sign in: a forged token is not found, for anyone.
    ("moderation.record_with_token", "GET", "/account/record/forged-token", None, {role: 404 for role in ROLES}),
    ("moderation.record_with_token", "POST", "/account/record/forged-token",
     {"case_id": "{decided_case}", "text": "Appeal."}, {role: 404 for role in ROLES}),
    ("moderation.appeals", "GET", "/moderation/appeals", None, roles(403, 200)),
    ("moderation.decide_appeal", "POST", "/moderation/appeals/{appeal}/grant", REASON, CASE_MODERATORS),
    ("moderation.decide_appeal", "POST", "/moderation/appeals/{appeal}/uphold", REASON, CASE_MODERATORS),
    ("moderation.log", "GET", "/moderation/log", None, roles(403, 200)),
    ("moderation.stats", "GET", "/moderation/stats", None, ADMINS_ONLY),
    ("moderation.removal_messages", "GET", "/moderation/removal-messages", None, ADMINS_ONLY),
    ("moderation.edit_removal_message", "GET", "/moderation/removal-messages/disrespect/en", None, ADMINS_ONLY),
    ("moderation.edit_removal_message", "POST", "/moderation/removal-messages/disrespect/en", {"text": "Removed."},
     ADMINS_ACT),
    ("notifications.index", "GET", "/notifications", None, roles(200)),
    ("notifications.open_notification", "POST", "/notifications/{authors_notification}/open", {}, roles(404)),
    ("notifications.mark_all_read", "POST", "/notifications/read", {}, roles(302)),
    # Muting or unwatching from a notification: only one's own (the world's is the author's).
    ("forum.notification_watching", "GET", "/notifications/{authors_notification}/watching", None, roles(404)),
    ("forum.notification_watching", "POST", "/notifications/{authors_notification}/watching",
     {"action": "mute"}, roles(404)),
    ("notifications.mail_settings", "GET", "/account/notifications", None, roles(200)),
    ("notifications.mail_settings", "POST", "/account/notifications", {"mail-report_reviewed": "y"}, roles(302)),
    ("notifications.deliveries", "GET", "/admin/deliveries", None, ADMINS_ONLY),
    # Authorization comes before the lookup: only an admin learns that delivery 999999 does not exist.
    ("notifications.retry_delivery", "POST", "/admin/deliveries/999999/retry", {}, roles(403, admin=404)),
]


def test_every_route_is_in_the_table(app):
    table = {(endpoint, method) for endpoint, method, *_ in ROUTES}
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - table == set(), "add the new routes to ROUTES, with who may use them"
    actions = {path.rsplit("/", 1)[1] for endpoint, _, path, *_ in ROUTES if endpoint == "moderation.act"}
    assert set(ACTIONS) - actions == set()


def access_cases():
    """GET routes are tried by every role on one world; each POST by one role, as it may change the world."""
    for route in ROUTES:
        method, path = route[1:3]
        for group in [ROLES] if method == "GET" else [(role,) for role in ROLES]:
            yield pytest.param(group, *route, id=f"{method}:{path}-{'+'.join(group)}")


def outcome(response):
    if response.status_code == 302 and response.location.split("?")[0] == "/login":
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("group, endpoint, method, path, data, expected", list(access_cases()))
def test_route_access_by_role(world, client_as, group, endpoint, method, path, data, expected):
    statuses = {role: outcome(send(client_as(role), world, method, path, data)) for role in group}
    assert statuses == {role: expected[role] for role in group}


def test_refused_writes_change_nothing(world, client_as):
    """Signed-out visitors and members are refused the moderators' writes, and nothing is written."""
    for role in ("anonymous", "suspended", "member", "silenced"):
        client = client_as(role)
        for endpoint, method, path, data, expected in ROUTES:
            if endpoint.startswith("moderation.") and method == "POST" and expected[role] in (403, LOGIN):
                send(client, world, method, path, data)
    assert db.session.scalar(db.select(db.func.count()).select_from(CaseNote)) == 1
    assert db.session.get(Case, world.open_case).status == "open"


def test_members_cannot_set_fields_they_do_not_own_by_adding_them_to_a_form(world, client_as):
    from forum.models import Post, Thread, User
    client = client_as("member")
    form = {"display_name": "Me", "preferred_language": "en", "timezone": "UTC", "role": "admin",
            "status": "active", "username": "author", "email": "author@example.org", "session_token": "x"}
    assert client.post("/account/profile", data=form).status_code == 302
    me = db.session.scalar(db.select(User).where(User.username == "member"))
    assert (me.role, me.email, me.display_name) == ("member", "member@example.org", "Me")
    client.post("/c/general/new", data={**NEW_POST, "author_id": str(world.author.id), "pinned": "y",
                                        "category_id": "1", "hidden": "n"})
    thread = db.session.scalar(db.select(Thread).where(Thread.title == "A new matter"))
    assert (thread.author_id, thread.pinned) == (me.id, False)
    client.post(f"/t/{world.thread}/reply", data={"body": "Mine.", "language": "en", "author_id": str(world.author.id),
                                                  "moderation_state": ""})
    assert db.session.scalar(db.select(Post.author_id).where(Post.body_source == "Mine.")) == me.id


# Authority (forum/permissions.py has_authority_over): nobody judges themselves or a rank above their own.
# One row per moderation action on a matter concerning `target`, taken by `actor`: CLOSED is a 403 (a case
# about oneself is not shown to one: its reporters are named there), WHY a refusal that says why and changes
# nothing, DONE an action that took effect, 403 an action that is not the actor's role at all.
CLOSED, WHY, DONE = 403, "refused, saying why", "done"
ACTORS = (("moderator", "self"), ("admin", "self"), ("moderator", "moderator"), ("moderator", "admin"),
          ("admin", "moderator"), ("admin", "admin"))
AUTHORITY = [
    # action, path, form          mod→self admin→self mod→mod mod→admin admin→mod admin→admin
    ("dismiss", "/moderation/cases/{open_case}/dismiss", REASON, CLOSED, CLOSED, WHY, WHY, DONE, DONE),
    ("remove", "/moderation/cases/{open_case}/remove", RULE_REASON, CLOSED, CLOSED, WHY, WHY, DONE, DONE),
    ("warn", "/moderation/cases/{open_case}/warn", RULE_REASON, CLOSED, CLOSED, WHY, WHY, DONE, DONE),
    ("silence", "/moderation/cases/{open_case}/silence", {**RULE_REASON, "duration": "3"},
     CLOSED, CLOSED, WHY, WHY, DONE, DONE),
    ("suspend", "/moderation/cases/{open_case}/suspend", {**RULE_REASON, "duration": "1"},
     CLOSED, CLOSED, WHY, WHY, DONE, DONE),
    # Escalating hands the case to those who may decide it: open to peers, not to the member concerned.
    ("escalate", "/moderation/cases/{open_case}/escalate", REASON, CLOSED, CLOSED, DONE, DONE, DONE, DONE),
    ("propose-dismissal", "/moderation/cases/{open_case}/propose-dismissal", RULE_REASON,
     CLOSED, CLOSED, WHY, WHY, DONE, DONE),
    ("dismiss-member", "/moderation/cases/{escalated_case}/dismiss-member", RULE_REASON,
     CLOSED, CLOSED, 403, 403, DONE, DONE),
    ("confirm", "/moderation/proposals/{proposal}/confirm", REASON, 403, WHY, 403, 403, DONE, DONE),
    ("reject", "/moderation/proposals/{proposal}/reject", REASON, 403, WHY, 403, 403, DONE, DONE),
    ("lift", "/moderation/penalties/{penalty}/lift", REASON, WHY, WHY, WHY, WHY, DONE, DONE),
    ("grant", "/moderation/appeals/{appeal}/grant", REASON, WHY, WHY, WHY, WHY, DONE, DONE),
    ("uphold", "/moderation/appeals/{appeal}/uphold", REASON, WHY, WHY, WHY, WHY, DONE, DONE),
    ("restore", "/moderation/posts/{removed_post}/restore", REASON, WHY, WHY, WHY, WHY, DONE, DONE),
]
REASONS = {"self": str(services.NOT_ABOUT_YOURSELF), "moderator": str(services.ABOUT_A_MODERATOR),
           "admin": str(services.ABOUT_A_MODERATOR)}


def authority_cases():
    for action, path, data, *expected in AUTHORITY:
        for (actor, target), outcome in zip(ACTORS, expected):
            yield pytest.param(actor, target, path, data, outcome, id=f"{action}-{actor}-on-{target}")


def matters(make_user, actor_role, target_role):
    """Matters concerning the target, each a step along: an open case, an escalated one, one with a
    dismissal proposed, a decided one (warned, post removed) under appeal. Another admin did the steps."""
    boss = make_user("boss", role="admin")
    actor = make_user("actor", role=actor_role)
    target = actor if target_role == "self" else make_user("target", role=target_role)
    reporter = make_user("tipster")
    _, open_case = reported(target, reporter, "Open matter")
    _, escalated_case = reported(target, reporter, "Escalated matter")
    services.escalate_case(boss, escalated_case, "For the admins.")
    _, proposed_case = reported(target, reporter, "Proposed matter")
    services.propose_dismissal(boss, proposed_case, "threats", "Threats.", False)
    removed_post, decided_case = reported(target, reporter, "Decided matter")
    services.warn_member(boss, decided_case, "disrespect", "Warned and removed.", remove=True)
    services.file_appeal(target, decided_case, "I was misunderstood.")
    return actor, target, SimpleNamespace(
        open_case=open_case.id, escalated_case=escalated_case.id, removed_post=removed_post.id,
        proposal=db.session.scalar(db.select(DismissalProposal.id)), penalty=db.session.scalar(db.select(Penalty.id)),
        appeal=db.session.scalar(db.select(Appeal.id)))


def record_of(target):
    """Everything a moderation action could change about the target's matters."""
    db.session.expire_all()
    return (db.session.execute(db.select(Case.id, Case.status, Case.outcome).order_by(Case.id)).all(),
            db.session.execute(db.select(Penalty.id, Penalty.lifted_at)).all(),
            db.session.scalars(db.select(DismissalProposal.status)).all(),
            db.session.scalars(db.select(Appeal.status)).all(),
            db.session.scalars(db.select(Post.moderation_state).order_by(Post.id)).all(),
            (target.status, target.silenced_until, target.suspended_until))


@pytest.mark.parametrize("actor_role, target_role, path, data, expected", list(authority_cases()))
def test_authority_over_the_member_concerned(app, make_user, actor_role, target_role, path, data, expected):
    actor, target, ids = matters(make_user, actor_role, target_role)
    before = record_of(target)
    client = session_as(app.test_client(), actor)
    response = send(client, ids, "POST", path, data)
    after = record_of(target)
    if expected == DONE:
        assert response.status_code == 302 and after != before
        return
    assert after == before, "a refused action changed the record"
    if expected == WHY:
        with client.session_transaction() as session:
            flashed = [message for _, message in session.get("_flashes", [])]
        assert response.status_code == 302 and flashed == [REASONS[target_role]]
    else:
        assert response.status_code == expected
