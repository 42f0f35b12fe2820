"""The records of direct messages (see the package's docstring for the rules)."""
from sqlalchemy import Index, UniqueConstraint

from forum.extensions import db
from forum.models import utcnow


class Conversation(db.Model):
    __tablename__ = "conversations"

    id = db.Column(db.Integer, primary_key=True)
    subject = db.Column(db.String(200), nullable=False)
    started_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    message_count = db.Column(db.Integer, nullable=False, default=0)  # the last message's number

    started_by = db.relationship("User")
    members = db.relationship("ConversationMember", back_populates="conversation", order_by="ConversationMember.joined_at")


class ConversationMember(db.Model):
    """A member's place in a conversation: what they have read, and the inbox's order (a copy of the
    conversation's last message time, so a member's inbox is one range of one index)."""

    __tablename__ = "conversation_members"
    __table_args__ = (Index("ix_conversation_members_inbox", "user_id", "last_message_at"),)

    conversation_id = db.Column(db.Integer, db.ForeignKey("conversations.id"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    joined_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_message_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_number = db.Column(db.Integer, nullable=False, default=0)  # the newest message they may read
    read_up_to = db.Column(db.Integer, nullable=False, default=0)
    left_at = db.Column(db.DateTime)

    conversation = db.relationship("Conversation", back_populates="members")
    user = db.relationship("User")

    @property
    def unread(self):
        return self.last_number > self.read_up_to


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "number"),
                      Index("ix_messages_author_created", "author_id", "created_at"))

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(db.Integer, db.ForeignKey("conversations.id"), nullable=False)
    number = db.Column(db.Integer, nullable=False)  # 1, 2, ... within the conversation
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    body_source = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    removed_at = db.Column(db.DateTime)  # by the moderators, after a report

    conversation = db.relationship("Conversation")
    author = db.relationship("User")

    @property
    def is_removed(self):
        return self.removed_at is not None


class Block(db.Model):
    """`user` no longer exchanges messages with `blocked` (and is not told of their messages)."""

    __tablename__ = "blocks"
    __table_args__ = (Index("ix_blocks_blocked", "blocked_id"),)

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    blocked_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    blocked = db.relationship("User", foreign_keys=[blocked_id])
