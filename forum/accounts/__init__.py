"""Accounts: signing in (password, IGN), passwords, invitations and account requests, the alumni
roster, the admins' member administration, and a member's own data (download, deletion)."""
