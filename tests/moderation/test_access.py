"""Who reaches which moderation page, and what the reported member never learns."""
from types import SimpleNamespace

import pytest

from forum import services as forum_services
from forum.extensions import db
from forum.models import CategoryModerator
from moderation import services
from moderation.models import Appeal, Case, CaseNote, DismissalProposal, Notification, Penalty
from moderation.views import ACTIONS
from tests.conftest import category, nav_open_cases, signed_in, start_thread, unescaped_page_text

REASON = {"reason": "Reason given for the record."}
RULE_REASON = {"rule": "disrespect", **REASON}
ROLES = ("member", "moderator", "scoped", "admin")


def everyone(status):
    return {"member": status, "moderator": status, "scoped": status, "admin": status}


def moderators(status, scoped=None):
    """Members refused; moderators get `status`, a moderator of another category `scoped`."""
    return {"member": 403, "moderator": status, "scoped": status if scoped is None else scoped, "admin": status}


ADMINS_ONLY = {"member": 403, "moderator": 403, "scoped": 403, "admin": 200}
CASE_MODERATORS = moderators(302, scoped=403)  # the world's cases are in General, not Cybercrime

# (endpoint, method, path, form data, expected status per role); anonymous visitors are sent to
# the sign-in page unless "anonymous" says otherwise. Paths name ids from the `world` fixture in braces.
ROUTES = [
    ("report_post", "GET", "/p/{open_post}/report", None, everyone(200)),
    ("report_post", "POST", "/p/{open_post}/report", {"rule": "threats"}, everyone(302)),
    ("report_member", "GET", "/u/author/report", None, everyone(200)),
    ("report_member", "POST", "/u/author/report", {"rule": "threats"}, everyone(302)),
    ("my_reports", "GET", "/reports", None, everyone(200)),
    ("queue", "GET", "/moderation/", None, moderators(200)),
    ("case", "GET", "/moderation/cases/{open_case}", None, moderators(200, scoped=403)),
    ("claim", "POST", "/moderation/cases/{open_case}/claim", {}, CASE_MODERATORS),
    ("add_note", "POST", "/moderation/cases/{open_case}/note", {"body": "A note."}, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{open_case}/dismiss", REASON, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{open_case}/remove", RULE_REASON, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{open_case}/warn", RULE_REASON, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{open_case}/silence", {**RULE_REASON, "duration": "3"}, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{open_case}/suspend", {**RULE_REASON, "duration": "1"}, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{open_case}/escalate", REASON, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{open_case}/propose-dismissal", RULE_REASON, CASE_MODERATORS),
    ("act", "POST", "/moderation/cases/{proposed_case}/dismiss-member", RULE_REASON, {**ADMINS_ONLY, "admin": 302}),
    ("decide_proposal", "POST", "/moderation/proposals/{proposal}/confirm", REASON, {**ADMINS_ONLY, "admin": 302}),
    ("decide_proposal", "POST", "/moderation/proposals/{proposal}/reject", REASON, {**ADMINS_ONLY, "admin": 302}),
    ("restore", "POST", "/moderation/posts/{removed_post}/restore", REASON, CASE_MODERATORS),
    ("lift", "POST", "/moderation/penalties/{penalty}/lift", REASON, CASE_MODERATORS),
    ("reinstate", "POST", "/moderation/members/former/reinstate", REASON, {**ADMINS_ONLY, "admin": 302}),
    ("member", "GET", "/moderation/members/author", None, moderators(200)),
    ("my_record", "GET", "/account/moderation", None, everyone(200)),
    ("appeal", "POST", "/account/appeals/{decided_case}", {"text": "Not mine to appeal."}, everyone(403)),
    ("record_with_token", "GET", "/account/record/forged-token", None, {**everyone(404), "anonymous": 404}),
    ("record_with_token", "POST", "/account/record/forged-token", {"case_id": "{decided_case}", "text": "Appeal."},
     {**everyone(404), "anonymous": 404}),
    ("appeals", "GET", "/moderation/appeals", None, moderators(200)),
    ("decide_appeal", "POST", "/moderation/appeals/{appeal}/grant", REASON, CASE_MODERATORS),
    ("decide_appeal", "POST", "/moderation/appeals/{appeal}/uphold", REASON, CASE_MODERATORS),
    ("log", "GET", "/moderation/log", None, moderators(200)),
    ("stats", "GET", "/moderation/stats", None, ADMINS_ONLY),
    ("removal_messages", "GET", "/moderation/removal-messages", None, ADMINS_ONLY),
    ("edit_removal_message", "GET", "/moderation/removal-messages/disrespect/en", None, ADMINS_ONLY),
    ("edit_removal_message", "POST", "/moderation/removal-messages/disrespect/en", {"text": "Removed."},
     {**ADMINS_ONLY, "admin": 302}),
    ("notifications", "GET", "/notifications", None, everyone(200)),
    ("open_notification", "POST", "/notifications/{authors_notification}/open", {}, everyone(404)),
    ("mark_all_read", "POST", "/notifications/read", {}, everyone(302)),
    ("mail_settings", "GET", "/account/notifications", None, everyone(200)),
    ("mail_settings", "POST", "/account/notifications", {"mail-report_reviewed": "y"}, everyone(302)),
    ("deliveries", "GET", "/admin/deliveries", None, ADMINS_ONLY),
    # Authorization comes before the lookup: only an admin learns that delivery 999999 does not exist.
    ("retry_delivery", "POST", "/admin/deliveries/999999/retry", {}, {**ADMINS_ONLY, "admin": 404}),
]


def reported(author, reporter, title, slug="general", comment=""):
    post = start_thread(author, title, f"Body of {title}", slug)
    case = services.report_post(reporter, post, "disrespect", comment)
    return post, db.session.get(Case, case.id)


@pytest.fixture
def world(make_user):
    """An open case with a note, a case with a proposed dismissal, a decided case under appeal."""
    author = make_user("author", display_name="Arthur Author")
    reporter = make_user("tipster", display_name="Vigilant Veronica")
    decider = make_user("decider", role="moderator")
    open_post, open_case = reported(author, reporter, "Open matter", comment="He insulted my class.")
    services.add_note(decider, open_case, "Internal: check his earlier posts.")
    _, proposed_case = reported(author, reporter, "Proposed matter")
    services.propose_dismissal(make_user("proposer", role="moderator"), proposed_case, "threats", "Threats.", False)
    removed_post, decided_case = reported(author, reporter, "Decided matter")
    services.warn_member(decider, decided_case, "disrespect", "Warned and removed.", remove=True)
    services.file_appeal(author, decided_case, "I was misunderstood.")
    make_user("former", status="dismissed")
    return SimpleNamespace(
        author=author, reporter=reporter, open_post=open_post.id, open_case=open_case.id,
        proposed_case=proposed_case.id, removed_post=removed_post.id, decided_case=decided_case.id,
        proposal=db.session.scalar(db.select(DismissalProposal.id)),
        penalty=db.session.scalar(db.select(Penalty.id)), appeal=db.session.scalar(db.select(Appeal.id)),
        authors_notification=db.session.scalar(db.select(Notification.id).where(
            Notification.user_id == author.id)))


def scope(user, slug):
    db.session.add(CategoryModerator(user_id=user.id, category_id=category(slug).id))
    db.session.commit()


@pytest.fixture
def client_as(app, make_user):
    """A client signed in as a new user of the role, through the session cookie: the access table
    signs in some 150 times, and the password check is slow on purpose (tests/forum cover signing in)."""
    def make(role):
        user = make_user(role, role={"member": "member", "admin": "admin"}.get(role, "moderator"))
        if role == "scoped":
            scope(user, "cybercrime")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.session_token, True
        return client
    return make


def test_every_moderation_route_is_in_the_table(app):
    table = {(f"moderation.{endpoint}", method) for endpoint, method, *_ in ROUTES}
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("moderation.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - table == set(), "add the new moderation routes to ROUTES"
    actions = {path.rsplit("/", 1)[1] for endpoint, _, path, *_ in ROUTES if endpoint == "act"}
    assert set(ACTIONS) - actions == set()


def send(client, world, method, path, data):
    """Request the route, filling in the world's ids in the path and the form."""
    ids = vars(world)
    if method == "GET":
        return client.get(path.format(**ids))
    return client.post(path.format(**ids), data={name: value.format(**ids) for name, value in data.items()})


def test_anonymous_visitors_are_sent_to_sign_in_from_every_private_route(client, world):
    for _, method, path, data, expected in ROUTES:
        response = send(client, world, method, path, data)
        if "anonymous" in expected:
            assert response.status_code == expected["anonymous"], (method, path)
        else:
            assert (response.status_code, response.location.split("?")[0]) == (302, "/login"), (method, path)
    assert db.session.scalar(db.select(db.func.count()).select_from(CaseNote)) == 1
    assert db.session.get(Case, world.open_case).status == "open"


def access_cases():
    """GET routes are tried by every role on one world; each POST by one role, as it may change the world."""
    for route in ROUTES:
        method, path = route[1:3]
        for roles in [ROLES] if method == "GET" else [(role,) for role in ROLES]:
            yield pytest.param(roles, *route, id=f"{method}:{path}-{'+'.join(roles)}")


@pytest.mark.parametrize("roles, endpoint, method, path, data, expected", list(access_cases()))
def test_route_access_by_role(world, client_as, roles, endpoint, method, path, data, expected):
    statuses = {role: send(client_as(role), world, method, path, data).status_code for role in roles}
    assert statuses == {role: expected[role] for role in roles}


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
