"""Alumni profiles: reading any member's, editing one's own, changing the password."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, refresh
from flask_login import current_user, login_user

from . import services
from .extensions import db
from .forms import PasswordForm, ProfileForm
from .models import User

bp = Blueprint("profiles", __name__)


@bp.route("/u/<username>")
def profile(username):
    """A member's public profile within the portal."""
    member = db.first_or_404(db.select(User).where(User.username == username.lower()))
    return render_template("profiles/profile.html", member=member,
                           threads=services.recent_threads_by(current_user, member))


@bp.route("/account/profile", methods=["GET", "POST"])
def edit_profile():
    """Edit one's own profile."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.bio.data = current_user.bio_source
    if form.validate_on_submit():
        services.update_profile(current_user, form.data)
        refresh()  # the confirmation speaks the language just chosen
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("profiles.profile", username=current_user.username))
    return render_template("profiles/edit.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's password; every other session of the member ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        if services.change_password(current_user, form.current_password.data, form.new_password.data):
            # The token rotated: sign this browser in again with the new one so it stays signed in.
            remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("profiles.profile", username=current_user.username))
        form.current_password.errors.append(_("The current password is not correct."))
    return render_template("profiles/password.html", form=form)
