"""Signing in and out, the Code of Conduct, and the public contact form."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from . import invitations, services
from .i18n import current_language, member_locale
from .extensions import limiter
from .forms import AcceptConductForm, ContactForm, LoginForm, NewPasswordForm

bp = Blueprint("auth", __name__)
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def safe_next(default_endpoint="forum.index"):
    """The `next` target if it is a path on this site, else the default page."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    local = target.startswith("/") and not target.startswith("//") and not parts.scheme \
        and not parts.netloc and "\\" not in target
    # Control characters would either smuggle a host past urlsplit or break the Location header.
    if local and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return target
    return url_for(default_endpoint)


def _login_account_key():
    # Keyed on the account, so its username and its e-mail share one allowance.
    login = request.form.get("login", "")
    user = services.find_member(login)
    return f"login-account:{user.id if user else login.strip().lower()}"


def _failed_login(response):
    # A successful sign-in redirects; only the failures count towards the limit.
    return response.status_code != 302


def _login_limit():
    return current_app.config["LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_account_key, deduct_when=_failed_login)
def login():
    """Sign in with username or e-mail and password."""
    if current_user.is_authenticated:
        return redirect(safe_next())
    form = LoginForm()
    record_url = None
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            known = services.find_member(form.login.data)
            if known is not None:
                services.record_login_attempt(known, "password", "failed")
            current_app.logger.warning("login failed for %r from %s", form.login.data, request.remote_addr)
            flash(_("The username, e-mail or password is not correct."), "error")
        elif not user.is_active:
            services.record_login_attempt(user, "password", "refused")
            current_app.logger.warning("login refused (%s) for %s from %s", user.status, user.username,
                                       request.remote_addr)
            if user.is_suspended and not user.is_dismissed:
                flash(_("This account is suspended until %(date)s.",
                        date=format_datetime(user.suspended_until, "medium")), "error")
            else:
                flash(_("This account is not active. Contact the portal administrators."), "error")
            # The password was right: let them read the decision and appeal it.
            record_url = url_for("moderation.record_with_token", token=services.record_token(user))
        else:
            target = safe_next()
            # The language picked with the switcher before signing in becomes the member's own.
            chosen_language = session.get("language")
            # A fresh session (and CSRF token) on sign-in: nothing planted before survives it.
            session.clear()
            login_user(user, remember=form.remember.data)
            services.record_login(user, "password", chosen_language)
            current_app.logger.info("login succeeded for %s from %s", user.username, request.remote_addr)
            return redirect(target)
    return render_template("auth/login.html", form=form, ign_url=current_app.config["IGN_URL"],
                           record_url=record_url)


INVITATION_PROBLEMS = {
    "used": _l("This invitation link has already been used. Sign in with your password, or ask for a new invitation."),
    "expired": _l("This invitation link has expired. Ask the portal administrators for a new one."),
}


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token):
    """An invited alumnus sets a password with the one-time link from the invitation mail."""
    found, problem = invitations.find(token)
    if problem == "invalid":
        abort(404)
    with member_locale(found.user):  # the page speaks the invited member's language, like the mail
        return _invitation_page(found, problem)


def _invitation_page(found, problem):
    def refused(problem):
        return render_template("auth/invitation.html", problem=INVITATION_PROBLEMS[problem], form=None), 410

    if problem:
        return refused(problem)
    form = NewPasswordForm()
    if form.validate_on_submit():
        member = invitations.accept(found, form.new_password.data)
        if member is None:
            return refused("used")
        session.clear()  # a fresh session for the new member, as at sign-in
        login_user(member)
        services.record_login(member, "invitation")
        current_app.logger.info("invitation accepted by %s from %s", member.username, request.remote_addr)
        flash(_("Welcome, %(name)s. Your password is set.", name=member.display_name), "success")
        return redirect(url_for("auth.conduct"))
    return render_template("auth/invitation.html", form=form, member=found.user, problem=None)


@bp.route("/language", methods=["POST"])
def choose_language():
    """The language switcher on every page: remembered in a cookie, and in a member's profile."""
    language = request.form.get("language")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        services.set_preferred_language(current_user, language)
    else:
        session["language"] = language  # made the member's own if they sign in next
    response = redirect(safe_next())
    response.set_cookie("lang", language, max_age=LANGUAGE_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out everywhere: the member's session token is rotated."""
    services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/conduct")
def conduct():
    """The Code of Conduct in force, with an accept button for members who have not yet."""
    version = services.current_conduct()
    form = AcceptConductForm(version=version.number if version else "")
    accepted = current_user.is_authenticated and services.has_accepted_current_conduct(current_user)
    return render_template("auth/conduct.html", version=version, form=form, accepted=accepted,
                           next=safe_next())


@bp.route("/conduct/accept", methods=["POST"])
@login_required
def accept_conduct():
    """Record the member's acceptance of the version shown to them."""
    form = AcceptConductForm()
    if form.validate_on_submit() and form.version.data.isdigit() \
            and services.accept_conduct(current_user, int(form.version.data)):
        flash(_("Thank you. You have accepted the Code of Conduct."), "success")
        return redirect(safe_next())
    flash(_("The Code of Conduct has changed since you opened it. Please read it again."), "error")
    return redirect(url_for("auth.conduct", next=safe_next()))


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def contact():
    """Ask for an account, or for help with a forgotten username."""
    form = ContactForm()
    if form.validate_on_submit():
        services.file_account_request(form.name.data, form.email.data, form.academy.data,
                                      form.graduation_year.data, form.message.data, current_language())
        flash(_("Thank you. The portal team will reply to you by e-mail."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/contact.html", form=form)
