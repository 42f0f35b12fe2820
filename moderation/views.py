"""Moderation pages: reporting, the queue, cases and decisions, appeals, the log."""
from datetime import datetime, time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forum import cache, permissions
from forum.accounts.services import member_from_record_token
from forum.conduct import ConductNotAccepted, current_conduct
from forum.discussions.views import conduct_gate, post_url
from forum.extensions import db, limiter
from forum.messages import services as messages
from forum.messages.models import Message
from forum.models import Category, Post, User
from forum.params import int_arg, page_arg

from . import queries, services
from .forms import (
    AppealForm,
    CaseActionForm,
    DecisionForm,
    NoteForm,
    RemovalMessageForm,
    ReportForm,
)
from .models import Appeal, Case, DismissalProposal, Penalty
from .notices import removal_message, template_helpers

bp = Blueprint("moderation", __name__)


def _require_moderator():
    permissions.require(permissions.is_moderator(current_user))


def _report_limit():
    return current_app.config["REPORT_LIMIT"]


def _reporter_key():
    return f"report:{current_user.id}"  # the account, not the session: signing out resets nothing


@bp.app_context_processor
def moderation_counts():
    """Open cases for moderators: shown in the navigation."""
    def counts():
        if not current_user.is_authenticated:
            return {}
        if not permissions.is_moderator(current_user):
            return {}
        return {"open_cases": queries.open_case_count_shown(current_user)}
    return {"moderation_counts": counts, **template_helpers()}


# --- reporting -------------------------------------------------------------------------------

def _report(target_name, report, back_url, done_url=None):
    """The report form for a post or a profile, and filing the report; then back where the member was
    (`done_url()` when filing may have changed where that is)."""
    if gate := conduct_gate(_("Please read and accept the Code of Conduct before you report.")):
        return gate
    form = ReportForm()
    if form.validate_on_submit():
        try:
            report(form.rule.data, form.comment.data)
        except services.ModerationError as error:
            flash(error.message, "error")
            return redirect(back_url)
        except ConductNotAccepted:
            flash(_("The Code of Conduct has changed: accept it, then send your report again."), "error")
        else:
            flash(_("Thank you. The moderators will review your report."), "success")
            return redirect(done_url() if done_url else back_url)
    return render_template("moderation/report.html", form=form, target_name=target_name,
                           rules=current_conduct().rules, back_url=back_url)


def _already_reported():
    flash(services.ALREADY_REPORTED, "info")
    return redirect(url_for(".my_reports"))


# One allowance for all of a member's reports, posts and profiles together.
_report_rate = limiter.shared_limit(_report_limit, scope="report", methods=["POST"], key_func=_reporter_key)


@bp.route("/p/<id:post_id>/report", methods=["GET", "POST"])
@_report_rate
def report_post(post_id):
    """Report a post for breaking a rule of the Code of Conduct."""
    post = db.get_or_404(Post, post_id)
    if services.already_reported(current_user, post.author, post):
        return _already_reported()
    permissions.require(permissions.can_view_thread(current_user, post.thread)
                        and permissions.can_view_post(current_user, post)
                        and permissions.can_report_post(current_user, post))

    def done_url():  # enough reports take an opening post, and its thread, out of the reporter's sight
        if permissions.can_view_thread(current_user, post.thread):
            return post_url(post)
        return url_for("forum.category", slug=post.thread.category.slug)

    return _report(post.thread.title, lambda rule, comment: services.report_post(current_user, post, rule, comment),
                   post_url(post), done_url)


@bp.route("/u/<username>/report", methods=["GET", "POST"])
@_report_rate
def report_member(username):
    """Report a member's profile."""
    member = db.first_or_404(db.select(User).where(User.username == username.lower()))
    if services.already_reported(current_user, member):
        return _already_reported()
    permissions.require(permissions.can_report_member(current_user, member))
    return _report(member.display_name,
                   lambda rule, comment: services.report_member(current_user, member, rule, comment),
                   url_for("profiles.profile", username=member.username))


