"""In-app notices: the only place they are made (`notify`), described, listed and marked read.

Notifications store a kind and data, not text, so each reader sees them in their own language;
the kinds' words and links are registered by the domains (kinds.py, which describes them).
"""
import json
from collections.abc import Iterable
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import joinedload

from forum import cache
from forum.extensions import db
from forum.models import User, utcnow
from forum.notifications import kinds
from forum.notifications.kinds import describe, preload
from forum.notifications.models import Delivery, MailPreference, Notification
from forum.notifications.outbox import commit, queue_mail


# `case` is a moderation Case: Any, since this package, below the domains, imports none of them.
def notify(recipients: Iterable[User], kind: str, case: Any = None, **data: Any) -> None:
    """Create one in-app notification per recipient, and its e-mail in the outbox, in the caller's
    transaction. Kinds mailed in digests get no mail of their own: one multi-row INSERT, however many
    members watch a category."""
    payload = json.dumps(data, default=str, sort_keys=True)
    users = {u.id: u for u in recipients}.values()
    case_id = case.id if case else None
    if kinds.get(kind).in_digest:
        if users:
            db.session.execute(insert(Notification), [
                {"user_id": user.id, "kind": kind, "case_id": case_id, "data_json": payload} for user in users])
        return
    for user in users:
        notification = Notification(user_id=user.id, kind=kind, case_id=case_id, data_json=payload)
        db.session.add(notification)
        queue_mail(user, kind, notification)


def digest_items(delivery: Delivery) -> dict[str, Any]:
    """The mail context of a digest: its notices, described, oldest first."""
    notices = db.session.scalars(select(Notification).where(
        Notification.id.in_(delivery.payload["notifications"])).order_by(Notification.created_at)).all()
    preload(notices)
    return {"items": [describe(notice, external=True) for notice in notices]}


def page(user: User, number: int) -> Pagination:
    """A page of the member's notifications, newest first, with what they name loaded."""
    query = (select(Notification).where(Notification.user_id == user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    items = db.paginate(query, page=number, per_page=30, error_out=False)
    preload(items.items)
    return items


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def unread_shown(user: User) -> int:
    """The unread count in the navigation: from the cache until the member's notices change."""
    return cache.remembered(user.id, "unread", lambda: unread_count(user))


cache.EVERY_PAGE.append("unread")  # read with the member's row, in the request's first round trip


def mark_read(user: User, notification: Notification | None = None) -> None:
    """Mark one of the member's notifications read, or all of them."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification is not None:
        query = query.where(Notification.id == notification.id)
    db.session.execute(query.values(read_at=utcnow()).execution_options(**cache.changes_for(user.id)))
    commit()


def mailed_kinds(user: User) -> set[str]:
    """The optional notification kinds the member receives by e-mail."""
    off = set(db.session.scalars(select(MailPreference.kind).where(MailPreference.user_id == user.id)))
    return set(kinds.optional_kinds()) - off


def save_mail_settings(user: User, wanted: Iterable[str], digest_minutes: int) -> None:
    """Save which optional e-mails the member wants and the moderators' digest interval."""
    db.session.execute(delete(MailPreference).where(MailPreference.user_id == user.id))
    db.session.add_all(MailPreference(user_id=user.id, kind=kind) for kind in set(kinds.optional_kinds()) - set(wanted))
    user.digest_minutes = digest_minutes
    commit()


def delivery_overview(page: int) -> tuple[dict[str, int], Pagination]:
    """Deliveries per state, and a page of the failed ones, newest first."""
    counts = dict(db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    failed = db.paginate(select(Delivery).where(Delivery.status == "failed")
                         .options(joinedload(Delivery.user)).order_by(Delivery.updated_at.desc()),
                         page=page, per_page=50, error_out=False)
    return counts, failed
