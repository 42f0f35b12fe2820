"""Fixtures and helpers for the mail tests: the .eml mailbox of the in-process mode, and the real
processes of production (a redis-server of the test's own, an aiosmtpd SMTP server, a
`celery -A worker worker` process). Registered for every test by tests/conftest.py."""
import email
import email.policy
import os
import shutil

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.i18n import babel_locale
from forum.models import User
from forum.notifications.models import Delivery
from moderation import services
from tests.conftest import CsrfClient, start_thread, translated, unavailable
from tests.processes import CeleryWorker, RedisServer, SmtpServer
from wsgi import create_app

PORTAL_URL = "http://portal.test"


def case_url(case_id):
    return f"{PORTAL_URL}/moderation/cases/{case_id}"


def parts(message):
    """(plain text, HTML) of a notification e-mail."""
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def member_named(make_user, username):
    return db.session.scalar(select(User).where(User.username == username)) or make_user(username)


def reported_case(make_user, author="author", reporter="reporter"):
    """A case opened by a member's report on another member's thread (members made as needed)."""
    post = start_thread(member_named(make_user, author), title=f"Thread of {author}")
    return services.report_post(member_named(make_user, reporter), post, "disrespect", "Rude")


def delivery_rows(*where):
    """(id, user_id, kind, status, attempts, last_error) of deliveries, read afresh."""
    rows = db.session.execute(select(Delivery.id, Delivery.user_id, Delivery.kind, Delivery.status,
                                     Delivery.attempts, Delivery.last_error)
                              .where(*where).order_by(Delivery.id)).all()
    db.session.rollback()  # end the read: the worker's updates show on the next one
    return rows


def delivery(delivery_id):
    (row,) = delivery_rows(Delivery.id == delivery_id)
    return row


# --- in-process: no broker, mail to .eml files ---------------------------------------------------

class Mailbox:
    """The .eml files the portal writes when no mail server is configured."""

    def __init__(self, folder):
        self.folder = folder

    @property
    def messages(self):
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(self.folder.glob("*.eml"))]

    def to(self, user):
        return [message for message in self.messages if message["To"] == user.email]


@pytest.fixture
def mailbox(app, tmp_path):
    """Mail sent in-process as it is queued (no broker configured), written to .eml files."""
    app.config.update(MAIL_SERVER="", MAIL_FILE_DIR=str(tmp_path / "mail"), PORTAL_URL=PORTAL_URL,
                      STALE_CASE_HOURS=48, MAIL_SWEEP_AFTER_SECONDS=120)
    app.extensions["celery"].conf.task_always_eager = True
    return Mailbox(tmp_path / "mail")



def assert_in_language(message, language, subject):
    """The mail speaks the recipient's language: subject, greeting and footer, not English."""
    plain, html = parts(message)
    assert message["Subject"] == translated(language, subject) != subject
    footer = "You can choose which e-mails you receive in your notification settings."
    assert translated(language, footer) in plain and footer not in plain
    assert f'<html lang="{babel_locale(language).replace("_", "-")}">' in html



MAIL_SETTINGS = {
    "MAIL_USE_TLS": False,
    "MAIL_SENDER": "ILEA Alumni Portal <no-reply@portal.test>",
    "MAIL_TIMEOUT": 10,
    "MAIL_MAX_ATTEMPTS": 5,
    "MAIL_RETRY_BASE_SECONDS": 0.5,
    "MAIL_SEND_LEASE_SECONDS": 3,
    "MAIL_SWEEP_AFTER_SECONDS": 3,
    "CELERY_VISIBILITY_TIMEOUT": 10,
    "PORTAL_URL": PORTAL_URL,
}


def sqlalchemy_url(database_url):
    return database_url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def redis_server(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed: the delivery tests with a real broker need it")
    server = RedisServer(binary, tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.delay, server.refuse = 0, None
    server.stop()


@pytest.fixture
def mail_settings(request):
    """MAIL_SETTINGS, with what a test changes through indirect parametrisation."""
    return {**MAIL_SETTINGS, **getattr(request, "param", {})}


@pytest.fixture
def portal(app, database_url, redis_server, smtp_server, mail_settings):
    """This process's app as in production: tasks go through the test's Redis, mail over SMTP."""
    portal = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "portal.test",
        "CELERY_BROKER_URL": redis_server.url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        **mail_settings,
    })
    portal.test_client_class = CsrfClient
    with portal.app_context():
        yield portal
        db.session.remove()
        db.engine.dispose()
    portal.extensions["celery"].close()


@pytest.fixture
def worker(request, portal, database_url, redis_server, smtp_server, mail_settings, tmp_path):
    """A `celery -A worker worker` process on the test's database, Redis and SMTP server."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(tmp_path)),
           "LANG": "C.UTF-8", "DATABASE_URL": sqlalchemy_url(database_url),
           "CELERY_BROKER_URL": redis_server.url, "RATELIMIT_STORAGE_URI": "memory://",
           "SECRET_KEY": "test-secret-key", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port)}
    env.update({name: {True: "1", False: "0"}.get(value, str(value)) for name, value in mail_settings.items()})
    failures = request.session.testsfailed
    celery_worker = CeleryWorker(env, tmp_path / "worker.log")
    celery_worker.start()
    yield celery_worker
    smtp_server.delay = 0
    celery_worker.stop()
    if request.session.testsfailed > failures:
        print(f"\n--- Celery worker log ({celery_worker.log_path}) ---\n{celery_worker.log()[-30000:]}")



def escalation_setup(make_user):
    admins = [make_user("ana", role="admin", preferred_language="es"),
              make_user("somchai", role="admin", preferred_language="th")]
    moderator = make_user("mod", role="moderator")
    return admins, moderator, reported_case(make_user)


def assert_escalation_mails(smtp_server, admins, case):
    for admin in admins:
        (message,) = smtp_server.to(admin.email)
        plain, html = parts(message)
        assert case_url(case.id) in plain and f'href="{case_url(case.id)}"' in html
        assert_in_language(message, admin.preferred_language, "A case was escalated")
