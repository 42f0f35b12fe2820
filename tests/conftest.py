"""Fixtures: an app on a migrated database (SQLite, and PostgreSQL when configured), clients, members.

Every test runs once per database backend. CSRF protection stays on: the test client fetches
a real token from a form page before each POST, as a browser would.
"""
import contextvars
import html
import os
import re
import tempfile
from contextlib import contextmanager

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from forum import create_app
from forum.extensions import db
from forum.models import Category, ConductAcceptance, Post, User
from forum.seed import seed_portal
from forum.services import create_thread, current_conduct, hash_password

# Shared fixtures: mail and real processes (mailbox, redis_server, worker...), the access world, the IGN's
# OpenID provider.
pytest_plugins = ["tests.mail_fixtures", "tests.access", "tests.ign_fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct horse battery staple"
HOST = "portal.test"  # SERVER_NAME in the test configuration: cookies live on this host
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose


def unavailable(reason):
    """Skip a test needing a missing service; under CI a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def _postgres_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        unavailable("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        unavailable(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error.orig}")
    finally:
        engine.dispose()
    return url


_MAIL_DIR = tempfile.mkdtemp(prefix="portal-test-mail-")


def portal_config(url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "RATELIMIT_STORAGE_URI": "memory://",
        "CELERY_BROKER_URL": "",
        "MAIL_SERVER": "",
        "MAIL_FILE_DIR": _MAIL_DIR,  # in-process mails as files, outside the project
        "ROSTER_REPORT_DIR": os.path.join(_MAIL_DIR, "roster-reports"),
        "UPLOAD_DIR": os.path.join(_MAIL_DIR, "uploads"),  # the resource library's files
        "SERVER_NAME": HOST,
    }


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A database migrated from scratch by the project's Alembic migrations."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _postgres_url()
    app = create_app(portal_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


class CsrfClient(FlaskClient):
    """A test client that sends the session's CSRF token with every form POST, like a browser.

    Each request runs in a fresh context: its own `g` and database session, as in production,
    not the app context the test holds open. Afterwards the test's session is expired so it
    reads what the request committed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response

    def post(self, *args, csrf=True, **kwargs):
        data = kwargs.get("data")
        if csrf and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)

    def csrf_token(self):
        page = self.get("/contact").get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def app(database_url):
    app = create_app(portal_config(database_url))
    app.test_client_class = CsrfClient
    with app.app_context():
        seed_portal()
        yield app
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create a member; by default they have accepted the Code of Conduct in force."""
    def make(username="alice", role="member", accepted=True, **fields):
        user = User(username=username, email=fields.pop("email", f"{username}@example.org"), role=role,
                    display_name=fields.pop("display_name", username.title()),
                    password_hash=fields.pop("password_hash", _PASSWORD_HASH), **fields)
        db.session.add(user)
        db.session.flush()
        if accepted:
            db.session.add(ConductAcceptance(user_id=user.id, version_id=current_conduct().id))
        db.session.commit()
        return user
    return make


def login(client, user_or_name, password=PASSWORD, **extra):
    name = getattr(user_or_name, "username", user_or_name)
    response = client.post("/login", data={"login": name, "password": password, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def signed_in(app, user_or_name, **extra):
    """A new test client (a browser of its own) signed in as the user; `extra` goes to `login`."""
    client = app.test_client()
    login(client, user_or_name, **extra)
    return client


def is_signed_in(client):
    return client.get("/").status_code == 200


def page_text(response):
    return response.get_data(as_text=True)


def unescaped_page_text(response):
    """The page's text with HTML character references decoded (&#39; and &amp; read as ' and &)."""
    return html.unescape(page_text(response))


def translated(language, text, **variables):
    """`text` as the catalog says it in `language` (inside an app context)."""
    with force_locale(language):
        return gettext(text, **variables)


def category(slug="general"):
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


def user_named(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def count_rows(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def start_thread(author, title="Field notes", body="words", slug="general"):
    """Start a discussion thread through the forum's services and return its opening post."""
    thread = create_thread(author, category(slug), title, "discussion", body)
    return db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def nav_open_cases(page):
    """The open-case count in the navigation's Moderation link, or None without the link."""
    link = re.search(r'<a href="/moderation/">(.*?)</a>', page, re.S)
    return int(re.search(r"\d+", re.sub(r"<[^>]+>", "", link.group(1))).group()) if link else None


@pytest.fixture
def member(make_user):
    return make_user("alice")


@pytest.fixture
def member_client(client, member):
    login(client, member)
    return client


@pytest.fixture
def moderator_client(app, make_user):
    return signed_in(app, make_user("mod", role="moderator"))


@pytest.fixture
def admin_client(app, make_user):
    return signed_in(app, make_user("boss", role="admin"))


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql_only: needs PostgreSQL's concurrency; "
                                       "SQLite serialises writers, so the SQLite run leaves it out")


def pytest_collection_modifyitems(config, items):
    """Leave postgresql_only tests out of the SQLite run (deselected, not skipped)."""
    dropped = [item for item in items if item.get_closest_marker("postgresql_only")
               and getattr(item, "callspec", None) and item.callspec.params.get("database_url") == "sqlite"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
