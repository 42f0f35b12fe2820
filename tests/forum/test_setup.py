"""Set-up: migrations match the models, configuration, and the CLI commands."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from forum import config
from forum.connect import search
from forum.demo import DEMO_ACCOUNTS
from forum.extensions import db
from forum.models import Category, ConductAcceptance, Post, Thread, User
from tests.conftest import count_rows, login, signed_in, user_named


# SQLite has no trigram index (migration 0021) for Alembic to read back: include_object leaves it out.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_create_exactly_the_models_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": search.include_object})
        assert compare_metadata(context, db.metadata) == []


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.from_environment()


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    settings = config.from_environment()
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_postgres_urls_get_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/portal")
    assert config.from_environment()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/portal"


def test_seed_demo_is_idempotent_and_prints_accounts(app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-42")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (count_rows(User), count_rows(Thread), count_rows(Category))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert (count_rows(User), count_rows(Thread), count_rows(Category)) == counts
    assert counts[0] >= 50 and counts[1] >= 10
    for output in (first.output, second.output):
        assert "demo-password-42" in output
        assert all(username in output for username, *_ in DEMO_ACCOUNTS)
    kinds = set(db.session.scalars(db.select(Thread.kind)))
    assert kinds == {"discussion", "story", "best_practice"}
    academies = set(db.session.scalars(db.select(User.academy)))
    assert {"budapest", "bangkok", "gaborone", "san-salvador", "roswell"} <= academies
    member = user_named("member")
    assert db.session.scalar(db.select(ConductAcceptance).where(ConductAcceptance.user_id == member.id)) is None
    browser = app.test_client()
    login(browser, "member", password="demo-password-42")
    inbox = browser.get("/messages").get_data(as_text=True)  # a message from Somchai waits, once
    assert inbox.count("Checkpoint drills in Bangkok") == 1 and "1 new" in inbox


def test_create_admin(app):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--username", "Chief", "--email", "Chief@Example.org", "--name", "The Chief",
        "--password", "a long enough password"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    admin = user_named("chief")
    assert (admin.role, admin.email) == ("admin", "chief@example.org")
    client = signed_in(app, "chief", password="a long enough password")
    assert client.get("/admin/").status_code == 200


def test_create_admin_refuses_short_password(app):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--username", "x1", "--email", "x1@example.org", "--name", "X",
        "--password", "short"])
    assert result.exit_code != 0
    assert count_rows(User) == 0


def test_create_admin_refuses_an_address_that_would_run_as_a_formula(app):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--username", "x1", "--email", "=cmd|x1@example.org", "--name", "X",
        "--password", "a long enough password"])
    assert result.exit_code != 0
    assert "An e-mail address cannot start with =, +, - or @" in result.output
    assert count_rows(User) == 0


def test_demo_walkthrough(app, monkeypatch):
    """The issue's 'done when' path, on the demo data: post, quote, edit, pin and lock."""
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-42")
    app.test_cli_runner().invoke(args=["seed-demo"])
    member = signed_in(app, "member", password="demo-password-42")
    moderator = signed_in(app, "moderator", password="demo-password-42")

    assert member.get("/c/criminal-investigations/new").location.startswith("/conduct")
    assert member.post("/conduct/accept", data={"version": "1"}).status_code == 302
    created = member.post("/c/criminal-investigations/new", data={
        "title": "Interview rooms that work", "kind": "best_practice",
        "body": "Keep it **quiet**.\n\n<script>alert('x')</script>"})
    thread_url = created.location
    thread_id = int(thread_url.split("/t/")[1].split("-")[0])
    opening = db.session.scalar(db.select(Thread).where(Thread.id == thread_id))
    first_post_id = db.session.scalar(db.select(db.func.min(Post.id)).where(Post.thread_id == thread_id))
    quote_form = member.get(f"/t/{thread_id}/reply?quote={first_post_id}").get_data(as_text=True)
    author = db.session.scalar(db.select(User).where(User.username == "member")).display_name
    assert f"&gt; **[{author}](/p/{first_post_id}):**" in quote_form  # the author's name, linking to the post
    member.post(f"/t/{thread_id}/reply", data={"body": "> **member:**\n>\n> Keep it **quiet**.\n\nAnd calm."})
    member.post(f"/p/{first_post_id}/edit", data={"title": opening.title,
                                                   "body": "Keep it **very** quiet.\n\n<script>alert('x')</script>"})
    moderator.post(f"/t/{thread_id}/pin", data={})
    moderator.post(f"/t/{thread_id}/lock", data={})

    page = member.get(thread_url).get_data(as_text=True)
    assert "<strong>very</strong>" in page and ">edited<" in page
    assert "<blockquote>" in page and "&lt;script&gt;alert" in page and "<script>alert" not in page
    assert "Pinned" in page and "This thread is locked" in page
    assert "badge-best_practice" in page
