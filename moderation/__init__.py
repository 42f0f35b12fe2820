"""Reports, cases, moderator actions, penalties and appeals, built on the forum package: it adds its
pages, tasks and notification kinds to the portal, and its records to the forum's member pages."""


def init_app(app):
    from forum.extensions import add_tasks

    # Importing them registers moderation's notification kinds (notices) and member-page parts (queries).
    from . import notices, queries, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.extensions["public_endpoints"].add("moderation.record_with_token")  # for members who cannot sign in
    add_tasks(app, "moderation.tasks", {"send_digests": 60.0, "remind_stale_cases": 3600.0})
