"""Two moderators deciding one case at the same moment, and many members reporting one post at the
same moment: real concurrent transactions on PostgreSQL, each thread with its own session."""
import threading

import pytest

from forum.audit import ModerationAction
from forum.extensions import db
from forum.models import Post, User
from forum.notifications.models import Notification
from moderation import services
from moderation.models import Case, Penalty, Report
from tests.conftest import page_text, signed_in, start_thread

ROUNDS = 5
# action -> (what the moderator does, the audit-log action it writes, the case outcome)
ACTIONS = {
    "dismiss": (lambda mod, case: services.dismiss_case(mod, case, "No violation"), "dismiss_case", "dismissed"),
    "remove": (lambda mod, case: services.remove_content(mod, case, "disrespect", "Rude"), "remove_content",
               "removed"),
    "suspend": (lambda mod, case: services.suspend_member(mod, case, "disrespect", "Rude",
                                                          services.suspension_end(days=3)), "suspension", "suspended"),
    "warn": (lambda mod, case: services.warn_member(mod, case, "disrespect", "Rude"), "warning", "warned"),
}
DECIDING = [logged for _, logged, _ in ACTIONS.values()]


def run_together(app, jobs):
    """Run each job in its own thread, app context and session; the jobs load their rows, then all
    wait at a barrier and act at once. Returns each job's outcome: "ok" or the exception it raised.

    A request context (which brings its own app context) because messages are rendered in the
    request's language, as they are when a moderator acts from the case page."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def work(index, job):
        with app.test_request_context():
            try:
                act = job()  # loads its own rows in this thread's session
                barrier.wait(timeout=10)
                act()
                outcomes[index] = "ok"
            except Exception as error:  # noqa: BLE001 - the outcome under test
                outcomes[index] = error
                db.session.rollback()

    db.session.commit()  # the test's own session holds nothing while the threads run
    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    return outcomes


def decision(action, moderator_id, case_id):
    def job():
        moderator, case = db.session.get(User, moderator_id), db.session.get(Case, case_id)
        assert case.status == "open"
        return lambda: ACTIONS[action][0](moderator, case)
    return job


@pytest.mark.postgresql_only
@pytest.mark.parametrize("first, second", [("dismiss", "remove"), ("dismiss", "suspend"), ("remove", "suspend"),
                                           ("warn", "suspend")])
def test_two_moderators_deciding_at_once_exactly_one_decision_applies(app, make_user, first, second):
    moderators = [make_user("mod1", role="moderator", display_name="Mod One"),
                  make_user("mod2", role="moderator", display_name="Mod Two")]
    reporter = make_user("reporter")
    for round_ in range(ROUNDS):
        author = make_user(f"author{round_}")
        case = services.report_post(reporter, start_thread(author), "disrespect", "")
        actions = (first, second) if round_ % 2 == 0 else (second, first)  # either may start first
        outcomes = run_together(app, [decision(actions[i], moderators[i].id, case.id) for i in (0, 1)])

        assert sorted(type(o).__name__ for o in outcomes) == ["CaseAlreadyDecided", "str"], outcomes
        won = outcomes.index("ok")
        winner, action = moderators[won], actions[won]
        assert str(outcomes[1 - won]) == f"This case was already resolved by {winner.display_name}."
        assert (case.status, case.outcome, case.resolved_by_id) == ("resolved", ACTIONS[action][2], winner.id)
        deciding = db.session.scalars(db.select(ModerationAction).where(
            ModerationAction.case_id == case.id, ModerationAction.action.in_(DECIDING))).all()
        assert [(row.action, row.actor_id) for row in deciding] == [(ACTIONS[action][1], winner.id)]
        penalties = db.session.scalars(db.select(Penalty.kind).where(Penalty.case_id == case.id)).all()
        assert penalties == {"suspend": ["suspension"], "warn": ["warning"]}.get(action, [])
        assert (author.suspended_until is not None) == (action == "suspend")
        assert case.post.moderation_state == ("removed" if action == "remove" else None)
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
            Notification.case_id == case.id, Notification.kind == "report_reviewed")) == 1


def test_deciding_a_case_someone_already_resolved_says_who_and_changes_nothing(app, make_user):
    clients = {}
    for name, display in (("mod1", "Mod One"), ("mod2", "Mod Two")):
        clients[name] = signed_in(app, make_user(name, role="moderator", display_name=display))
    author = make_user("author")
    case = services.report_post(make_user("reporter"), start_thread(author), "disrespect", "")
    url = f"/moderation/cases/{case.id}"
    clients["mod1"].post(f"{url}/dismiss", data={"reason": "No violation"})

    late = clients["mod2"].post(f"{url}/suspend", data={"rule": "disrespect", "reason": "Rude", "duration": "7"},
                                follow_redirects=True)
    assert late.status_code == 200
    assert "This case was already resolved by Mod One." in page_text(late)
    assert (case.outcome, case.resolved_by.username) == ("dismissed", "mod1")
    assert author.suspended_until is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Penalty)) == 0


def reports_at_once(app, post, reporters):
    post_id = post.id  # ids only: the test's objects belong to the test's session

    def report(reporter_id):
        def job():
            reporter, target = db.session.get(User, reporter_id), db.session.get(Post, post_id)
            target.moderation_state  # loaded now, as a request loads the post before reporting  # noqa: B018
            return lambda: services.report_post(reporter, target, "disrespect", "")
        return job
    return run_together(app, [report(r.id) for r in reporters])


@pytest.mark.postgresql_only
def test_many_members_reporting_a_post_at_once_open_exactly_one_case(app, make_user):
    make_user("mod", role="moderator")
    post = start_thread(make_user("author"))
    reporters = [make_user(f"reporter{i}") for i in range(8)]

    assert reports_at_once(app, post, reporters) == ["ok"] * len(reporters)
    case = db.session.scalar(db.select(Case))
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1
    assert case.report_count == len(reporters)
    assert db.session.scalar(db.select(db.func.count()).select_from(Report).where(Report.case_id == case.id)) == 8
    assert post.moderation_state == "pending"  # past the threshold of 3 distinct reporters
    assert db.session.scalars(db.select(Notification.kind).where(Notification.kind == "new_case")).all() == ["new_case"]


@pytest.mark.postgresql_only
def test_reports_arriving_together_past_the_threshold_hide_the_post_once(app, make_user):
    post = start_thread(make_user("author"))
    early = [make_user(f"early{i}") for i in range(2)]
    for reporter in early:
        services.report_post(reporter, post, "disrespect", "")
    assert reports_at_once(app, post, [make_user(f"late{i}") for i in range(4)]) == ["ok"] * 4
    assert post.moderation_state == "pending"
    assert db.session.scalar(db.select(db.func.count()).select_from(ModerationAction).where(
        ModerationAction.action == "auto_hide")) == 1
