"""Direct messages between alumni: private conversations of two or more members, the inbox with its
unread count, the e-mail digest of new messages, blocking, and reporting a message to the moderators.

Rules, in one place (services.py):
- A member writes to at most MAX_RECIPIENTS others who can sign in (not suspended, dismissed or
  deleted); a silenced member or one who has not accepted the Code of Conduct writes to nobody.
- Nobody writes where a block stands between them and another member of the conversation, in either
  direction: a member who blocked someone is not written to by them, and does not write to them.
- Only the members of a conversation read it; one who left reads what was said while they were in
  it and hears of nothing new. Moderators read a conversation only through a report: the reported
  message and the few before it (moderation's case page), never the rest.
- A message removed by the moderators reads "removed" to everyone; its text stays in the report.
"""
