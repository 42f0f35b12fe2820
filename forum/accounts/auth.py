"""Signing in and out, the Code of Conduct, and the public contact form."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from forum import conduct as code_of_conduct
from forum import params
from forum.accounts import ign, invitations, passwords, services
from forum.extensions import limiter
from forum.forms import AcceptConductForm, ContactForm, LoginForm, NewPasswordForm, ResetRequestForm
from forum.i18n import current_language, member_locale

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
            record_url = _refuse_inactive(user, "password")
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


def _refuse_inactive(user, method):
    """Refuse a suspended, dismissed or deleted member who proved who they are; returns the link
    to the decisions about them."""
    services.record_login_attempt(user, method, "refused")
    current_app.logger.warning("login refused (%s, %s) for %s from %s", user.status, method, user.username,
                               request.remote_addr)
    if user.is_suspended and not user.is_dismissed:
        flash(_("This account is suspended until %(date)s.",
                date=format_datetime(user.suspended_until, "medium")), "error")
    else:
        flash(_("This account is not active. Contact the portal administrators."), "error")
    # Their password (or their IGN account) was right: let them read the decision and appeal it.
    return url_for("moderation.record_with_token", token=services.record_token(user))


@bp.route("/login/ign", methods=["POST"])
def ign_login():
    """Sign in with the ILEA Global Network: off to its sign-in page, back at ign_callback."""
    if not ign.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(safe_next())
    session["ign_next"] = safe_next()
    # Coming from an invitation page: a matching sign-in spends the invitation.
    found, problem = invitations.find(request.form.get("invitation", ""))
    session["ign_invitation"] = found.id if found is not None and problem is None else None
    try:
        return ign.authorization_redirect()
    except ign.PROVIDER_ERRORS as error:
        return _ign_failed(error)


@bp.route("/login/ign/callback")
def ign_callback():
    """The ILEA Global Network sends the member back: sign in the member its ID token names."""
    if not ign.enabled():
        abort(404)
    target, invitation_id = session.pop("ign_next", None), session.pop("ign_invitation", None)
    try:
        claims = ign.verified_claims()
    except ign.PROVIDER_ERRORS as error:
        return _ign_failed(error)
    member = ign.member_for(claims)
    if member is None:
        current_app.logger.warning("IGN sign-in refused: no member for %s (%s, verified: %s) from %s", claims["sub"],
                                   claims.get("email"), claims.get("email_verified"), request.remote_addr)
        if claims.get("email_verified") is True:
            message = _("No member of the portal has the e-mail address %(email)s.", email=claims.get("email"))
        else:
            message = _("The ILEA Global Network has not verified the e-mail address of your account, "
                        "so the portal cannot tell which member you are.")
        flash(Markup('{} <a href="{}">{}</a>').format(message, url_for("auth.contact"), _("Contact us")), "error")
        return redirect(url_for("auth.login"))
    if not member.is_active:
        record_url = _refuse_inactive(member, "ign")
        flash(Markup('<a href="{}">{}</a>').format(record_url, _("Read the decision about your account and appeal it")),
              "info")
        return redirect(url_for("auth.login"))
    chosen_language = session.get("language")
    session.clear()  # a fresh session (and CSRF token), as at every sign-in
    login_user(member)
    ign.sign_in(member, claims, chosen_language, invitation_id)
    current_app.logger.info("login through IGN succeeded for %s from %s", member.username, request.remote_addr)
    return redirect(target or url_for("forum.index"))


def _ign_failed(error):
    current_app.logger.warning("IGN sign-in failed from %s: %s: %s", request.remote_addr, type(error).__name__, error)
    if getattr(error, "error", None) == "access_denied":
        flash(_("Signing in with the ILEA Global Network was cancelled."), "info")
    else:
        flash(_("Signing in with the ILEA Global Network did not work. Please try again later."), "error")
    return redirect(url_for("auth.login"))


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
        return _one_time_link_page(
            "auth/invitation.html", INVITATION_PROBLEMS, problem, found.user,
            set_password=lambda password: invitations.accept(found, password), method="invitation",
            welcome=lambda member: _("Welcome, %(name)s. Your password is set.", name=member.display_name),
            target="auth.conduct")


def _reset_email_key():
    return f"password-reset:{request.form.get('email', '').strip().lower()}"


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_reset_email_key)  # no mail-bombing a member
def reset_request():
    """Ask for a password reset link by e-mail; with IGN, passwords are reset in the IGN application."""
    if ign.enabled():
        return redirect(current_app.config["IGN_URL"])
    form = ResetRequestForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data)
        current_app.logger.info("password reset asked for %r from %s", form.email.data, request.remote_addr)
        flash(_("If an account uses this address, a link to choose a new password is on its way. "
                "It works for %(hours)d hours.", hours=current_app.config["PASSWORD_RESET_HOURS"]), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


RESET_PROBLEMS = {
    "used": _l("This link has already been used: the password was changed since it was sent. "
               "Ask for a new link if you need one."),
    "expired": _l("This link has expired. Ask for a new one."),
}


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password with the link from the reset mail; the member is then signed in."""
    member, problem = passwords.find(token)
    if problem == "invalid":
        abort(404)
    with member_locale(member):  # the page speaks the member's language, like the mail
        return _one_time_link_page(
            "auth/reset_password.html", RESET_PROBLEMS, problem, member,
            set_password=lambda password: member if passwords.reset(member, password) else None,
            method="reset", welcome=lambda member: _("Your password is changed. Other devices have been signed out."),
            target="forum.index")


def _one_time_link_page(template, problems, problem, member, set_password, method, welcome, target):
    """The page behind a one-time link (invitation, password reset): refused with 410 once spent or
    expired; else the new-password form, which signs the member in with a fresh session."""
    def refused(problem):
        return render_template(template, problem=problems[problem], form=None), 410

    if problem:
        return refused(problem)
    form = NewPasswordForm()
    if form.validate_on_submit():
        member = set_password(form.new_password.data)
        if member is None:  # spent meanwhile: two tabs submitting at once
            return refused("used")
        session.clear()  # a fresh session, as at sign-in
        login_user(member)
        services.record_login(member, method)
        current_app.logger.info("%s link used by %s from %s", method, member.username, request.remote_addr)
        flash(welcome(member), "success")
        return redirect(url_for(target))
    return render_template(template, form=form, member=member, problem=None)


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
    version = code_of_conduct.current_conduct()
    form = AcceptConductForm(version=version.number if version else "")
    accepted = current_user.is_authenticated and code_of_conduct.has_accepted_current_conduct(current_user)
    return render_template("auth/conduct.html", version=version, form=form, accepted=accepted,
                           next=safe_next())


@bp.route("/conduct/accept", methods=["POST"])
@login_required
def accept_conduct():
    """Record the member's acceptance of the version shown to them."""
    form = AcceptConductForm()
    if form.validate_on_submit() and code_of_conduct.accept_conduct(current_user, params.to_int(form.version.data)):
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