@bp.route("/messages/m/<id:message_id>/report", methods=["GET", "POST"])
@_report_rate
def report_message(message_id):
    """Report a direct message; only a member of its conversation can (anyone else: not found)."""
    message = db.get_or_404(Message, message_id)
    place = messages.membership(current_user, message.conversation_id)
    if place is None or message.number > place.last_number:
        abort(404)
    if services.already_reported(current_user, message.author, message=message):
        return _already_reported()
    permissions.require(permissions.can_report_message(current_user, message, place))
    return _report(message.conversation.subject,
                   lambda rule, comment: services.report_message(current_user, message, place, rule, comment),
                   messages.message_url(message))


@bp.route("/reports")
def my_reports():
    """The member's own reports and what became of them."""
    return render_template("moderation/my_reports.html", reports=queries.my_reports(current_user, page_arg()),
                           state=services.report_state)


# --- the queue and cases ---------------------------------------------------------------------

@bp.route("/moderation/")
def queue():
    """Cases awaiting a decision (or decided), filtered and sorted."""
    _require_moderator()
    status = request.args.get("status", "open")
    if status not in ("open", "escalated", "resolved"):
        status = "open"
    sort = request.args.get("sort", "oldest")
    rule, category_id, academy, page = request.args.get("rule"), int_arg("category"), request.args.get("academy"), page_arg()

    def build():
        cases, cited = queries.queue(current_user, status, rule, category_id, academy, sort, page)
        categories = db.session.scalars(db.select(Category).order_by(Category.position)).all()
        html = render_template("moderation/queue.html", cases=cases, cited=cited, status=status, sort=sort,
                               categories=categories, args=request.args,
                               appeals=queries.pending_appeal_count(current_user))
        # Nobody sees a case about themselves: a moderator who has one gets a queue of their own.
        return html, {"personal_for": queries.staff_with_cases()}

    key = ("queue", status, rule, request.args.get("category"), academy, sort, page)  # as the filters show them
    return permissions.shared(current_user, key, build,
                             generations=(cache.CONTENT, "cases")).filled()


def _case_or_404(case_id):
    case = db.get_or_404(Case, case_id)
    permissions.require(permissions.can_view_case(current_user, case))
    return case


@bp.route("/moderation/cases/<id:case_id>")
def case(case_id):
    """One case: the content in context, the reports, the member's history, notes, the timeline."""
    case = _case_or_404(case_id)

    def build():
        data = queries.case_page(case, current_user)
        if case.member.is_suspended or case.member.is_silenced:
            cache.note_relative_time()  # "Suspended" lapses with time, not with a write
        html = render_template("moderation/case.html", case=case, form=CaseActionForm(), note_form=NoteForm(),
                               decision_form=DecisionForm(), suggestion=services.suggest_penalty(case.member),
                               removal_message=removal_message, authority_refusal=services.ABOUT_A_MODERATOR,
                               direct_dismissal_refusal=_direct_dismissal_refusal(case), **data)
        # Who proposed a dismissal here reads the proposal and the direct dismissal differently.
        return html, {"personal_for": data["proposers"]}

    # Shared by the moderators of one class; the holder of the case has no Claim button.
    key = ("case", case.id, case.claimed_by_id == current_user.id)
    return permissions.shared(current_user, key, build, generations=(cache.CONTENT, "cases")).filled()


def _direct_dismissal_refusal(case):
    """Why the admin may not dismiss this case's member alone (asked only where the button shows)."""
    if permissions.is_admin(current_user) and case.status == "escalated":
        return services.direct_dismissal_refusal(current_user, case)
    return None


def _run(operation, success_message, target):
    """Run a moderation operation and report its outcome as a flash message."""
    try:
        operation()
    except services.ModerationError as error:
        flash(error.message, "error")
    else:
        flash(success_message, "success")
    return redirect(target)


@bp.route("/moderation/cases/<id:case_id>/claim", methods=["POST"])
def claim(case_id):
    """Take the case."""
    case = _case_or_404(case_id)
    return _run(lambda: services.claim_case(current_user, case), _("You hold this case now."),
                url_for(".case", case_id=case.id))


@bp.route("/moderation/cases/<id:case_id>/note", methods=["POST"])
def add_note(case_id):
    """Add an internal note."""
    case = _case_or_404(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("Write the note first."), "error")
        return redirect(url_for(".case", case_id=case.id))
    return _run(lambda: services.add_note(current_user, case, form.body.data), _("Note added."),
                url_for(".case", case_id=case.id))


