"""Moderation records: reports, cases, notes, penalties, appeals (the audit log is forum.audit).

Moderation hides, never deletes: reports keep a snapshot of the content as it was, and the
audit log only grows.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, UniqueConstraint

from forum.extensions import db
from forum.messages.models import Message
from forum.models import utcnow

CASE_STATUSES = ("open", "escalated", "resolved")
# How a case ended; anything but "dismissed" means action was taken.
OUTCOMES = {
    "dismissed": _l("No violation"),
    "removed": _l("Content removed"),
    "warned": _l("Member warned"),
    "silenced": _l("Member silenced"),
    "suspended": _l("Member suspended"),
    "member_dismissed": _l("Member dismissed from the portal"),
}
PENALTY_KINDS = {
    "warning": _l("Warning"),
    "silence": _l("Silenced"),
    "suspension": _l("Suspension"),
    "dismissal": _l("Dismissal from the portal"),
}


class Case(db.Model):
    """All reports on one target while it awaits a decision."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_first_reported", "status", "first_reported_at"),
        Index("ix_cases_status_report_count", "status", "report_count"),
        Index("ix_cases_category_status", "category_id", "status"),
        Index("ix_cases_member", "member_id", "created_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"))  # None for a reported profile or message
    message_id = db.Column(db.Integer, db.ForeignKey("messages.id"))  # a reported direct message
    member_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)  # whose conduct
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"))
    academy = db.Column(db.String(16))  # the member's, for the queue filter
    # "post:<id>", "message:<id>" or "user:<id>" while undecided, NULL once resolved: the unique constraint
    # guarantees one undecided case per target even when reports arrive at the same moment.
    open_key = db.Column(db.String(40), unique=True)
    status = db.Column(db.String(16), nullable=False, default="open")
    outcome = db.Column(db.String(20))
    report_count = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    first_reported_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    resolved_at = db.Column(db.DateTime)
    resolved_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    claimed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    claimed_at = db.Column(db.DateTime)
    reminded_at = db.Column(db.DateTime)  # last reminder that the case is waiting too long
    previous_case_id = db.Column(db.Integer, db.ForeignKey("cases.id"))

    post = db.relationship("Post")
    message = db.relationship(Message)
    member = db.relationship("User", foreign_keys=[member_id])
    category = db.relationship("Category")
    resolved_by = db.relationship("User", foreign_keys=[resolved_by_id])
    claimed_by = db.relationship("User", foreign_keys=[claimed_by_id])
    reports = db.relationship("Report", back_populates="case", order_by="Report.created_at")
    proposals = db.relationship("DismissalProposal", viewonly=True)

    @property
    def is_open(self):
        return self.status != "resolved"

    @property
    def outcome_label(self):
        return OUTCOMES.get(self.outcome, "")

    @property
    def decided_by_ids(self):
        """Who took part in the decision: the decider and the proposer of a confirmed dismissal."""
        return {self.resolved_by_id} | {p.proposed_by_id for p in self.proposals if p.status == "confirmed"}


class Report(db.Model):
    __tablename__ = "reports"
    # One report per member per case, and a case is the one undecided case of its target.
    __table_args__ = (UniqueConstraint("case_id", "reporter_id"),
                      Index("ix_reports_reporter", "reporter_id", "created_at"),
                      # The queue's filter by rule: the cases with a report citing it.
                      Index("ix_reports_rule_case", "rule_code", "case_id"))

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False)
    reporter_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    rule_code = db.Column(db.String(40), nullable=False)
    comment = db.Column(db.String(1000), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # The evidence, exactly as it was when reported.
    snapshot_title = db.Column(db.String(200))
    snapshot_source = db.Column(db.Text, nullable=False, default="")
    snapshot_html = db.Column(db.Text, nullable=False, default="")
    snapshot_revision = db.Column(db.Integer)

    case = db.relationship("Case", back_populates="reports")
    reporter = db.relationship("User")


class CaseNote(db.Model):
    """An internal note between moderators; never shown to members."""

    __tablename__ = "case_notes"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    author = db.relationship("User")


class Penalty(db.Model):
    """A warning, silence, suspension or dismissal on a member's record."""

    __tablename__ = "penalties"
    __table_args__ = (Index("ix_penalties_member", "member_id", "created_at"),)

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"))
    kind = db.Column(db.String(16), nullable=False)
    rule_code = db.Column(db.String(40))
    reason = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    ends_at = db.Column(db.DateTime)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    lifted_at = db.Column(db.DateTime)
    lifted_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    member = db.relationship("User", foreign_keys=[member_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    case = db.relationship("Case")

    @property
    def kind_label(self):
        return PENALTY_KINDS.get(self.kind, self.kind)


class DismissalProposal(db.Model):
    """A moderator's proposal to dismiss a member; an admin other than the proposer decides."""

    __tablename__ = "dismissal_proposals"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False, index=True)
    member_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    proposed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    rule_code = db.Column(db.String(40), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    hide_content = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(16), nullable=False, default="pending")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    decided_at = db.Column(db.DateTime)

    proposed_by = db.relationship("User", foreign_keys=[proposed_by_id])


class Appeal(db.Model):
    """A member's single appeal against the decision on a case."""

    __tablename__ = "appeals"
    __table_args__ = (UniqueConstraint("case_id", "member_id"),
                      Index("ix_appeals_status_created", "status", "created_at"))

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("cases.id"), nullable=False)
    member_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    text = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="pending")  # pending, upheld, granted
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    decided_at = db.Column(db.DateTime)
    decision_reason = db.Column(db.Text)

    case = db.relationship("Case")
    member = db.relationship("User", foreign_keys=[member_id])


class RemovalMessage(db.Model):
    """A prepared message to the author of removed content, per rule and language."""

    __tablename__ = "removal_messages"
    __table_args__ = (UniqueConstraint("rule_code", "language"),)

    id = db.Column(db.Integer, primary_key=True)
    rule_code = db.Column(db.String(40), nullable=False)
    language = db.Column(db.String(5), nullable=False)
    text = db.Column(db.Text, nullable=False)
