"""Where a domain built on the forum adds to the forum's member pages and data, so the forum never
imports it. Each hook is a list of functions, appended to when the domain is imported (its init_app)."""

# (member) -> {name: value}: more for the admins' page about a member (moderation: their penalties).
member_page = []
# (member) -> {section: rows}: more of what the portal holds about a member, for their download.
member_export = []