def _until(form):
    """The end of a silence or suspension chosen on the form."""
    if form.duration.data == "date" and form.until.data:
        return datetime.combine(form.until.data, time(23, 59))
    if form.duration.data and form.duration.data.isdigit():
        return services.suspension_end(days=int(form.duration.data))
    return None


ACTIONS = {
    "dismiss": (lambda u, c, f: services.dismiss_case(u, c, f.reason.data),
                _l("The case is dismissed; the reporters are told.")),
    "remove": (lambda u, c, f: services.remove_content(u, c, f.rule.data, f.reason.data, f.whole_thread.data),
               _l("The post is removed; its author is told why.")),
    "warn": (lambda u, c, f: services.warn_member(u, c, f.rule.data, f.reason.data, f.remove.data,
                                                     f.whole_thread.data),
             _l("The warning is on the member's record.")),
    "silence": (lambda u, c, f: services.silence_member(u, c, f.rule.data, f.reason.data, _until(f), f.remove.data,
                                                           f.whole_thread.data),
                _l("The member is silenced.")),
    "suspend": (lambda u, c, f: services.suspend_member(u, c, f.rule.data, f.reason.data, _until(f), f.remove.data,
                                                           f.whole_thread.data),
                _l("The member is suspended and signed out everywhere.")),
    "escalate": (lambda u, c, f: services.escalate_case(u, c, f.reason.data),
                 _l("The case is escalated to the administrators.")),
    "propose-dismissal": (lambda u, c, f: services.propose_dismissal(u, c, f.rule.data, f.reason.data,
                                                                     f.hide_content.data),
                          _l("The dismissal is proposed; an administrator will decide.")),
    "dismiss-member": (lambda u, c, f: services.dismiss_member_directly(u, c, f.rule.data, f.reason.data,
                                                                        f.hide_content.data),
                       _l("The member is dismissed from the portal.")),
}


@bp.route("/moderation/cases/<id:case_id>/<any(" + ", ".join(f'"{a}"' for a in ACTIONS) + "):action>",
          methods=["POST"])
def act(case_id, action):
    """Decide or escalate a case."""
    case = _case_or_404(case_id)
    form = CaseActionForm()
    if action == "remove" and form.rule.data and not (form.reason.data or "").strip():
        form.reason.data = removal_message(form.rule.data, case.member.preferred_language)
    if not form.validate_on_submit():
        flash(_("Give a reason for the decision."), "error")
        return redirect(url_for(".case", case_id=case.id))
    operation, message = ACTIONS[action]
    return _run(lambda: operation(current_user, case, form), str(message), url_for(".case", case_id=case.id))


@bp.route("/moderation/proposals/<id:proposal_id>/<any(confirm, reject):decision>", methods=["POST"])
def decide_proposal(proposal_id, decision):
    """An admin confirms or rejects a proposed dismissal."""
    proposal = db.get_or_404(DismissalProposal, proposal_id)
    form = DecisionForm()
    target = url_for(".case", case_id=proposal.case_id)
    if not form.validate_on_submit():
        flash(_("Give a reason for the decision."), "error")
        return redirect(target)
    return _run(lambda: services.decide_dismissal(current_user, proposal, decision == "confirm", form.reason.data),
                _("The member is dismissed from the portal.") if decision == "confirm"
                else _("The proposal is rejected."), target)


# --- undoing ---------------------------------------------------------------------------------

def _with_reason(operation, success_message, target):
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the decision."), "error")
        return redirect(target)
    return _run(lambda: operation(form.reason.data), success_message, target)


@bp.route("/moderation/posts/<id:post_id>/restore", methods=["POST"])
def restore(post_id):
    """Show a hidden or removed post again."""
    post = db.get_or_404(Post, post_id)
    return _with_reason(lambda reason: services.restore_content(current_user, post, reason),
                        _("The post is visible again."), post_url(post))


@bp.route("/moderation/penalties/<id:penalty_id>/lift", methods=["POST"])
def lift(penalty_id):
    """End a penalty early."""
    penalty = db.get_or_404(Penalty, penalty_id)
    return _with_reason(lambda reason: services.lift_penalty(current_user, penalty, reason),
                        _("The penalty is lifted."), url_for(".member", username=penalty.member.username))


