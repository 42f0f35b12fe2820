"""The composition root: the portal is the forum with moderation built on it.

`gunicorn 'wsgi:create_app()'` serves it; `flask` (FLASK_APP=wsgi) and worker.py build it here too.
"""
from flask import Flask

import forum
import moderation
from forum import config


def create_app(overrides=None):
    """Build the portal from the environment, with `overrides` on top (tests)."""
    app = Flask("forum", root_path=str(forum.ROOT), template_folder="templates", static_folder="static",
                instance_path=str(config.INSTANCE_DIR))
    app.config.update(config.from_environment())
    app.config.update(overrides or {})
    forum.init_app(app)
    moderation.init_app(app)
    return app
