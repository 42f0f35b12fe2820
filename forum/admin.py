"""Administration: members, the alumni roster, categories, account requests, the Code of Conduct."""
import re
import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from forum import conduct as code_of_conduct
from forum import params, permissions
from forum.accounts import invitations, members
from forum.accounts import services as account_services
from forum.accounts.roster import import_roster
from forum.discussions import services
from forum.extensions import db
from forum.forms import CategoryForm, ConductForm, InviteForm, MemberRoleForm, RosterForm
from forum.models import AccountRequest, Category, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin():
    permissions.require(permissions.is_admin(current_user))


@bp.route("/")
def dashboard():
    """The administrators' overview."""
    return render_template("admin/dashboard.html", stats=services.portal_statistics())


@bp.route("/invitations", methods=["GET", "POST"])
def invite():
    """Invite imported alumni: one member, or everyone matching a filter who was not invited yet."""
    form = InviteForm()
    if form.validate_on_submit():
        if form.member.data:
            member = account_services.find_member(form.member.data)
            if member is None:
                form.member.errors.append(_("No member has this username or e-mail address."))
                return render_template("admin/invitations.html", form=form, invitation_counts=invitations.counts())
            members = [member]
        else:
            members = invitations.matching(form.academy.data, form.graduation_year.data, not form.resend.data)
        sent = invitations.invite(current_user, members, resend=form.resend.data)
        flash(ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.", sent)
              if sent else _("Nobody to invite: they are all invited already (tick “Invite again” to resend)."),
              "success" if sent else "info")
        return redirect(url_for("admin.invite"))
    return render_template("admin/invitations.html", form=form, invitation_counts=invitations.counts())


@bp.route("/roster", methods=["GET", "POST"])
def roster():
    """Import an academy roster; the rejected rows can be downloaded, corrected and imported again."""
    form, result, report = RosterForm(), None, None
    if form.validate_on_submit():
        try:
            text = form.roster.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.roster.errors.append(_("The roster must be saved as UTF-8 text."))
        else:
            result = import_roster(text)
            if result.errors:
                report = _save_report(result.error_report())
    return render_template("admin/roster.html", form=form, result=result, report=report)


def _report_dir():
    return Path(current_app.config["ROSTER_REPORT_DIR"])


def _save_report(text):
    name = secrets.token_urlsafe(18)
    _report_dir().mkdir(parents=True, exist_ok=True)
    (_report_dir() / f"{name}.csv").write_text(text, encoding="utf-8")
    return name


