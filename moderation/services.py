"""Moderation operations: reporting, cases, decisions, penalties, appeals.

Each operation checks its rules, writes its audit-log row and notifications in the same
transaction, and commits once. Deciding a case is a conditional UPDATE, so when two
moderators act at once exactly one decision applies.
"""
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from forum import permissions
from forum.audit import log_action
from forum.conduct import current_conduct, require_conduct_accepted
from forum.extensions import db
from forum.messages import services as messages
from forum.messages.models import ConversationMember, Message
from forum.models import Post, Thread, User, new_session_token, utcnow
from forum.notifications.notices import notify
from forum.notifications.outbox import commit, send_digest

from .models import Appeal, Case, CaseNote, DismissalProposal, Penalty, RemovalMessage, Report

# The escalation ladder the suspension form suggests from a member's earlier penalties.
LADDER = ("warning", 1, 3, 7, 30, "dismissal")


ALREADY_REPORTED = _l("You have already reported this. The moderators are reviewing it.")
NOT_ABOUT_YOURSELF = _l("You cannot decide anything that concerns yourself: another moderator or an "
                        "administrator does.")
ABOUT_A_MODERATOR = _l("Only an administrator can decide about a moderator, and only another administrator "
                       "about an administrator. Escalate the case with a note instead.")
PROPOSAL_PENDING = _l("A dismissal is proposed on this case: another administrator confirms or rejects the "
                      "proposal.")
OWN_PROPOSAL = _l("You proposed this dismissal: another administrator decides it.")