@bp.route("/moderation/members/<username>/reinstate", methods=["POST"])
def reinstate(username):
    """Undo a dismissal from the portal."""
    member = db.first_or_404(db.select(User).where(User.username == username.lower()))
    return _with_reason(lambda reason: services.reinstate_member(current_user, member, reason),
                        _("The member is reinstated."), url_for(".member", username=member.username))


@bp.route("/moderation/members/<username>")
def member(username):
    """A member's moderation history."""
    _require_moderator()
    member = db.first_or_404(db.select(User).where(User.username == username.lower()))
    return render_template("moderation/member.html", member=member,
                           history=queries.member_history(member, current_user), form=DecisionForm())


# --- appeals ---------------------------------------------------------------------------------

def _record_page(member, token=None):
    cases, appeals = queries.decided_cases_of(member)
    return render_template("moderation/my_record.html", cases=cases, appeals=appeals, form=AppealForm(),
                           penalties=queries.member_history(member)["penalties"], token=token)


def _file_appeal(member, case_id, back_url):
    case = db.get_or_404(Case, case_id)
    form = AppealForm()
    if not form.validate_on_submit():
        flash(_("Write your appeal first."), "error")
        return redirect(back_url)
    return _run(lambda: services.file_appeal(member, case, form.text.data),
                _("Your appeal is filed. You will be told the outcome."), back_url)


@bp.route("/account/moderation")
def my_record():
    """The member's own moderation record, with the appeal forms."""
    return _record_page(current_user)


@bp.route("/account/appeals/<id:case_id>", methods=["POST"])
def appeal(case_id):
    """Appeal once against a decision."""
    return _file_appeal(current_user, case_id, url_for(".my_record"))


@bp.route("/account/record/<token>", methods=["GET", "POST"])
def record_with_token(token):
    """The record and appeal forms for a suspended or dismissed member, by the link given at sign-in."""
    member = member_from_record_token(token)
    if member is None:
        abort(404)
    if request.method == "POST":
        return _file_appeal(member, int_arg("case_id", 0, request.form),
                            url_for(".record_with_token", token=token))
    return _record_page(member, token)


@bp.route("/moderation/appeals")
def appeals():
    """Appeals awaiting a decision."""
    _require_moderator()
    return render_template("moderation/appeals.html", appeals=queries.pending_appeals(current_user, page_arg()),
                           form=DecisionForm())


@bp.route("/moderation/appeals/<id:appeal_id>/<any(grant, uphold):decision>", methods=["POST"])
def decide_appeal(appeal_id, decision):
    """Grant or uphold an appeal."""
    appeal = db.get_or_404(Appeal, appeal_id)
    return _with_reason(lambda reason: services.decide_appeal(current_user, appeal, decision == "grant", reason),
                        _("The appeal is decided; the member is told."), url_for(".appeals"))


# --- record ----------------------------------------------------------------------------------

@bp.route("/moderation/log")
def log():
    """The audit log of every moderation action."""
    _require_moderator()
    args = request.args
    entries = queries.audit_log(current_user, args.get("action"), args.get("actor"), args.get("member"),
                                args.get("rule"), page_arg())
    return render_template("moderation/log.html", entries=entries, args=args)


@bp.route("/moderation/stats")
def stats():
    """The transparency report: cases by rule, academy and outcome; time to a decision."""
    permissions.require(permissions.is_admin(current_user))
    return render_template("moderation/stats.html", stats=queries.statistics())


@bp.route("/moderation/removal-messages")
def removal_messages():
    """The prepared removal messages, per rule and language."""
    permissions.require(permissions.is_admin(current_user))
    return render_template("moderation/removal_messages.html", enabled=current_app.config["LANGUAGES"],
                           message=removal_message)


@bp.route("/moderation/removal-messages/<rule>/<language>", methods=["GET", "POST"])
def edit_removal_message(rule, language):
    """Edit the prepared removal message for one rule in one language."""
    permissions.require(permissions.is_admin(current_user))
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    form = RemovalMessageForm()
    if request.method == "GET":
        form.text.data = removal_message(rule, language)
    elif form.validate_on_submit():
        return _run(lambda: services.save_removal_message(current_user, rule, language, form.text.data),
                    _("The message is saved."), url_for(".removal_messages"))
    return render_template("moderation/removal_message.html", form=form, rule=rule, language=language)
