"""Celery entry point: `celery -A worker worker` runs tasks inside the Flask app's context."""
from celery import Celery, Task

from forum import create_app


def celery_init_app(app):
    """A Celery app configured from the Flask config, whose tasks run in the app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"] or "memory://",
        task_always_eager=not app.config["CELERY_BROKER_URL"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


flask_app = create_app()
celery_app = celery_init_app(flask_app)
