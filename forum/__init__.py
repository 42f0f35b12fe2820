"""The forum: threads, posts, members and accounts, and what sits below every domain of the portal
(the database, mail and notifications, the audit log). `init_app` binds it to the app that the
composition root (wsgi.create_app) builds; domains built on the forum, such as moderation, add to it
through forum.hooks and forum.notifications.kinds, never the reverse.
"""
from pathlib import Path

from flask import current_app, g, render_template, request
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from forum import cache, i18n, params
from forum.accounts import ign
from forum.extensions import add_tasks, babel, celery_init_app, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

# Reachable without signing in: the portal is closed to everything else.
# (Domains add theirs to app.extensions["public_endpoints"].)
PUBLIC_ENDPOINTS = {"auth.login", "auth.contact", "auth.conduct", "auth.choose_language", "auth.invitation", "static",
                    "auth.reset_request", "auth.reset_password", "auth.ign_login", "auth.ign_callback"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'{ign}; frame-ancestors 'none'"
)


def init_app(app):
    """Bind the extensions, the forum's pages, tasks and commands to the app (configured already)."""
    if app.config["PROXY_FIX_COUNT"]:
        n = app.config["PROXY_FIX_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    app.before_request(_upload_limits)  # before CSRFProtect reads the form
    db.init_app(app)
    from forum.connect.search import include_object  # leaves SQLite's full-text tables out of autogenerate
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     include_object=include_object)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_template_gettext(app)
    celery_init_app(app)
    cache.init_app(app)
    add_tasks(app, "forum.notifications.outbox", {"sweep_outbox": app.config["MAIL_SWEEP_EVERY_SECONDS"]})
    add_tasks(app, "forum.tasks", {"send_watch_digests": 60.0, "send_message_digests": 60.0, "flush_thread_views": 60.0})
    _init_login(app)

    app.url_map.converters["id"] = params.IdConverter  # before the blueprints' routes name it
    from forum import admin, cli
    from forum.accounts import auth
    from forum.connect import profiles, resources
    from forum.discussions import views
    from forum.messages import views as message_views
    from forum.notifications import views as notification_views
    for blueprint in (auth.bp, views.bp, profiles.bp, admin.bp, resources.bp, notification_views.bp, message_views.bp):
        app.register_blueprint(blueprint)
    cli.register(app)

    app.extensions["public_endpoints"] = set(PUBLIC_ENDPOINTS)
    app.before_request(_require_login)
    app.after_request(_security_headers)
    _register_error_pages(app)
    _register_template_helpers(app)


def _init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # A session cookie replayed from another address or browser is emptied, remember-me included.
    login_manager.session_protection = "strong"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_token):
        # Suspended or dismissed members, and rotated tokens, no longer load: the request is anonymous.
        user = cache.signed_in_member(session_token)
        return user if user is not None and user.is_active else None


def _require_login():
    if request.endpoint in current_app.extensions["public_endpoints"] or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def _upload_limits():
    # Forms are small (MAX_CONTENT_LENGTH); an academy roster and a library resource are the large uploads.
    if request.endpoint == "admin.roster":
        request.max_content_length = current_app.config["ROSTER_MAX_BYTES"]
    elif request.endpoint in ("resources.new_resource", "resources.edit_resource"):
        # The file plus the form's fields: a little room above the file limit itself.
        request.max_content_length = current_app.config["RESOURCE_MAX_BYTES"] + 64 * 1024


def _security_headers(response):
    # The IGN sign-in form redirects to the provider, and form-action governs that redirect too.
    ign_origin = " " + ign.provider_origin() if ign.enabled() else ""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(ign=ign_origin))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        # Served over HTTPS (the production default): browsers must never fall back to HTTP.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user.is_authenticated:
        # Member pages hold closed-network content: keep them out of shared caches.
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _register_error_pages(app):
    def render_error(error):
        code = getattr(error, "code", 500)
        if code in (400, 403, 429):
            # Denied requests are logged with who and where, for the security record.
            app.logger.warning("%s %s %s by %s from %s: %s", code, request.method, request.path,
                               getattr(current_user, "username", "anonymous"), request.remote_addr,
                               getattr(error, "description", ""))
        return render_template(f"errors/{code}.html"), code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)


def _register_template_helpers(app):
    from forum import permissions
    from forum.conduct import accepted_shown
    from forum.discussions import fragments
    from forum.models import ACADEMIES, LANGUAGES, THREAD_KINDS

    def conduct_accepted():
        if "conduct_accepted" not in g:
            g.conduct_accepted = current_user.is_authenticated and accepted_shown(current_user)
        return g.conduct_accepted

    app.jinja_env.globals.update(
        can=permissions, academies=ACADEMIES, thread_kinds=THREAD_KINDS, languages=LANGUAGES,
        conduct_accepted=conduct_accepted, format_datetime=i18n.format_datetime, time_tag=i18n.time_tag,
        format_number=format_decimal, html_lang=i18n.html_lang, current_language=i18n.current_language,
        ign_enabled=ign.enabled, fragments=fragments, slot=cache.slot, personal=cache.personal,
    )
