"""The record: the append-only audit log and its filters, a member's moderation history, the
statistics page, and the in-app notifications inbox."""
import html
import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from forum.audit import ModerationAction
from forum.extensions import db
from forum.models import utcnow
from forum.notifications.models import Notification
from moderation import services
from moderation.models import Appeal, Case, DismissalProposal, Penalty
from tests.conftest import page_text, signed_in, start_thread, user_named

REASON = "Insulted a colleague"

def plain(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(fragment):
    """Each table row of the fragment as the list of its cells' text."""
    return [[plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S)]


def log_rows(client, **filters):
    """The audit log table as {column: text} rows."""
    page = page_text(client.get("/moderation/log", query_string=filters))
    columns = ("when", "who", "action", "member", "rule", "reason", "case")
    return [dict(zip(columns, row)) for row in table_rows(page)[1:]]


def open_case(author, reporter, rule="disrespect", title="Field notes"):
    return services.report_post(reporter, start_thread(author, title), rule, "")


# --- the audit log ---------------------------------------------------------------------------

def on_case(action, **fields):
    """A decision posted from the case page by the moderator."""
    def perform(s):
        s.mod.post(f"/moderation/cases/{s.case.id}/{action}", data={"reason": REASON, **fields})
        return "Mod"
    return perform


def escalated_then_direct(s):
    services.escalate_case(user_named("mod"), s.case, "Serious")
    s.admin.post(f"/moderation/cases/{s.case.id}/dismiss-member", data={"rule": "threats", "reason": REASON})
    return "Boss"


def proposal_decided(decision):
    def perform(s):
        services.propose_dismissal(user_named("mod"), s.case, "threats", "The grounds", hide_content=False)
        proposal = db.session.scalar(db.select(DismissalProposal))
        s.admin.post(f"/moderation/proposals/{proposal.id}/{decision}", data={"reason": REASON})
        return "Boss"
    return perform


def restored(s):
    services.remove_content(user_named("mod"), s.case, "disrespect", "removed")
    s.mod.post(f"/moderation/posts/{s.case.post_id}/restore", data={"reason": REASON})
    return "Mod"


def lifted(s):
    services.suspend_member(user_named("mod"), s.case, "disrespect", "suspended", services.suspension_end(days=3))
    s.mod.post(f"/moderation/penalties/{db.session.scalar(db.select(Penalty.id))}/lift", data={"reason": REASON})
    return "Mod"


def reinstated(s):
    services.escalate_case(user_named("mod"), s.case, "Serious")
    services.dismiss_member_directly(user_named("boss"), s.case, "threats", "dismissed", hide_content=False)
    s.admin.post(f"/moderation/members/{s.author.username}/reinstate", data={"reason": REASON})
    return "Boss"


def appealed(s):
    services.warn_member(user_named("boss"), s.case, "disrespect", "warned")
    signed_in(s.app, s.author).post(f"/account/appeals/{s.case.id}", data={"text": REASON})
    return "Arthur Author"


def appeal_granted(s):
    services.warn_member(user_named("boss"), s.case, "disrespect", "warned")
    services.file_appeal(s.author, s.case, "Please")
    s.mod.post(f"/moderation/appeals/{db.session.scalar(db.select(Appeal.id))}/grant", data={"reason": REASON})
    return "Mod"


# (log action code, its label, how it is done, the rule shown, whether the row links the case)
LOGGED = [
    ("dismiss_case", "Dismissed the case", on_case("dismiss"), "", True),
    ("remove_content", "Removed the post", on_case("remove", rule="disrespect"), "Disrespect", True),
    ("warning", "Warned the member", on_case("warn", rule="disrespect"), "Disrespect", True),
    ("silence", "Silenced the member", on_case("silence", rule="disrespect", duration="3"), "Disrespect", True),
    ("suspension", "Suspended the member", on_case("suspend", rule="disrespect", duration="7"), "Disrespect", True),
    ("escalate", "Escalated to the administrators", on_case("escalate"), "", True),
    ("propose_dismissal", "Proposed dismissal from the portal", on_case("propose-dismissal", rule="threats"),
     "Threats and incitement to violence", True),
    pytest.param("confirm_dismissal", "Confirmed the dismissal", proposal_decided("confirm"),
                 "Threats and incitement to violence", True),
    ("reject_dismissal", "Rejected the proposed dismissal", proposal_decided("reject"), "", True),
    ("dismiss_member_direct", "Dismissed the member directly", escalated_then_direct,
     "Threats and incitement to violence", True),
    ("restore_content", "Restored the post", restored, "", False),
    pytest.param("lift_suspension", "Lifted a suspension", lifted, "Disrespect", False),
    ("reinstate", "Reinstated the member", reinstated, "", False),
    ("appeal", "Appealed the decision", appealed, "", True),
    ("grant_appeal", "Granted the appeal", appeal_granted, "", True),
]


@pytest.fixture
def scene(app, moderator_client, admin_client, make_user):
    author = make_user("author", display_name="Arthur Author")
    return SimpleNamespace(app=app, mod=moderator_client, admin=admin_client, author=author,
                           case=open_case(author, make_user("reporter")))


@pytest.mark.parametrize("code, label, perform, rule, with_case", LOGGED)
def test_every_action_leaves_a_row_on_the_audit_log(scene, code, label, perform, rule, with_case):
    actor = perform(scene)
    rows = log_rows(scene.admin, action=code)
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["who"], row["action"], row["member"], row["rule"], row["reason"]) == (
        actor, label, "Arthur Author", rule, REASON)
    assert row["case"] == (str(scene.case.id) if with_case else "")
    assert re.search(r"\d", row["when"])
    recorded = db.session.scalar(db.select(ModerationAction.created_at).where(ModerationAction.action == code))
    assert utcnow() - recorded < timedelta(minutes=1)


