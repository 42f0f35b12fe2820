"""Fixtures: an app on a migrated database (SQLite, and PostgreSQL when configured), clients, members.

Every test runs once per database backend. CSRF protection stays on: the test client fetches
a real token from a form page before each POST, as a browser would.
"""
import contextvars
import copy
import html
import os
import re
import secrets
import tempfile
from contextlib import contextmanager

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from itsdangerous import URLSafeTimedSerializer

from forum import cache
from forum.accounts.services import hash_password
from forum.conduct import current_conduct
from forum.discussions.services import create_thread
from forum.extensions import db, limiter, login_manager
from forum.models import Category, ConductAcceptance, Post, User
from forum.seed import seed_portal
from tests import processes
from wsgi import create_app

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


def _worker_database(url, worker):
    """This xdist worker's own PostgreSQL database (test_gw0, test_gw1...), created on first use."""
    if worker == "master":
        return url
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            # A test database need not wait for the disk at each commit (crash safety is moot).
            connection.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory, worker_id):
    """A database migrated from scratch by the project's Alembic migrations (one per xdist worker)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _worker_database(_postgres_url(), worker_id)
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
        """The token a form page would carry: the session's raw token, signed as Flask-WTF signs it
        (the server checks it as any other; no page is rendered just to read it)."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        config = self.application.config
        signer = URLSafeTimedSerializer(config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"], salt="wtf-csrf-token")
        return signer.dumps(raw)


# --- one app per database backend, its database reset after each test ----------------------------

_SEED_TABLES = {"categories", "conduct_versions", "conduct_rules"}  # what seed_portal writes
_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.I)
_written = set()  # tables this process wrote to since the last reset


@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _note_writes(connection, cursor, statement, *args):
    _written.update(_WRITE.findall(statement))  # a stray name ("FOR UPDATE OF posts") only empties more


def _with_dependents(names):
    """The tables named, and every table whose rows refer to them (their rows go too)."""
    tables = [table for table in db.metadata.sorted_tables if table.name in names]
    for table in db.metadata.sorted_tables:  # parents come first: one pass reaches every descendant
        if table not in tables and any(key.column.table in tables for key in table.foreign_keys):
            tables.append(table)
    return tables


def _reset_database():
    """Empty what the test wrote and put the seed back: every table after a real process (worker,
    gunicorn) wrote through connections of its own, else only the tables written in this process."""
    full = processes.spawned
    tables = db.metadata.sorted_tables if full else _with_dependents(_written)
    postgresql = db.engine.dialect.name == "postgresql"
    if full and postgresql:
        names = ", ".join(table.name for table in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    elif tables:
        # DELETE, children first: on PostgreSQL far quicker than TRUNCATE for a test's few rows.
        for table in reversed(db.metadata.sorted_tables):
            if table in tables:
                db.session.execute(table.delete())
                if postgresql and "id" in table.c:  # ids start at 1 again, as after TRUNCATE
                    db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"))
    db.session.commit()
    if full or _SEED_TABLES & {table.name for table in tables}:
        seed_portal()
    _written.clear()
    processes.spawned = False
    cache.clear()  # the members of the next test get the same ids


_snapshots = {}  # (database, name) -> ({table name: rows}, value): what built_once recorded


def built_once(name, build):
    """`build()` the first time in this process and database; afterwards put back the rows it wrote,
    ids included: a few INSERTs instead of the services' work. `build` must run on a freshly reset
    database and return plain values (ids): the caller loads objects from them."""
    key = (str(db.engine.url), name)
    if key in _snapshots:
        rows_by_table, value = _snapshots[key]
        for table in db.metadata.sorted_tables:
            rows = rows_by_table.get(table.name)
            if not rows:
                continue
            if table.name in _SEED_TABLES:  # seeded rows the build changed (a category's counts)
                for row in rows:
                    db.session.execute(table.update().where(table.c.id == row["id"]).values(row))
            else:
                db.session.execute(table.insert(), rows)
                if db.engine.dialect.name == "postgresql" and "id" in table.c:
                    db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                               f"(SELECT max(id) FROM {table.name}))"))
        db.session.commit()
        return value
    fresh = not _written
    value = build()
    if fresh:
        _snapshots[key] = ({table.name: [dict(row._mapping) for row in db.session.execute(table.select())]
                            for table in db.metadata.sorted_tables if table.name in _written}, value)
    return value


@pytest.fixture(scope="session")
def portal_app(database_url):
    """The app of one database backend, created once: tests share it, as requests share a server."""
    app = create_app(portal_config(database_url))
    app.test_client_class = CsrfClient
    app.extensions["test_limiter"] = limiter._storage, limiter._limiter  # the limiter is a module global
    with app.app_context():
        seed_portal()  # on the database just migrated
        _written.clear()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(portal_app):
    """The shared app in an app context of the test's own. Whatever the test changes goes back
    afterwards: its settings, the clients made from them on first use (app.extensions), the
    rate-limit counts, the database."""
    config = copy.deepcopy(dict(portal_app.config))
    extensions = dict(portal_app.extensions)
    # Another app made during a test (a production-like one) takes over the module-global limiter
    # and Celery app: this one takes them back.
    limiter._storage, limiter._limiter = portal_app.extensions["test_limiter"]
    celery = portal_app.extensions["celery"]
    celery.set_current()
    celery.set_default()
    # Mail waits in the outbox, as with a broker whose worker is away: rendering and writing every
    # notice would cost most tests more than their own work. Tests that read mail ask for `mailbox`.
    celery.conf.task_always_eager = False
    with portal_app.app_context():
        yield portal_app
        db.session.rollback()
        db.session.remove()
        portal_app.config.clear()
        portal_app.config.update(config)
        portal_app.extensions.clear()
        portal_app.extensions.update(extensions)
        _reset_database()
        db.session.remove()
    limiter._storage, limiter._limiter = portal_app.extensions["test_limiter"]
    limiter.reset()


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


# Clients signed in by their session cookie: the password check is slow on purpose, and the
# sign-in form has tests of its own (tests/forum/test_auth.py).

@pytest.fixture
def member_client(client, member):
    return session_as(client, member)


@pytest.fixture
def moderator_client(app, make_user):
    return session_as(app.test_client(), make_user("mod", role="moderator"))


@pytest.fixture
def admin_client(app, make_user):
    return session_as(app.test_client(), make_user("boss", role="admin"))


def session_as(client, user):
    """Sign the client in as the user by its session cookie (no password check)."""
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = login_manager._session_identifier_generator()  # the browser's, for "strong" protection
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session["_id"] = user.session_token, True, identifier
    return client


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
    config.addinivalue_line("markers", "one_database: what it checks (a page's layout or accessibility in the "
                                       "browser) does not depend on the database: run on PostgreSQL only")


def pytest_collection_modifyitems(config, items):
    """Leave postgresql_only and one_database tests out of the SQLite run (deselected, not skipped)."""
    dropped = [item for item in items
               if (item.get_closest_marker("postgresql_only") or item.get_closest_marker("one_database"))
               and getattr(item, "callspec", None) and item.callspec.params.get("database_url") == "sqlite"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
