"""The e-mail outbox: queueing in the event's transaction, the one commit, claiming, rendering, sending.

A `Delivery` row is written in the same transaction as the event; `commit()` then hands the new
rows to the worker (or, with no broker configured, sends them in-process). Sending claims the
row first, so a task run twice, or two tasks at once, send one mail. What each kind of mail says
is registered by the domains (kinds.py). The worker's tasks are at the end; each is safe to run twice.
"""
import json
import smtplib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from celery import Task, shared_task
from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import event, insert, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from forum import cache
from forum.extensions import db
from forum.i18n import member_locale
from forum.models import User, utcnow
from forum.notifications import kinds
from forum.notifications.models import Delivery, MailPreference, Notification


def wants_mail(user: User, kind: str) -> bool:
    registered = kinds.get(kind)
    if registered.mandatory:
        return True
    return registered.optional is not None and db.session.scalar(select(MailPreference.id).where(
        MailPreference.user_id == user.id, MailPreference.kind == kind)) is None


def queue_mail(user: User | None, kind: str, notification: Notification | None = None, payload: str = "{}",
               due: datetime | None = None) -> None:
    """Add an e-mail to the outbox of the current transaction, if the member wants it (`user` None:
    to the non-member the payload names). One `due` later than now waits for the outbox sweep."""
    if user is not None and not wants_mail(user, kind):
        return
    delivery = Delivery(user_id=user.id if user else None, kind=kind, notification=notification,
                        payload_json=payload, next_attempt_at=due)
    db.session.add(delivery)
    db.session.flush()
    if due is None or due <= utcnow():
        db.session.info.setdefault("outbox", []).append(delivery.id)


@event.listens_for(db.session, "after_rollback")
def _forget_outbox(session: Session) -> None:
    session.info.pop("outbox", None)


def queue_many(kind: str, deliveries: Iterable[tuple[int, str, datetime | None]]) -> None:
    """Add a batch of mandatory e-mails (an invitation run): (user id, payload, due) each. Like
    `queue_mail`, those due now go to the worker at commit; the others wait for the sweep, and are
    written without RETURNING, which keeps 70,000 rows to a few seconds."""
    now = utcnow()
    rows = [{"user_id": user_id, "kind": kind, "payload_json": payload, "next_attempt_at": due, "status": "pending",
             "attempts": 0, "created_at": now, "updated_at": now} for user_id, payload, due in deliveries]
    due_now: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    for row in rows:
        (due_now if row["next_attempt_at"] is None or row["next_attempt_at"] <= now else later).append(row)
    if due_now:
        db.session.info.setdefault("outbox", []).extend(
            db.session.scalars(insert(Delivery).returning(Delivery.id), due_now).all())
    if later:
        db.session.execute(insert(Delivery), later)


def commit() -> None:
    """The one transaction boundary of a service: commit, then hand the transaction's e-mails to the
    worker (only now are their rows visible to it)."""
    db.session.commit()  # noqa: TID251 - the one place
    enqueue(db.session.info.pop("outbox", []))


def enqueue(delivery_ids: Iterable[int]) -> None:
    """Queue deliveries; if the broker is down they wait for the sweep."""
    for delivery_id in delivery_ids:
        try:
            deliver.apply_async((delivery_id,), retry=False)
        except Exception:  # noqa: BLE001 - any broker failure: the rows stay pending for the sweep
            current_app.logger.warning("could not queue deliveries %s; the sweep will", delivery_ids, exc_info=True)
            return


# --- sending -------------------------------------------------------------------------------

def claim(delivery_id: int) -> bool:
    """Take the delivery for sending, unless it is sent, failed, or being sent by a live task."""
    now = utcnow()
    abandoned = now - timedelta(seconds=current_app.config["MAIL_SEND_LEASE_SECONDS"])
    due = now + timedelta(seconds=1)  # a retry may arrive a moment before its time
    claimed = db.session.execute(
        update(Delivery).where(Delivery.id == delivery_id, or_(
            (Delivery.status == "pending")
            & (Delivery.next_attempt_at.is_(None) | (Delivery.next_attempt_at <= due)),
            (Delivery.status == "sending") & (Delivery.claimed_at < abandoned)))
        .values(status="sending", claimed_at=now, updated_at=now, attempts=Delivery.attempts + 1)
    ).rowcount
    commit()
    return claimed == 1


