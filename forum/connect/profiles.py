"""Alumni profiles: the directory, reading any member's, editing one's own, changing the password."""
import json

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from forum import params
from forum.accounts import personal_data
from forum.accounts import services as account_services
from forum.connect import directory as alumni
from forum.discussions import services
from forum.extensions import db
from forum.forms import DeleteAccountForm, PasswordForm, ProfileForm
from forum.messages import services as messages
from forum.models import User

bp = Blueprint("profiles", __name__)


ACTIVITY_PER_PAGE = 20


@bp.route("/u/<username>")
def profile(username):
    """A member's profile within the portal, with the threads they started or their posts."""
    member = db.first_or_404(db.select(User).where(User.username == username.lower()))
    show = "posts" if request.args.get("show") == "posts" else "threads"
    activity = None
    if member.status not in ("dismissed", "deleted"):
        # A former member's profile lists nothing: their activity is not gathered in one place any more.
        activity = services.member_activity(current_user, member, params.page_arg(), ACTIVITY_PER_PAGE,
                                            threads_only=show == "threads")
    return render_template("profiles/profile.html", member=member, show=show, activity=activity,
                           blocked=member.id in messages.blocked_ids(current_user))


@bp.route("/directory")
def directory():
    """The alumni directory: members by name, academy, class year, country and agency."""
    filters = alumni.filters_from(request.args)
    return render_template("profiles/directory.html", filters=filters,
                           members=alumni.page_of(filters, params.page_arg()), countries=alumni.countries())


@bp.route("/members/complete")
def complete():
    """The composer's "@" suggestions as JSON: [{"username", "name"}] (static/js/portal.js)."""
    found = [{"username": username, "name": name} for username, name in alumni.completions(request.args.get("q", "")[:40])]
    response = jsonify(found)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.route("/account/profile", methods=["GET", "POST"])
def edit_profile():
    """Edit one's own profile."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.bio.data = current_user.bio_source
    if form.validate_on_submit():
        account_services.update_profile(current_user, form.data)
        refresh()  # the confirmation speaks the language just chosen
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("profiles.profile", username=current_user.username))
    return render_template("profiles/edit.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's password; every other session of the member ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        if account_services.change_password(current_user, form.current_password.data, form.new_password.data):
            # The token rotated: sign this browser in again with the new one so it stays signed in.
            remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("profiles.profile", username=current_user.username))
        form.current_password.errors.append(_("The current password is not correct."))
    return render_template("profiles/password.html", form=form)


@bp.route("/account/data")
def my_data():
    """Download one's data, or delete one's account."""
    return render_template("profiles/data.html", form=DeleteAccountForm())


@bp.route("/account/data.json")
def export_data():
    """Everything the portal holds about the member, as a JSON file."""
    body = json.dumps(personal_data.export(current_user), ensure_ascii=False, indent=2)
    return current_app.response_class(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="ilea-portal-{current_user.username}.json"'})


@bp.route("/account/delete", methods=["POST"])
def delete_account():
    """Delete one's account after confirming with the password (when the member has one)."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if current_user.password_hash and not account_services.password_matches(current_user, form.password.data or ""):
            form.password.errors.append(_("The password is not correct."))
        elif not personal_data.delete_account(current_user):
            flash(_("You are the portal's only administrator: appoint another one before deleting your account."),
                  "error")
        else:
            current_app.logger.info("account %s deleted at the member's request", current_user.id)
            logout_user()
            session.clear()
            flash(_("Your account is deleted. Your posts remain under \"Former member\"."), "info")
            return redirect(url_for("auth.login"))
    return render_template("profiles/data.html", form=form), 200