class ModerationError(Exception):
    """A rule of moderation refused the operation; `message` tells the user why."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(str(message))
        self.message = message


class CaseAlreadyDecided(ModerationError):
    def __init__(self, case: Case) -> None:
        name = case.resolved_by.display_name if case.resolved_by else _l("another moderator")
        super().__init__(_l("This case was already resolved by %(name)s.", name=name))



def _ensure_authority(actor: User, member: User) -> None:
    """Refuse, saying why, to judge oneself or a member of equal or higher rank (forum.permissions)."""
    permissions.require(permissions.is_moderator(actor))
    if member.id == actor.id:
        raise ModerationError(NOT_ABOUT_YOURSELF)
    if not permissions.has_authority_over(actor, member):
        raise ModerationError(ABOUT_A_MODERATOR)


# --- who is told ------------------------------------------------------------------------------

def _moderators_for(case: Case) -> list[User]:
    """Moderators who may decide the case: those of its category (all global ones for profile
    reports) with authority over its member; the admins when no moderator may."""
    moderators = db.session.scalars(select(User).where(User.role == "moderator", User.status == "active")
                                    .options(selectinload(User.moderated_categories)))
    chosen = [m for m in moderators if permissions.can_view_case(m, case)
              and permissions.has_authority_over(m, case.member)]
    return chosen or _admins(case.member)


def _admins(*excluded: User) -> list[User]:
    """The active admins but those excluded (the case's own member, the proposer)."""
    left_out = {user.id for user in excluded}
    return [u for u in db.session.scalars(select(User).where(User.role == "admin", User.status == "active"))
            if u.id not in left_out]


# --- reporting -------------------------------------------------------------------------------

def _check_rule(rule_code: str) -> None:
    version = current_conduct()
    if version is None or rule_code not in {rule.code for rule in version.rules}:
        raise ModerationError(_l("Choose one of the rules of the Code of Conduct."))


def report_post(reporter: User, post: Post, rule_code: str, comment: str | None) -> Case:
    """File a report on a post, keeping a snapshot of it as it is now."""
    permissions.require(permissions.can_report_post(reporter, post))
    snapshot = dict(snapshot_title=post.thread.title if post.is_opening else None,
                    snapshot_source=post.body_source, snapshot_html=post.body_html,
                    snapshot_revision=post.revision)
    return _file_report(reporter, post.author, post, post.thread.category_id, rule_code, comment, snapshot)


def report_member(reporter: User, member: User, rule_code: str, comment: str | None) -> Case:
    """File a report on a member's profile, keeping a snapshot of it."""
    permissions.require(permissions.can_report_member(reporter, member))
    snapshot = dict(snapshot_title=member.display_name, snapshot_source=member.bio_source,
                    snapshot_html=member.bio_html)
    return _file_report(reporter, member, None, None, rule_code, comment, snapshot)


def report_message(reporter: User, message: Message, place: ConversationMember | None, rule_code: str,
                   comment: str | None) -> Case:
    """File a report on a direct message, keeping a snapshot of it: its case goes to the global
    moderators (a conversation has no category), who read it with the few messages before it."""
    permissions.require(permissions.can_report_message(reporter, message, place))
    snapshot = dict(snapshot_title=message.conversation.subject, snapshot_source=message.body_source,
                    snapshot_html=message.body_html)
    return _file_report(reporter, message.author, None, None, rule_code, comment, snapshot, message)


def _target_key(member: User, post: Post | None, message: Message | None = None) -> str:
    if message is not None:
        return f"message:{message.id}"
    return f"post:{post.id}" if post else f"user:{member.id}"


def already_reported(reporter: User, member: User, post: Post | None = None, message: Message | None = None) -> bool:
    """Whether the member has a report in the target's undecided case."""
    return db.session.scalar(select(Report.id).join(Report.case).where(
        Case.open_key == _target_key(member, post, message), Report.reporter_id == reporter.id)) is not None


def _open_case(member: User, post: Post | None, category_id: int | None,
               message: Message | None = None) -> tuple[Case, bool]:
    """The undecided case of this target, created if there is none."""
    key = _target_key(member, post, message)
    case = db.session.scalar(select(Case).where(Case.open_key == key))
    if case is not None:
        return case, False
    if message is not None:
        earlier = Case.message_id == message.id
    elif post is not None:
        earlier = Case.post_id == post.id
    else:
        earlier = (Case.member_id == member.id) & Case.post_id.is_(None) & Case.message_id.is_(None)
    previous = db.session.scalar(select(Case.id).where(earlier).order_by(Case.id.desc()).limit(1))
    case = Case(open_key=key, post_id=post.id if post else None, message_id=message.id if message else None,
                member_id=member.id, category_id=category_id, academy=member.academy, previous_case_id=previous)
    db.session.add(case)
    try:
        db.session.flush()
    except IntegrityError:
        # Another report opened the case a moment ago (nothing else is written yet): join it.
        db.session.rollback()
        return db.session.scalar(select(Case).where(Case.open_key == key)), False
    return case, True


def _file_report(reporter: User, member: User, post: Post | None, category_id: int | None, rule_code: str,
                 comment: str | None, snapshot: dict[str, Any], message: Message | None = None) -> Case:
    require_conduct_accepted(reporter)
    _check_rule(rule_code)
    if already_reported(reporter, member, post, message):
        raise ModerationError(ALREADY_REPORTED)
    case, created = _open_case(member, post, category_id, message)
    now = utcnow()
    db.session.add(Report(case_id=case.id, reporter_id=reporter.id, rule_code=rule_code,
                          comment=(comment or "").strip(), created_at=now, **snapshot))
    try:
        db.session.flush()
    except IntegrityError:
        # The same report sent twice at once, both past the check above: one report per member per
        # case is unique in the database, so the second is refused here as if it came later. (Hence
        # the report form needs no one-time token, unlike the forum's composer forms.)
        db.session.rollback()
        raise ModerationError(ALREADY_REPORTED) from None
    db.session.execute(update(Case).where(Case.id == case.id)
                       .values(report_count=Case.report_count + 1))
    if created:
        notify(_moderators_for(case), "new_case", case, rule=rule_code)
    if post is not None:
        db.session.flush()
        _hide_when_reported_enough(case, post)
    commit()
    return case


def _hide_when_reported_enough(case: Case, post: Post) -> None:
    reporters = db.session.scalar(select(func.count(func.distinct(Report.reporter_id)))
                                  .where(Report.case_id == case.id))
    if reporters < current_app.config["MODERATION_HIDE_THRESHOLD"]:
        return
    # Conditional, so reports arriving together hide the post (and log it) once.
    hidden = db.session.execute(update(Post).where(Post.id == post.id, Post.moderation_state.is_(None))
                                .values(moderation_state="pending")
                                .execution_options(synchronize_session=False)).rowcount
    if hidden:
        db.session.refresh(post)
        _set_post_state(post, "pending")
        log_action(None, "auto_hide", case, member=post.author, post=post,
                   reason=f"{reporters} members reported it")


def _set_post_state(post: Post, state: str | None, whole_thread: bool = False) -> None:
    """An opening post under review takes its thread out of sight (its title may be the offence); a
    removed one leaves the thread and its replies readable, unless the moderator removed the thread."""
    post.moderation_state = state
    if post.is_opening:
        hidden = state == "pending" or (state is not None and whole_thread)
        db.session.execute(update(Thread).where(Thread.id == post.thread_id).values(hidden=hidden))


def report_state(case: Case) -> str:
    """What a reporter may know of their report: under review, no action, or action taken."""
    if case.is_open:
        return "under_review"
    return "no_action" if case.outcome == "dismissed" else "action_taken"


# --- working a case --------------------------------------------------------------------------

def claim_case(moderator: User, case: Case) -> None:
    """Take the case: others see who holds it."""
    permissions.require(permissions.can_view_case(moderator, case))
    case.claimed_by_id, case.claimed_at = moderator.id, utcnow()
    log_action(moderator, "claim", case, member=case.member)
    commit()


def add_note(moderator: User, case: Case, body: str) -> None:
    """Add an internal note to the case."""
    permissions.require(permissions.can_view_case(moderator, case))
    db.session.add(CaseNote(case_id=case.id, author_id=moderator.id, body=body.strip()))
    log_action(moderator, "note", case, member=case.member)
    commit()


def _decide(actor: User, case: Case, outcome: str, reason: str) -> datetime:
    """Resolve the case if nobody has yet; otherwise say who did."""
    permissions.require(permissions.can_view_case(actor, case))
    if not case.is_open:
        raise CaseAlreadyDecided(case)
    _ensure_authority(actor, case.member)
    permissions.require(permissions.can_decide_case(actor, case))
    now = utcnow()
    changed = db.session.execute(
        update(Case).where(Case.id == case.id, Case.status != "resolved")
        .values(status="resolved", outcome=outcome, resolved_at=now, resolved_by_id=actor.id, open_key=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(case)
        raise CaseAlreadyDecided(case)
    db.session.refresh(case)
    reporters = [report.reporter for report in case.reports]
    notify(reporters, "report_reviewed", case, state=report_state(case))
    if case.post is not None and case.post.moderation_state == "pending" and outcome != "removed":
        _set_post_state(case.post, None)  # the decision un-hides it
    return now


def dismiss_case(moderator: User, case: Case, reason: str) -> None:
    """No violation: the case is resolved and the reporters are told."""
    _decide(moderator, case, "dismissed", reason)
    log_action(moderator, "dismiss_case", case, member=case.member, post=case.post, reason=reason)
    commit()


def _remove_post(actor: User, case: Case, rule_code: str, message: str, whole_thread: bool = False) -> None:
    if case.message is not None:  # a direct message: removed for everyone in its conversation
        messages.remove(case.message, utcnow())
        log_action(actor, "remove_content", case, member=case.member, rule_code=rule_code, reason=message)
        notify([case.member], "message_removed", case, rule=rule_code, reason=message)
        return
    post = case.post
    if post is None:
        return
    whole_thread = whole_thread and post.is_opening
    _set_post_state(post, "removed", whole_thread)
    log_action(actor, "remove_thread" if whole_thread else "remove_content", case, member=post.author, post=post,
               rule_code=rule_code, reason=message)
    notify([post.author], "content_removed", case, rule=rule_code, reason=message, post_id=post.id)


def remove_content(moderator: User, case: Case, rule_code: str, message: str, whole_thread: bool = False) -> None:
    """Hide the reported post from all but moderators and its author, who is told why (an opening
    post: with its whole thread only if the moderator chose so)."""
    _check_rule(rule_code)
    if case.post is None and case.message is None:
        raise ModerationError(_l("Only a post or a message can be removed."))
    _decide(moderator, case, "removed", message)
    _remove_post(moderator, case, rule_code, message, whole_thread)
    commit()


def _penalise(actor: User, case: Case, kind: str, rule_code: str, reason: str, ends_at: datetime | None = None) -> None:
    _check_rule(rule_code)
    member = case.member
    db.session.add(Penalty(member_id=member.id, case_id=case.id, kind=kind, rule_code=rule_code,
                           reason=reason, ends_at=ends_at, created_by_id=actor.id))
    if kind == "silence":
        member.silenced_until = ends_at
    elif kind == "suspension":
        member.suspended_until = ends_at
        member.session_token = new_session_token()  # every session and remember-me cookie ends
    log_action(actor, kind, case, member=member, post=case.post, rule_code=rule_code, reason=reason)
    notify([member], kind, case, rule=rule_code, reason=reason, until=ends_at)


def warn_member(moderator: User, case: Case, rule_code: str, reason: str, remove: bool = False,
                whole_thread: bool = False) -> None:
    """Put a formal warning on the member's record (optionally removing the post, or its thread, too)."""
    _penalise_case(moderator, case, "warning", "warned", rule_code, reason, None, remove, whole_thread)


def silence_member(moderator: User, case: Case, rule_code: str, reason: str, until: datetime | None,
                   remove: bool = False, whole_thread: bool = False) -> None:
    """The member may read but not post, reply or report until the given time."""
    _penalise_case(moderator, case, "silence", "silenced", rule_code, reason, until, remove, whole_thread)


def suspend_member(moderator: User, case: Case, rule_code: str, reason: str, until: datetime | None,
                   remove: bool = False, whole_thread: bool = False) -> None:
    """No sign-in until the given time; every open session ends now."""
    _penalise_case(moderator, case, "suspension", "suspended", rule_code, reason, until, remove, whole_thread)


def _penalise_case(moderator: User, case: Case, kind: str, outcome: str, rule_code: str, reason: str,
                   until: datetime | None, remove: bool, whole_thread: bool) -> None:
    """Decide the case with a penalty (timed ones end in the future), optionally removing the post."""
    _check_rule(rule_code)
    if kind != "warning" and (until is None or until <= utcnow()):
        raise ModerationError(_l("Choose an end in the future."))
    _decide(moderator, case, outcome, reason)
    _penalise(moderator, case, kind, rule_code, reason, until)
    if remove:
        _remove_post(moderator, case, rule_code, reason, whole_thread)
    commit()


def escalate_case(moderator: User, case: Case, note: str) -> None:
    """Hand the case to the admins with a note."""
    permissions.require(permissions.can_view_case(moderator, case))
    if not case.is_open:
        raise CaseAlreadyDecided(case)
    changed = db.session.execute(update(Case).where(Case.id == case.id, Case.status == "open")
                                 .values(status="escalated")).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(case)
        raise CaseAlreadyDecided(case) if not case.is_open else ModerationError(_l("The case is already escalated."))
    log_action(moderator, "escalate", case, member=case.member, post=case.post, reason=note)
    notify(_admins(case.member), "escalation", case, note=note)
    commit()


def suggest_penalty(member: User) -> str | int:
    """The next step of the ladder after the member's standing penalties."""
    kinds = db.session.execute(
        select(Penalty.kind, Penalty.ends_at, Penalty.created_at)
        .where(Penalty.member_id == member.id, Penalty.lifted_at.is_(None),
               Penalty.kind.in_(["warning", "suspension"]))
    ).all()
    steps = 0
    for kind, ends_at, created_at in kinds:
        if kind == "warning":
            steps = max(steps, 1)
        else:
            days = (ends_at - created_at).total_seconds() / 86400 if ends_at else 30
            # A suspension to a chosen date counts as the longest ladder step it reached.
            position = max((i for i, step in enumerate(LADDER[1:-1], start=1) if step <= days + 0.5), default=1)
            steps = max(steps, position + 1)
    return LADDER[min(steps, len(LADDER) - 1)]


# --- dismissal from the portal (four eyes) ----------------------------------------------------

def propose_dismissal(moderator: User, case: Case, rule_code: str, reason: str, hide_content: bool) -> None:
    """A moderator proposes dismissing the member; an admin other than them decides."""
    _check_rule(rule_code)
    permissions.require(permissions.can_view_case(moderator, case) and case.is_open)
    _ensure_authority(moderator, case.member)
    pending = db.session.scalar(select(DismissalProposal.id).where(
        DismissalProposal.case_id == case.id, DismissalProposal.status == "pending"))
    if pending is not None:
        raise ModerationError(_l("A dismissal is already proposed for this case."))
    db.session.add(DismissalProposal(case_id=case.id, member_id=case.member_id, proposed_by_id=moderator.id,
                                     rule_code=rule_code, reason=reason, hide_content=hide_content))
    db.session.execute(update(Case).where(Case.id == case.id, Case.status == "open").values(status="escalated"))
    log_action(moderator, "propose_dismissal", case, member=case.member, rule_code=rule_code, reason=reason)
    notify(_admins(moderator, case.member), "dismissal_proposed", case, rule=rule_code)
    commit()


def decide_dismissal(admin: User, proposal: DismissalProposal, confirm: bool, reason: str) -> None:
    """Confirm or reject a proposed dismissal; never by the proposer."""
    case = db.session.get(Case, proposal.case_id)
    permissions.require(permissions.is_admin(admin))
    if proposal.proposed_by_id == admin.id:
        raise ModerationError(OWN_PROPOSAL)
    _ensure_authority(admin, case.member)
    if proposal.status != "pending":
        raise ModerationError(_l("This proposal was already decided."))
    changed = db.session.execute(
        update(DismissalProposal).where(DismissalProposal.id == proposal.id,
                                        DismissalProposal.status == "pending")
        .values(status="confirmed" if confirm else "rejected", decided_by_id=admin.id, decided_at=utcnow())
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise ModerationError(_l("This proposal was already decided."))
    if confirm:
        _decide(admin, case, "member_dismissed", reason)
        _dismiss(admin, case, proposal.rule_code, proposal.reason, proposal.hide_content, "confirm_dismissal",
                 log_reason=reason)
    else:
        log_action(admin, "reject_dismissal", case, member=case.member, reason=reason)
    commit()


def direct_dismissal_refusal(admin: User, case: Case) -> LazyString | None:
    """Why the admin may not dismiss the case's member directly, or None. Four eyes: a pending
    proposal is decided as a proposal, by an admin other than its author, and an admin who proposed
    on this case (even if rejected) cannot then dismiss alone."""
    proposals = db.session.execute(select(DismissalProposal.status, DismissalProposal.proposed_by_id)
                                   .where(DismissalProposal.case_id == case.id)).all()
    if any(proposer == admin.id for _, proposer in proposals):
        return OWN_PROPOSAL
    if any(status == "pending" for status, _ in proposals):
        return PROPOSAL_PENDING
    return None


def dismiss_member_directly(admin: User, case: Case, rule_code: str, reason: str, hide_content: bool) -> None:
    """An admin dismisses the member on an escalated case, recorded as a direct action."""
    _check_rule(rule_code)
    permissions.require(permissions.is_admin(admin) and case.status == "escalated")
    refusal = direct_dismissal_refusal(admin, case)
    if refusal is not None:
        raise ModerationError(refusal)
    _decide(admin, case, "member_dismissed", reason)
    _dismiss(admin, case, rule_code, reason, hide_content, "dismiss_member_direct")
    commit()


def _dismiss(admin: User, case: Case, rule_code: str, reason: str, hide_content: bool, action: str,
             log_reason: str | None = None) -> None:
    """Dismiss the case's member: `reason` is what they are told, `log_reason` the decider's words."""
    member = case.member
    member.status = "dismissed"
    member.session_token = new_session_token()
    db.session.add(Penalty(member_id=member.id, case_id=case.id, kind="dismissal", rule_code=rule_code,
                           reason=reason, created_by_id=admin.id))
    if hide_content:
        _hide_all_posts(member)
    log_action(admin, action, case, member=member, rule_code=rule_code, reason=log_reason or reason)
    notify([member], "dismissal", case, rule=rule_code, reason=reason)


def _hide_all_posts(member: User) -> None:
    db.session.execute(update(Post).where(Post.author_id == member.id, Post.moderation_state.is_(None))
                       .values(moderation_state="author_dismissed"))
    opening = select(Post.thread_id).where(Post.author_id == member.id, Post.number == 1,
                                           Post.moderation_state == "author_dismissed")
    db.session.execute(update(Thread).where(Thread.id.in_(opening)).values(hidden=True))


# --- undoing ---------------------------------------------------------------------------------

def restore_content(moderator: User, post: Post, reason: str) -> None:
    """Show a removed or hidden post again."""
    permissions.require(permissions.moderates_category(moderator, post.thread.category_id) and post.is_hidden)
    _ensure_authority(moderator, post.author)
    _set_post_state(post, None)
    log_action(moderator, "restore_content", member=post.author, post=post, reason=reason)
    notify([post.author], "content_restored", post_id=post.id)
    commit()


def lift_penalty(moderator: User, penalty: Penalty, reason: str) -> None:
    """End a silence or suspension early, or withdraw a warning."""
    member = penalty.member
    _ensure_authority(moderator, member)
    permissions.require(permissions.can_lift_penalty(moderator, penalty))
    penalty.lifted_at, penalty.lifted_by_id = utcnow(), moderator.id
    if penalty.kind == "silence":
        member.silenced_until = None
    elif penalty.kind == "suspension":
        member.suspended_until = None
    log_action(moderator, "lift_" + penalty.kind, member=member, rule_code=penalty.rule_code, reason=reason)
    notify([member], "penalty_lifted", penalty=penalty.kind)
    commit()


def reinstate_member(admin: User, member: User, reason: str) -> None:
    """Undo a dismissal from the portal, and show the content it hid."""
    permissions.require(permissions.is_admin(admin) and member.is_dismissed)
    _ensure_authority(admin, member)
    for penalty in db.session.scalars(select(Penalty).where(Penalty.member_id == member.id,
                                                            Penalty.kind == "dismissal",
                                                            Penalty.lifted_at.is_(None))):
        penalty.lifted_at, penalty.lifted_by_id = utcnow(), admin.id
    _readmit(member)
    log_action(admin, "reinstate", member=member, reason=reason)
    notify([member], "reinstated")
    commit()


def _readmit(member: User) -> None:
    """Make a dismissed member active again, with the content their dismissal hid."""
    member.status = "active"
    db.session.execute(update(Post).where(Post.author_id == member.id,
                                          Post.moderation_state == "author_dismissed")
                       .values(moderation_state=None))
    shown = select(Post.thread_id).where(Post.author_id == member.id, Post.number == 1,
                                         Post.moderation_state.is_(None))
    db.session.execute(update(Thread).where(Thread.id.in_(shown)).values(hidden=False))


# --- appeals ---------------------------------------------------------------------------------

def can_appeal(member: User, case: Case) -> bool:
    return (case.member_id == member.id and not case.is_open
            and case.outcome not in (None, "dismissed"))


def file_appeal(member: User, case: Case, text: str) -> None:
    """Appeal once against the decision on a case."""
    permissions.require(can_appeal(member, case))
    db.session.add(Appeal(case_id=case.id, member_id=member.id, text=text.strip()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ModerationError(_l("You have already appealed this decision.")) from None
    log_action(member, "appeal", case, member=member, reason=text)
    notify(_moderators_for(case), "appeal_filed", case)
    commit()


def decide_appeal(moderator: User, appeal: Appeal, grant: bool, reason: str) -> None:
    """Uphold or grant an appeal; granting undoes the decision's effects."""
    permissions.require(permissions.can_view_case(moderator, appeal.case) or appeal.member_id == moderator.id)
    _ensure_authority(moderator, appeal.member)
    permissions.require(permissions.can_decide_appeal(moderator, appeal))
    changed = db.session.execute(
        update(Appeal).where(Appeal.id == appeal.id, Appeal.status == "pending")
        .values(status="granted" if grant else "upheld", decided_by_id=moderator.id,
                decided_at=utcnow(), decision_reason=reason)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise ModerationError(_l("This appeal was already decided."))
    case, member = appeal.case, appeal.member
    if grant:
        if case.post is not None and case.post.moderation_state == "removed":
            _set_post_state(case.post, None)
        if case.message is not None:
            messages.restore(case.message)
        now = utcnow()
        for penalty in db.session.scalars(select(Penalty).where(Penalty.case_id == case.id,
                                                                Penalty.lifted_at.is_(None))):
            penalty.lifted_at, penalty.lifted_by_id = now, moderator.id
            if penalty.kind == "silence":
                member.silenced_until = None
            elif penalty.kind == "suspension":
                member.suspended_until = None
            elif penalty.kind == "dismissal":
                _readmit(member)
    log_action(moderator, "grant_appeal" if grant else "uphold_appeal", case, member=member, reason=reason)
    notify([member], "appeal_decided", case, granted=grant, reason=reason)
    commit()


def suspension_end(days: int | None = None, until: datetime | None = None) -> datetime | None:
    """The end of a suspension given in days from now or as a date."""
    return utcnow() + timedelta(days=days) if days else until


def save_removal_message(admin: User, rule_code: str, language: str, text: str | None) -> None:
    """Set the prepared removal message for a rule in one language (empty: back to the default)."""
    permissions.require(permissions.is_admin(admin))
    _check_rule(rule_code)
    message = db.session.scalar(select(RemovalMessage).where(RemovalMessage.rule_code == rule_code,
                                                             RemovalMessage.language == language))
    text = (text or "").strip()
    if message is None and text:
        db.session.add(RemovalMessage(rule_code=rule_code, language=language, text=text))
    elif message is not None and text:
        message.text = text
    elif message is not None:
        db.session.delete(message)
    commit()


# --- periodic work ---------------------------------------------------------------------------

def send_digests() -> None:
    """One e-mail per moderator with the new cases since their last digest, at most once per interval."""
    send_digest(("new_case",), User.last_digest_at, lambda user: user.digest_minutes, "digest")


def remind_stale_cases() -> int:
    """Remind moderators (admins for escalated cases) of cases undecided too long, once per interval."""
    hours = current_app.config["STALE_CASE_HOURS"]
    now = utcnow()
    waited = now - timedelta(hours=hours)
    cases = db.session.scalars(select(Case).where(
        Case.status != "resolved", Case.first_reported_at < waited,
        or_(Case.reminded_at.is_(None), Case.reminded_at < waited))).all()
    reminded = 0
    for case in cases:
        # Conditional, so two overlapping runs remind once.
        if not db.session.execute(update(Case).where(
                Case.id == case.id, Case.reminded_at.is_(None) | (Case.reminded_at < waited))
                .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount:
            continue
        recipients = _admins(case.member) if case.status == "escalated" else _moderators_for(case)
        notify(recipients, "stale_case", case, hours=hours)
        commit()
        reminded += 1
    return reminded
