"""The direction of dependencies (README, Development): moderation builds on the forum, never the reverse;
notifications, mail and the audit log sit below both domains; no import cycle anywhere."""
from tests.layout.graph import cycles, imports, upward

# What the notification package may use of the forum: the base every domain stands on.
BELOW_THE_DOMAINS = {"forum.extensions", "forum.models", "forum.i18n", "forum.permissions", "forum.params",
                     "forum.forms", "forum.cache"}


def test_nothing_in_the_forum_imports_moderation():
    graph = imports()
    assert upward(graph) == []
    # The check reads what it should: moderation's imports of the forum are found, and one the other way would be.
    assert "forum.permissions" in graph["moderation.services"]
    assert upward({**graph, "forum.connect.watching": {"moderation.services"}}) == [("forum.connect.watching",
                                                                                      "moderation.services")]


def test_the_app_code_has_no_import_cycle():
    graph = imports()
    assert cycles(graph) == []
    assert cycles({**graph, "forum.models": graph["forum.models"] | {"forum.connect.watching"}})  # one would be seen


def test_notifications_and_the_audit_log_use_only_the_base_of_the_forum():
    graph = imports()
    for module in [m for m in graph if m.startswith("forum.notifications")] + ["forum.audit", "forum.hooks"]:
        used = {target for target in graph[module] if not target.startswith("forum.notifications")}
        assert used <= BELOW_THE_DOMAINS, module


def test_each_domain_gives_the_worker_its_tasks_and_the_beat_its_schedule(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # what `celery -A worker worker` does at start
    schedule = {entry["task"] for entry in celery.conf.beat_schedule.values()}
    assert schedule == {"forum.notifications.outbox.sweep_outbox", "forum.tasks.send_watch_digests",
                        "forum.tasks.send_message_digests", "forum.tasks.flush_thread_views", "moderation.tasks.send_digests",
                        "moderation.tasks.remind_stale_cases"}
    assert schedule | {"forum.notifications.outbox.deliver"} <= set(celery.tasks)