def send_delivery(delivery_id: int) -> str:
    """Send one delivery. Returns "sent", "skipped" (not ours to send now), "retry" or "failed"."""
    if not claim(delivery_id):
        return "skipped"
    delivery = db.session.get(Delivery, delivery_id)
    try:
        transport(render(delivery))
    except Exception as error:  # noqa: BLE001 - SMTP, network or anything else: record it, retry or fail
        config = current_app.config
        failed = delivery.attempts >= config["MAIL_MAX_ATTEMPTS"]
        delivery.status = "failed" if failed else "pending"
        delivery.last_error = f"{type(error).__name__}: {error}"[:1000]
        delivery.updated_at = utcnow()
        backoff = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** min(delivery.attempts - 1, 12)
        delivery.next_attempt_at = None if failed else delivery.updated_at + timedelta(seconds=backoff)
        commit()
        current_app.logger.warning("delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, error)
        return "failed" if failed else "retry"
    delivery.status, delivery.sent_at, delivery.updated_at, delivery.last_error = "sent", utcnow(), utcnow(), None
    delivery.next_attempt_at = None
    commit()
    return "sent"


def seconds_until_next_attempt(delivery_id: int) -> float:
    next_attempt = db.session.scalar(select(Delivery.next_attempt_at).where(Delivery.id == delivery_id))
    return max((next_attempt - utcnow()).total_seconds(), 0) if next_attempt else 0


def render(delivery: Delivery) -> EmailMessage:
    """The e-mail for a delivery, in the recipient's language, with links back to the portal."""
    user = delivery.recipient
    kind = kinds.get(delivery.kind)
    config = current_app.config
    with current_app.test_request_context(base_url=config["PORTAL_URL"]), member_locale(user):
        context = dict(user=user, kind=delivery.kind, portal_url=config["PORTAL_URL"])
        if kind.context is not None:
            context.update(kind.context(delivery))
        else:
            context["items"] = [kinds.describe(delivery.notification, external=True)]
        message = EmailMessage()
        message["Subject"] = str(kind.subject or _("ILEA Alumni Portal"))
        message.set_content(render_template(f"email/{kind.template}.txt", **context))
        message.add_alternative(render_template(f"email/{kind.template}.html", **context), subtype="html")
    message["From"] = config["MAIL_SENDER"]
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    # One Message-ID per delivery: a resend after a crash is recognisably the same mail.
    message["Message-ID"] = f"<delivery-{delivery.id}@{urlsplit(config['PORTAL_URL']).hostname or 'portal'}>"
    message["X-Portal-Delivery"] = str(delivery.id)
    return message


def transport(message: EmailMessage) -> None:
    """Send over SMTP, or without a mail server write an .eml file (local use)."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        folder = Path(config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%d-%H%M%S}-{message['X-Portal-Delivery']}.eml"
        (folder / name).write_bytes(bytes(message))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


# --- periodic work ---------------------------------------------------------------------------

def stale_delivery_ids() -> Sequence[int]:
    """Deliveries pending too long (broker down at commit, task lost) or abandoned mid-send."""
    now = utcnow()
    config = current_app.config
    return db.session.scalars(select(Delivery.id).where(or_(
        (Delivery.status == "pending")
        & (Delivery.updated_at < now - timedelta(seconds=config["MAIL_SWEEP_AFTER_SECONDS"]))
        & (Delivery.next_attempt_at.is_(None) | (Delivery.next_attempt_at <= now)),
        (Delivery.status == "sending") & (Delivery.claimed_at < now - timedelta(seconds=config["MAIL_SEND_LEASE_SECONDS"])),
    )).order_by(Delivery.id).limit(1000)).all()


def retry_failed(delivery: Delivery) -> None:
    """An admin's retry of a failed delivery."""
    delivery.status, delivery.attempts, delivery.updated_at, delivery.next_attempt_at = "pending", 0, utcnow(), None
    db.session.info.setdefault("outbox", []).append(delivery.id)
    commit()


def send_digest(notice_kinds: Iterable[str], stamp: InstrumentedAttribute[datetime | None], minutes: Callable[[User], int],
                mail_kind: str, keep: Callable[[Notification], bool] | None = None) -> None:
    """One e-mail per active member with their notices of these kinds not yet in a digest, at most
    once per `minutes(member)`; `stamp` is the member's column of their last such digest, and `keep`
    leaves out notices no longer to be told (a post hidden since)."""
    now = utcnow()
    pending = db.session.execute(select(Notification.user_id, Notification.id).where(
        Notification.kind.in_(notice_kinds), Notification.digested_at.is_(None))).all()
    by_user: dict[int, list[int]] = {}
    for user_id, notification_id in pending:
        by_user.setdefault(user_id, []).append(notification_id)
    for user in db.session.scalars(select(User).where(User.id.in_(by_user))):
        # Conditional updates: of two overlapping runs, only one takes the member and the notices.
        due = db.session.execute(update(User).where(
            User.id == user.id, stamp.is_(None) | (stamp <= now - timedelta(minutes=minutes(user))))
            .values({stamp: now}).execution_options(synchronize_session=False, **cache.changes_for(user.id))).rowcount
        if not due:
            continue
        ids = db.session.scalars(update(Notification).where(
            Notification.id.in_(by_user[user.id]), Notification.digested_at.is_(None))
            .values(digested_at=now).returning(Notification.id)
            .execution_options(synchronize_session=False, **cache.changes_for(user.id))).all()
        if keep is not None:
            ids = [notice.id for notice in db.session.scalars(select(Notification).where(Notification.id.in_(ids)))
                   if keep(notice)]
        if ids and user.is_active:
            queue_mail(user, mail_kind, payload=json.dumps({"notifications": sorted(ids)}))
        commit()


# --- the worker's tasks -----------------------------------------------------------------------

@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver(self: Task, delivery_id: int) -> str:
    """Send one e-mail; on an SMTP or network error, retry later with exponential backoff."""
    outcome = send_delivery(delivery_id)
    if outcome == "retry" and not self.app.conf.task_always_eager:
        # The backoff lives on the delivery row, so a re-queue by the sweep does not restart it.
        raise self.retry(countdown=seconds_until_next_attempt(delivery_id))
    return outcome


@shared_task
def sweep_outbox() -> int:
    """Re-queue deliveries left pending (broker down at commit) or abandoned by a lost worker."""
    ids = stale_delivery_ids()
    enqueue(ids)
    return len(ids)
