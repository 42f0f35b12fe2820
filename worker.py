"""Celery entry point: `celery -A worker worker` and `celery -A worker beat`.

The Celery app is built by create_app() from the Flask configuration; tasks run in its context.
"""
from wsgi import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
