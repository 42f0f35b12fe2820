"""The audit log: one row per action of a moderator or an administrator, never updated or deleted.

Both domains write it (moderation's decisions, the admins' changes to members), so it sits below both.
"""
from sqlalchemy import Index

from forum.extensions import db
from forum.models import utcnow


class ModerationAction(db.Model):
    """One action of a moderator, an administrator, or the portal itself (actor None)."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        Index("ix_moderation_actions_case", "case_id", "created_at"),
        Index("ix_moderation_actions_member", "member_id", "created_at"),
        Index("ix_moderation_actions_created", "created_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"))
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"))  # None: the portal itself
    action = db.Column(db.String(32), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"))
    rule_code = db.Column(db.String(40))
    reason = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    actor = db.relationship("User", foreign_keys=[actor_id])
    member = db.relationship("User", foreign_keys=[member_id])


def log_action(actor, action, case=None, member=None, post=None, rule_code=None, reason=""):
    """Append one row to the audit log (actor None means the portal itself), in the caller's transaction."""
    db.session.add(ModerationAction(
        actor_id=actor.id if actor else None, action=action, case_id=case.id if case else None,
        member_id=member.id if member else None, post_id=post.id if post else None,
        rule_code=rule_code, reason=reason or ""))