def test_the_log_filters_by_action_moderator_member_and_rule(moderator_client, make_user):
    mod, mod2 = user_named("mod"), make_user("mod2", role="moderator", display_name="Second Mod")
    alice, bob = make_user("alice"), make_user("bob")
    reporter = make_user("reporter")
    cases = [open_case(member, reporter, title=f"Post {n}") for n, member in enumerate((alice, bob, alice, bob))]
    services.warn_member(mod, cases[0], "disrespect", "w")
    services.remove_content(mod2, cases[1], "threats", "r")
    services.dismiss_case(mod2, cases[2], "d")
    services.suspend_member(mod, cases[3], "disrespect", "s", services.suspension_end(days=1))

    def shown(**filters):
        return sorted((row["who"], row["action"], row["member"]) for row in log_rows(moderator_client, **filters))

    assert shown(action="warning") == [("Mod", "Warned the member", "Alice")]
    assert shown(actor="mod2") == [("Second Mod", "Dismissed the case", "Alice"),
                                   ("Second Mod", "Removed the post", "Bob")]
    assert shown(member="Bob") == [("Mod", "Suspended the member", "Bob"), ("Second Mod", "Removed the post", "Bob")]
    assert shown(rule="disrespect") == [("Mod", "Suspended the member", "Bob"), ("Mod", "Warned the member", "Alice")]
    assert shown(actor="mod", member="bob", rule="disrespect") == [("Mod", "Suspended the member", "Bob")]
    assert len(shown()) == 4


def test_nothing_in_the_log_can_be_edited_or_deleted_through_the_app(app, admin_client, make_user):
    case = open_case(make_user("author"), make_user("reporter"))
    services.dismiss_case(user_named("boss"), case, "No violation")
    row = db.session.scalar(db.select(ModerationAction))
    log_routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/moderation/log")]
    assert log_routes and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in log_routes)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin_client, method)("/moderation/log", data={"reason": "edited"}).status_code == 405
        assert getattr(admin_client, method)(f"/moderation/log/{row.id}", data={}).status_code == 404
    assert [(r.action, r.reason) for r in db.session.scalars(db.select(ModerationAction))] == [
        ("dismiss_case", "No violation")]


