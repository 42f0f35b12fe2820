"""Extension objects, created once and bound to the app in create_app(); the Celery set-up."""
from celery import Celery, Task
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql, sqlite

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def upsert(model):
    """INSERT ... ON CONFLICT for the session's database (PostgreSQL's and SQLite's read the same)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def celery_init_app(app):
    """A Celery app configured from the Flask config; its tasks run inside the app context.

    With no broker configured (local use), tasks run in-process right away.
    """

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    config = app.config
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=config["CELERY_BROKER_URL"] or "memory://",
        task_always_eager=not config["CELERY_BROKER_URL"],
        task_ignore_result=True,
        # A task is acknowledged when done, and given back if its worker dies mid-way.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # A hung Redis must not hold a member's request: give up fast, the outbox sweep catches up.
        broker_transport_options={"visibility_timeout": config["CELERY_VISIBILITY_TIMEOUT"],
                                  "socket_timeout": 2, "socket_connect_timeout": 2},
        broker_connection_timeout=2,
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def add_tasks(app, module, schedule=None):
    """Have the worker import a module of tasks, and the beat run some of them: {task: seconds}."""
    conf = app.extensions["celery"].conf
    conf.imports = (*conf.imports, module)
    conf.beat_schedule = {**conf.beat_schedule, **{f"{module}.{name}": {"task": f"{module}.{name}", "schedule": seconds}
                                                   for name, seconds in (schedule or {}).items()}}
