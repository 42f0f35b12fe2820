"""The direction of dependencies (README, Development): moderation builds on the forum, never the reverse;
notifications, mail and the audit log sit below both domains; no import cycle anywhere."""
from tests.layout.graph import cycles, imports

# What the notification package may use of the forum: the base every domain stands on.
BELOW_THE_DOMAINS = {"forum.extensions", "forum.models", "forum.i18n", "forum.permissions", "forum.params",
                     "forum.forms"}


def test_nothing_in_the_forum_imports_moderation():
    graph = imports()
    offending = {module: sorted(t for t in targets if t.split(".")[0] == "moderation")
                 for module, targets in graph.items() if module.split(".")[0] == "forum"}
    assert {module: targets for module, targets in offending.items() if targets} == {}
    # The check reads what it should: moderation's imports of the forum are found.
    assert "forum.permissions" in graph["moderation.services"]


def test_the_app_code_has_no_import_cycle():
    graph = imports()
    assert cycles(graph) == []
    assert cycles({**graph, "forum.models": graph["forum.models"] | {"forum.connect.watching"}})  # one would be seen


def test_notifications_and_the_audit_log_use_only_the_base_of_the_forum():
    graph = imports()
    for module in [m for m in graph if m.startswith("forum.notifications")] + ["forum.audit", "forum.hooks"]:
        used = {target for target in graph[module] if not target.startswith("forum.notifications")}
        assert used <= BELOW_THE_DOMAINS, module
