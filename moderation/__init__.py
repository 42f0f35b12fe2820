"""Reports, cases, moderator actions, penalties and the audit log (built on the forum package)."""