def test_a_members_history_lists_their_penalties_and_cases(moderator_client, make_user):
    mod, author, reporter = user_named("mod"), make_user("author"), make_user("reporter")
    warned, suspended, dismissed, pending = (open_case(author, reporter, title=f"Post {n}") for n in range(4))
    services.warn_member(mod, warned, "disrespect", "First warning given")
    services.dismiss_case(mod, dismissed, "Fine")
    services.suspend_member(mod, suspended, "threats", "Second offence", services.suspension_end(days=7))
    page = page_text(moderator_client.get("/moderation/members/author"))
    assert "Suspended until" in page
    penalties = [(kind, rule, reason, by) for _, kind, rule, reason, _, by, *_ in table_rows(page)[1:]]
    assert penalties == [("Suspension", "Threats and incitement to violence", "Second offence", "Mod"),
                         ("Warning", "Disrespect", "First warning given", "Mod")]  # newest first
    cases = [plain(item) for item in re.findall(r"<li>(.*?)</li>", page.split(">Cases</h2>")[1], re.S)]
    for case, outcome in ((warned, "Member warned"), (suspended, "Member suspended"), (dismissed, "No violation"),
                          (pending, "undecided")):
        assert any(item.startswith(f"Case {case.id} ") and item.endswith(outcome) for item in cases), cases


# --- statistics ------------------------------------------------------------------------------

def test_statistics_count_cases_per_rule_academy_and_outcome_with_median_hours_by_month(admin_client, make_user):
    mod = user_named("boss")
    bud, bkk, gab = (make_user(name, academy=academy) for name, academy in
                     (("bud", "budapest"), ("bkk", "bangkok"), ("gab", "gaborone")))
    r1, r2 = make_user("r1"), make_user("r2")
    posts = {key: start_thread(member, title=key) for key, member in
             (("A", bud), ("B", bud), ("C", bkk), ("D", bkk), ("E", gab), ("F", gab))}  # before any penalty
    cases = {key: services.report_post(r1, posts[key], rule, "") for key, rule in
             (("A", "disrespect"), ("B", "threats"), ("C", "disrespect"), ("D", "disrespect"), ("E", "it-misuse"),
              ("F", "honor-code"))}
    services.report_post(r2, posts["D"], "threats", "")
    services.dismiss_case(mod, cases["A"], "x")
    services.remove_content(mod, cases["B"], "threats", "x")
    services.warn_member(mod, cases["C"], "disrespect", "x")
    services.suspend_member(mod, cases["D"], "disrespect", "x", services.suspension_end(days=1))
    services.silence_member(mod, cases["E"], "it-misuse", "x", services.suspension_end(days=1))
    for key, first, hours in (("A", "2025-03-03 10:00", 2), ("B", "2025-03-10 10:00", 4), ("C", "2025-03-20 08:00", 9),
                              ("D", "2025-04-01 10:00", 1), ("E", "2025-04-02 10:00", 3)):
        start = datetime.fromisoformat(first)
        db.session.execute(db.update(Case).where(Case.id == cases[key].id)
                           .values(first_reported_at=start, resolved_at=start + timedelta(hours=hours)))
    db.session.commit()

    rows = table_rows(page_text(admin_client.get("/moderation/stats")))
    figures = {row[0]: int(row[1]) for row in rows if len(row) == 2}
    assert {name: figures[name] for name in (
        "Disrespect", "Threats and incitement to violence", "Misuse of IT resources", "Honor Code violations",
        "Intellectual property", "Discredit to the ILEA")} == {
        "Disrespect": 3, "Threats and incitement to violence": 2, "Misuse of IT resources": 1,
        "Honor Code violations": 1, "Intellectual property": 0, "Discredit to the ILEA": 0}
    assert {name: figures[name] for name in (
        "ILEA Budapest", "ILEA Bangkok", "ILEA Gaborone", "ILEA San Salvador", "Not set")} == {
        "ILEA Budapest": 2, "ILEA Bangkok": 2, "ILEA Gaborone": 2, "ILEA San Salvador": 0, "Not set": 0}
    assert {name: figures[name] for name in (
        "No violation", "Content removed", "Member warned", "Member silenced", "Member suspended",
        "Member dismissed from the portal")} == {
        "No violation": 1, "Content removed": 1, "Member warned": 1, "Member silenced": 1, "Member suspended": 1,
        "Member dismissed from the portal": 0}
    months = [row for row in rows if len(row) == 3 and re.fullmatch(r"\d{4}-\d{2}", row[0])]
    assert months == [["2025-04", "2", "2.0"], ["2025-03", "3", "4.0"]]


