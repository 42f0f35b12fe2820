"""Reading the moderation record: the queue, a case with its context, the log, statistics.

Each page costs a fixed number of queries: lists are loaded with their relations, and the
per-case figures of a page come from one grouped query.
"""
from collections import Counter, defaultdict
from statistics import median
from types import SimpleNamespace

from sqlalchemy import String, bindparam, cast, exists, func, literal, null, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from forum import cache, hooks, permissions
from forum.accounts.personal_data import iso_time
from forum.audit import ModerationAction
from forum.extensions import db
from forum.messages import services as messages
from forum.models import Post, User, shown_name

from .models import Appeal, Case, CaseNote, DismissalProposal, Penalty, Report


def _visible(query, user):
    """Only the cases the moderator's scope covers, never those about the moderator themselves
    (the SQL form of permissions.can_view_case)."""
    return query.where(Case.member_id != user.id, permissions.moderates_category_sql(user, Case.category_id))


def queue(user, status, rule, category_id, academy, sort, page, per_page=25):
    query = _visible(select(Case), user).where(Case.status == status)
    if rule:
        query = query.where(exists().where(Report.case_id == Case.id, Report.rule_code == rule))
    if category_id:
        query = query.where(Case.category_id == category_id)
    if academy:
        query = query.where(Case.academy == academy)
    if sort == "most_reported":
        query = query.order_by(Case.report_count.desc(), Case.first_reported_at, Case.id)
    else:
        query = query.order_by(Case.first_reported_at, Case.id)
    query = query.options(joinedload(Case.member), joinedload(Case.category), joinedload(Case.claimed_by),
                          joinedload(Case.post).joinedload(Post.thread))
    cases = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return cases, rules_cited([case.id for case in cases.items])


def rules_cited(case_ids):
    """{case id: Counter(rule code -> reports)} for the given cases, in one query."""
    cited = defaultdict(Counter)
    if case_ids:
        rows = db.session.execute(select(Report.case_id, Report.rule_code, func.count())
                                  .where(Report.case_id.in_(case_ids))
                                  .group_by(Report.case_id, Report.rule_code))
        for case_id, code, count in rows:
            cited[case_id][code] = count
    return cited


def open_case_count(user):
    return db.session.scalar(_visible(select(func.count(Case.id)), user).where(Case.status != "resolved"))


def open_case_count_shown(user):
    """The count in the moderators' navigation: from the cache until a case changes (or their scope)."""
    return cache.remembered(user.id, "open_cases", lambda: open_case_count(user), also=("cases",))


def staff_with_cases():
    """The moderators and admins who are the subject of a case (each sees the record without it)."""
    return sorted(db.session.scalars(select(Case.member_id).join(User, User.id == Case.member_id)
                                     .where(User.role != "member").distinct()))


# What the moderators' pages show of cases: the open-case count, the queue (its rows, cited rules,
# pending appeals), the rules' titles, and on a case page its notes, actions, proposals and penalties.
for _table in ("cases", "reports", "appeals", "conduct_versions", "case_notes", "moderation_actions",
               "dismissal_proposals", "penalties"):
    cache.watch_table(_table, "cases")


def pending_appeal_count(user):
    query = select(func.count(Appeal.id)).join(Appeal.case).where(Appeal.status == "pending")
    return db.session.scalar(_visible(query, user))


# The case page's read-only lists: statements built once (the case id bound at each run) that return
# Core rows with the name to show, rather than ORM objects and their users.
_NAME = (User.stored_name.label("stored_name"), User.status.label("status"))
_REPORTS = (select(Report.created_at, Report.rule_code, Report.comment, Report.snapshot_title, Report.snapshot_html,
                   Report.snapshot_revision, *_NAME)
            .join(User, User.id == Report.reporter_id)
            .where(Report.case_id == bindparam("case_id")).order_by(Report.created_at, Report.id))
_ENTRIES = union_all(  # the notes and actions of the timeline
    select(CaseNote.created_at, literal("note").label("kind"), CaseNote.id, *_NAME, cast(null(), String).label("action"),
           cast(null(), String).label("rule_code"), CaseNote.body.label("text"))
    .join(User, User.id == CaseNote.author_id).where(CaseNote.case_id == bindparam("case_id")),
    select(ModerationAction.created_at, literal("action"), ModerationAction.id, *_NAME, ModerationAction.action,
           ModerationAction.rule_code, ModerationAction.reason)
    .outerjoin(User, User.id == ModerationAction.actor_id)
    .where(ModerationAction.case_id == bindparam("case_id")))
_TIMELINE_ORDER = {"report": 0, "note": 1, "action": 2}


def _named(row, **more):
    """A row as an object the template reads, with `name` as the portal shows the user (None: nobody)."""
    fields = row._asdict()
    name = None if fields["status"] is None else shown_name(fields["stored_name"], fields["status"])
    return SimpleNamespace(**fields, name=name, **more)


