"""The notification records: in-app notices, the e-mail outbox, and the e-mails a member switched off.

Kinds are strings registered by the domains (forum.notifications.kinds); these tables name none.
"""
import json
from types import SimpleNamespace

from sqlalchemy import Index, UniqueConstraint

from forum.extensions import db
from forum.models import utcnow


class Delivery(db.Model):
    """The outbox: one e-mail to send, written in the same transaction as its event.

    A task claims it with a conditional UPDATE before sending, so two tasks never send it twice;
    a periodic sweep re-enqueues deliveries left pending or abandoned mid-send.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_updated", "status", "updated_at"),)

    id = db.Column(db.Integer, primary_key=True)
    # None for mail to someone who is not a member (a rejected account request): the payload has
    # "to", "name" and "language".
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    kind = db.Column(db.String(32), nullable=False)
    notification_id = db.Column(db.Integer, db.ForeignKey("notifications.id"))
    payload_json = db.Column(db.Text, nullable=False, default="{}")
    status = db.Column(db.String(16), nullable=False, default="pending")  # pending, sending, sent, failed
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    claimed_at = db.Column(db.DateTime)
    next_attempt_at = db.Column(db.DateTime)  # after a failed attempt: not before this (backoff)
    sent_at = db.Column(db.DateTime)

    user = db.relationship("User")
    notification = db.relationship("Notification")

    @property
    def payload(self):
        return json.loads(self.payload_json)

    @property
    def recipient(self):
        """Who the mail is for: the member, or the non-member named in the payload."""
        if self.user is not None:
            return self.user
        payload = self.payload
        return SimpleNamespace(email=payload["to"], display_name=payload["name"],
                               preferred_language=payload["language"], timezone="UTC")


class MailPreference(db.Model):
    """A kind of notification the member chose not to receive by e-mail."""

    __tablename__ = "mail_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    kind = db.Column(db.String(32), nullable=False)


class Notification(db.Model):
    """One in-app notice to one member; its text is rendered in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    kind = db.Column(db.String(32), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"))
    data_json = db.Column(db.Text, nullable=False, default="{}")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime)
    # New-case notices reach moderators by e-mail in digests; set once one included it.
    digested_at = db.Column(db.DateTime)

    @property
    def data(self):
        return json.loads(self.data_json)