# --- notifications ---------------------------------------------------------------------------

def unread_badge(page):
    """The unread count shown on the navigation's Notifications link (0 when there is none)."""
    link = re.search(r'href="/notifications">Notifications(.*?)</a>', page, re.S).group(1)
    found = re.search(r"\d+", re.sub(r"<[^>]+>", " ", link))
    return int(found.group()) if found else 0


@pytest.fixture
def reporter_with_two_notices(app, make_user):
    """A reporter told about two reviewed reports: first no action, then action taken."""
    mod, author, reporter = make_user("mod", role="moderator"), make_user("author"), make_user("reporter")
    first, second = (open_case(author, reporter, title=f"Post {n}") for n in range(2))
    services.dismiss_case(mod, first, "Fine")
    services.remove_content(mod, second, "disrespect", "Rude")
    return reporter, signed_in(app, reporter)


def test_inbox_lists_notifications_newest_first_with_the_unread_count_in_the_navigation(reporter_with_two_notices):
    _, client = reporter_with_two_notices
    page = page_text(client.get("/notifications"))
    assert page.index("Your report was reviewed: action was taken.") \
        < page.index("Your report was reviewed: no action was needed.")
    assert unread_badge(page) == 2
    assert unread_badge(page_text(client.get("/"))) == 2


def test_opening_a_notification_marks_it_read_and_leads_to_its_subject(reporter_with_two_notices):
    reporter, client = reporter_with_two_notices
    newest = db.session.scalar(db.select(Notification).where(Notification.user_id == reporter.id)
                               .order_by(Notification.id.desc()))
    url = f"/notifications/{newest.id}/open"
    assert client.get(url).status_code == 405
    assert newest.read_at is None
    response = client.post(url, data={})
    assert (response.status_code, response.location) == (302, "/reports")
    assert newest.read_at is not None
    assert unread_badge(page_text(client.get("/notifications"))) == 1


@pytest.mark.parametrize("recipient, target", [
    ("author", "/account/moderation"),  # content removed
    ("mod", "/moderation/cases/{case}"),  # new case
])
def test_each_notification_leads_to_its_own_page(app, reporter_with_two_notices, recipient, target):
    member = user_named(recipient)
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == member.id)
                               .order_by(Notification.id.desc()))
    response = signed_in(app, member).post(f"/notifications/{notice.id}/open", data={})
    assert response.location == target.format(case=notice.case_id)


def test_mark_all_read(reporter_with_two_notices):
    reporter, client = reporter_with_two_notices
    response = client.post("/notifications/read", data={})
    assert (response.status_code, response.location) == (302, "/notifications")
    assert db.session.scalars(db.select(Notification.read_at).where(Notification.user_id == reporter.id)).all() \
        and all(db.session.scalars(db.select(Notification.read_at).where(Notification.user_id == reporter.id)))
    assert unread_badge(page_text(client.get("/notifications"))) == 0


def test_another_members_notification_is_not_found(app, reporter_with_two_notices, make_user):
    reporter, _ = reporter_with_two_notices
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == reporter.id))
    assert signed_in(app, make_user("nosy")).post(f"/notifications/{notice.id}/open", data={}).status_code == 404
    assert notice.read_at is None