@bp.route("/roster/reports/<name>.csv")
def roster_report(name):
    """A rejected-rows report, as a CSV download (admins only, like the whole blueprint)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{24}", name):
        abort(404)
    return send_from_directory(_report_dir(), f"{name}.csv", mimetype="text/csv", as_attachment=True,
                               download_name="roster-errors.csv")


@bp.route("/categories")
def categories():
    """All categories in display order, archived ones included."""
    return render_template("admin/categories.html", categories=services.visible_categories(current_user))


def _slug_taken(form, category):
    existing = db.session.scalar(db.select(Category.id).where(Category.slug == form.slug.data))
    if existing is not None and (category is None or existing != category.id):
        form.slug.errors.append(_("Another category already uses this address."))
        return True
    return False


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<id:category_id>/edit", methods=["GET", "POST"])
def edit_category(category_id):
    """Create a category or rename and describe an existing one."""
    category = db.get_or_404(Category, category_id) if category_id else None
    form = CategoryForm(obj=category)
    if request.method == "GET" and category is not None:
        form.moderators.data = ", ".join(u.username for u in services.category_moderators(category))
    if form.validate_on_submit() and not _slug_taken(form, category):
        moderators, unknown = services.parse_moderators(form.moderators.data)
        if unknown:
            form.moderators.errors.append(_("Not moderators: %(names)s", names=", ".join(unknown)))
        else:
            services.save_category(current_user, category, form.data, moderators)
            flash(_("The category is saved."), "success")
            return redirect(url_for("admin.categories"))
    return render_template("admin/category_form.html", form=form, category=category)


@bp.route("/categories/<id:category_id>/<any(up, down):direction>", methods=["POST"])
def move_category(category_id, direction):
    """Move a category one place up or down."""
    services.move_category(current_user, db.get_or_404(Category, category_id), -1 if direction == "up" else 1)
    return redirect(url_for("admin.categories"))


@bp.route("/categories/<id:category_id>/<any(archive, restore):action>", methods=["POST"])
def archive_category(category_id, action):
    """Archive a category (read-only, hidden) or restore it."""
    category = db.get_or_404(Category, category_id)
    services.set_category_archived(current_user, category, action == "archive")
    flash(_("The category is archived.") if action == "archive" else _("The category is restored."), "success")
    return redirect(url_for("admin.categories"))


@bp.route("/requests")
def account_requests():
    """Account requests filed from the contact form, newest first."""
    requests = db.paginate(db.select(AccountRequest).options(db.joinedload(AccountRequest.member),
                                                             db.joinedload(AccountRequest.decided_by))
                           .order_by(AccountRequest.created_at.desc()), page=params.page_arg(), per_page=50,
                           error_out=False)
    return render_template("admin/requests.html", requests=requests)


def _open_request_or_404(request_id):
    item = db.get_or_404(AccountRequest, request_id)
    if item.status != "open":
        flash(_("This request was already decided."), "info")
        return None
    return item


@bp.route("/requests/<id:request_id>/approve", methods=["POST"])
def approve_request(request_id):
    """Create the member and send the invitation, or point to the member who has this e-mail."""
    item = _open_request_or_404(request_id)
    if item is not None:
        member, created = invitations.approve_request(current_user, item)
        flash(_("%(name)s is a member now; the invitation is on its way.", name=member.display_name) if created
              else _("This e-mail address already belongs to %(name)s: no account was created.",
                     name=member.display_name), "success" if created else "info")
    return redirect(url_for("admin.account_requests"))


@bp.route("/requests/<id:request_id>/reject", methods=["POST"])
def reject_request(request_id):
    """Refuse a request; the requester is told the reason by e-mail."""
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash(_("Give the reason the requester will read."), "error")
        return redirect(url_for("admin.account_requests"))
    item = _open_request_or_404(request_id)
    if item is not None:
        invitations.reject_request(current_user, item, reason[:2000])
        flash(_("The request is rejected; the requester is told why."), "success")
    return redirect(url_for("admin.account_requests"))


@bp.route("/conduct", methods=["GET", "POST"])
def conduct():
    """Publish a new version of the Code of Conduct; members are asked to accept it again."""
    current = code_of_conduct.current_conduct()
    if current is None:
        abort(404)
    form = ConductForm(obj=current)  # prefilled with the version in force, rules included
    if form.validate_on_submit() and len(form.rules) == len(current.rules):
        wording = [(entry.title.data, entry.text.data) for entry in form.rules]
        version = code_of_conduct.publish_conduct(current_user, form.title.data, form.introduction.data,
                                           form.closing.data, wording)
        flash(_("Version %(number)s of the Code of Conduct is published.", number=version.number), "success")
        return redirect(url_for("auth.conduct"))
    return render_template("admin/conduct.html", form=form, current=current)


# --- members -----------------------------------------------------------------------------------

@bp.route("/members")
def members_list():
    """Find members by name, e-mail, academy, year, country, role, status or invitation."""
    filters = members.filters_from(request.args)
    return render_template("admin/members.html", members=members.page_of(filters, params.page_arg()),
                           filters=filters, countries=members.countries(), **members.vocabulary())


@bp.route("/members.csv")
def members_csv():
    """The members matching the filter as a roster CSV, which the roster import takes back."""
    return Response(members.export_csv(members.filters_from(request.args)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=members.csv"})


BULK_DONE = {
    "invite": lambda count: ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.",
                                     count),
    "sign_out": lambda count: ngettext("%(num)d member is signed out everywhere.",
                                       "%(num)d members are signed out everywhere.", count),
}


@bp.route("/members/bulk", methods=["POST"])
def members_bulk():
    """A bulk action on every member the filter matches: first the count to confirm, then the action."""
    filters = members.filters_from(request.form)
    action = request.form.get("action")
    if action not in members.BULK_ACTIONS:
        abort(400)
    count = members.bulk_count(current_user, action, filters)
    if count == 0:
        flash(_("Nobody to invite: the matching members have all been invited or have a password already.")
              if action == "invite" else _("No member matches this filter."), "info")
        return redirect(url_for("admin.members_list", **filters))
    confirmed = params.int_arg("confirmed", source=request.form)
    if confirmed != count:  # not confirmed yet, or the filter's members changed since
        return render_template("admin/members_bulk.html", action=action, count=count, filters=filters,
                               changed=confirmed is not None, **members.vocabulary())
    done = members.bulk_invite(current_user, filters) if action == "invite" \
        else members.bulk_sign_out(current_user, filters)
    flash(BULK_DONE[action](done), "success")
    return redirect(url_for("admin.members_list", **filters))


def _role_form(member, categories):
    form = MemberRoleForm()
    form.categories.choices = [(category.id, _(category.name)) for category in categories]
    if request.method == "GET":
        form.role.data, form.categories.data = member.role, sorted(member.moderated_category_ids)
    return form


@bp.route("/members/<id:member_id>")
def member(member_id):
    """A member: profile, invitation, activity, moderation history, login history, role."""
    member = db.get_or_404(User, member_id)
    data = members.member_page(member)
    return render_template("admin/member.html", member=member, form=_role_form(member, data["categories"]),
                           browser=members.browser_summary, **members.vocabulary(), **data)


def _run(operation, success_message, member):
    try:
        done = operation()
    except members.MemberAdminError as error:
        flash(error.message, "error")
    else:
        changed = done is not False
        flash(success_message if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for("admin.member", member_id=member.id))


@bp.route("/members/<id:member_id>/role", methods=["POST"])
def change_role(member_id):
    """Give the member a role (moderators: category scopes); recorded in the audit log."""
    member = db.get_or_404(User, member_id)
    form = MemberRoleForm()  # members.change_role checks the categories
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(url_for("admin.member", member_id=member.id))
    response = _run(lambda: members.change_role(current_user, member, form.role.data, form.categories.data or (),
                                                form.note.data or ""),
                    _("The role of %(name)s is changed.", name=member.display_name), member)
    if not permissions.is_admin(current_user):  # the admin gave up their own role: nothing here to see
        return redirect(url_for("forum.index"))
    return response


@bp.route("/members/<id:member_id>/sign-out", methods=["POST"])
def sign_out_member(member_id):
    """End every session of the member, remember-me cookies included."""
    member = db.get_or_404(User, member_id)
    return _run(lambda: members.sign_out(current_user, member),
                _("%(name)s is signed out everywhere.", name=member.display_name), member)


@bp.route("/members/<id:member_id>/invite", methods=["POST"])
def invite_member(member_id):
    """Send the member an invitation, or a new one."""
    member = db.get_or_404(User, member_id)
    return _run(lambda: members.invite_member(current_user, member),
                _("The invitation is on its way to %(email)s.", email=member.email), member)
