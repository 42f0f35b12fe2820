"""Set-up: migrations match the models, configuration, and the CLI commands."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from forum import config, create_app
from forum.demo import DEMO_ACCOUNTS
from forum.extensions import db
from forum.models import Category, ConductAcceptance, Thread, User
from tests.conftest import login


def test_migrations_create_exactly_the_models_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
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


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_seed_demo_is_idempotent_and_prints_accounts(app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-42")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (_count(User), _count(Thread), _count(Category))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert (_count(User), _count(Thread), _count(Category)) == counts
    assert counts[0] >= 50 and counts[1] >= 10
    for output in (first.output, second.output):
        assert "demo-password-42" in output
        assert all(username in output for username, *_ in DEMO_ACCOUNTS)
    kinds = set(db.session.scalars(db.select(Thread.kind)))
    assert kinds == {"discussion", "story", "best_practice"}
    academies = set(db.session.scalars(db.select(User.academy)))
    assert {"budapest", "bangkok", "gaborone", "san-salvador", "roswell"} <= academies
    member = db.session.scalar(db.select(User).where(User.username == "member"))
    assert db.session.scalar(db.select(ConductAcceptance).where(ConductAcceptance.user_id == member.id)) is None
    login(app.test_client(), "member", password="demo-password-42")


def test_create_admin(app):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--username", "Chief", "--email", "Chief@Example.org", "--name", "The Chief",
        "--password", "a long enough password"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(db.select(User).where(User.username == "chief"))
    assert (admin.role, admin.email) == ("admin", "chief@example.org")
    client = app.test_client()
    login(client, "chief", password="a long enough password")
    assert client.get("/admin/").status_code == 200


def test_create_admin_refuses_short_password(app):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--username", "x1", "--email", "x1@example.org", "--name", "X",
        "--password", "short"])
    assert result.exit_code != 0
    assert _count(User) == 0