def case_page(case, viewer):
    """Everything the case page shows to the moderator, loaded up front."""
    parameters = {"case_id": case.id}
    reports = [_named(row, kind="report") for row in db.session.execute(_REPORTS, parameters)]
    entries = [_named(row) for row in db.session.execute(_ENTRIES, parameters)]
    context = []
    if case.post is not None:
        context = db.session.scalars(
            select(Post).where(Post.thread_id == case.post.thread_id,
                               Post.number.between(case.post.number - 1, case.post.number + 1))
            .options(joinedload(Post.author)).order_by(Post.number)).all()
    elif case.message is not None:
        context = messages.with_context(case.message)
    proposals = db.session.scalars(select(DismissalProposal).where(DismissalProposal.case_id == case.id)
                                   .options(joinedload(DismissalProposal.proposed_by))).all()
    return {
        "reports": reports,
        "rules": Counter(report.rule_code for report in reports),
        "context": context,
        "timeline": sorted(reports + entries,
                           key=lambda item: (item.created_at, _TIMELINE_ORDER[item.kind], getattr(item, "id", 0))),
        "history": member_history(case.member, viewer, exclude_case=case),
        "proposal": next((p for p in proposals if p.status == "pending"), None),
        "proposers": sorted({p.proposed_by_id for p in proposals}),
        "appeal": db.session.scalar(select(Appeal).where(Appeal.case_id == case.id)),
    }


def member_history(member, viewer=None, exclude_case=None):
    """A member's earlier cases and penalties, newest first: all of them for the member themselves
    (viewer None), only those of cases within a moderator's scope for a moderator."""
    cases = select(Case).where(Case.member_id == member.id).order_by(Case.created_at.desc()).limit(50)
    penalties = (select(Penalty).where(Penalty.member_id == member.id)
                 .options(joinedload(Penalty.created_by), joinedload(Penalty.case))
                 .order_by(Penalty.created_at.desc()))
    if viewer is not None:
        cases = _visible(cases, viewer)
        penalties = _visible(penalties.join(Penalty.case), viewer)
    if exclude_case is not None:
        cases = cases.where(Case.id != exclude_case.id)
    return {"cases": db.session.scalars(cases).all(), "penalties": db.session.scalars(penalties).unique().all()}


def my_reports(user, page):
    query = (select(Report).where(Report.reporter_id == user.id)
             .options(joinedload(Report.case).joinedload(Case.post).joinedload(Post.thread),
                      joinedload(Report.case).joinedload(Case.member))
             .order_by(Report.created_at.desc()))
    return db.paginate(query, page=page, per_page=25, error_out=False)


def decided_cases_of(member):
    """The member's own decided cases that carried an action, with any appeal."""
    cases = db.session.scalars(select(Case).where(Case.member_id == member.id, Case.status == "resolved",
                                                  Case.outcome != "dismissed")
                               .options(joinedload(Case.post).joinedload(Post.thread))
                               .order_by(Case.resolved_at.desc())).all()
    appeals = {a.case_id: a for a in db.session.scalars(
        select(Appeal).where(Appeal.member_id == member.id))}
    return cases, appeals


def audit_log(user, action, actor, member, rule, page, per_page=50):
    query = select(ModerationAction).order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
    if not permissions.is_admin(user) and permissions.moderator_scopes(user):
        query = query.outerjoin(Case, ModerationAction.case_id == Case.id).where(
            permissions.moderates_category_sql(user, Case.category_id))
    if action:
        query = query.where(ModerationAction.action == action)
    if rule:
        query = query.where(ModerationAction.rule_code == rule)
    for column, username in ((ModerationAction.actor_id, actor), (ModerationAction.member_id, member)):
        if username:
            query = query.where(column == select(User.id).where(User.username == username.lower())
                                .scalar_subquery())
    query = query.options(joinedload(ModerationAction.actor), joinedload(ModerationAction.member))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def pending_appeals(user, page):
    query = (_visible(select(Appeal).join(Appeal.case), user).where(Appeal.status == "pending")
             .options(joinedload(Appeal.case).joinedload(Case.resolved_by), joinedload(Appeal.member),
                      selectinload(Appeal.case, Case.proposals))
             .order_by(Appeal.created_at))
    return db.paginate(query, page=page, per_page=25, error_out=False)


def statistics():
    """Cases per rule, academy and outcome, and the median days to a decision, by month."""
    per_rule = dict(db.session.execute(select(Report.rule_code, func.count(func.distinct(Report.case_id)))
                                       .group_by(Report.rule_code)).all())
    per_academy = dict(db.session.execute(select(Case.academy, func.count()).group_by(Case.academy)).all())
    per_outcome = dict(db.session.execute(select(Case.outcome, func.count()).where(Case.status == "resolved")
                                          .group_by(Case.outcome)).all())
    durations = defaultdict(list)
    for first, resolved in db.session.execute(select(Case.first_reported_at, Case.resolved_at)
                                              .where(Case.status == "resolved")):
        durations[first.strftime("%Y-%m")].append((resolved - first).total_seconds() / 3600)
    by_month = [(month, len(hours), median(hours)) for month, hours in sorted(durations.items(), reverse=True)]
    return {"per_rule": per_rule, "per_academy": per_academy, "per_outcome": per_outcome, "by_month": by_month}


# --- moderation's part of the forum's member pages (forum.hooks) --------------------------------

def member_penalties(member):
    """The penalties on the admins' page about a member, newest first."""
    return {"penalties": db.session.scalars(
        select(Penalty).where(Penalty.member_id == member.id).options(joinedload(Penalty.created_by))
        .order_by(Penalty.created_at.desc())).all()}


def reports_filed(member):
    """The reports the member filed, for their download of their data."""
    return {"reports_filed": [
        {"created_at": iso_time(created), "rule": rule, "comment": comment, "post_id": post_id,
         "reported_title": title, "case_status": status}
        for created, rule, comment, post_id, title, status in db.session.execute(
            select(Report.created_at, Report.rule_code, Report.comment, Case.post_id, Report.snapshot_title,
                   Case.status).join(Report.case).where(Report.reporter_id == member.id).order_by(Report.id))]}


hooks.member_page.append(member_penalties)
hooks.member_export.append(reports_filed)
