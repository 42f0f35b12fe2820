"""E-mail for notifications: the outbox, rendering in the recipient's language, and sending.

A `Delivery` row is written in the same transaction as the event; `commit()` then hands the new
rows to the worker (or, with no broker configured, sends them in-process). Sending claims the
row first, so a task run twice, or two tasks at once, send one mail.
"""
import json
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, or_, select, update

from forum.extensions import db
from forum.i18n import member_locale
from forum.models import User, utcnow

from .models import Case, Delivery, MailPreference, Notification

# Notices about a penalty always reach the member, even one who can no longer sign in.
MANDATORY = {"content_removed", "warning", "silence", "suspension", "dismissal", "appeal_decided",
             "invitation", "request_rejected", "password_reset"}
# What members may switch off; new cases reach moderators in digests instead of one by one.
OPTIONAL = {
    "report_reviewed": _l("A report I filed was reviewed"),
    "escalation": _l("A case was escalated to the administrators (administrators)"),
    "dismissal_proposed": _l("A dismissal awaits an administrator's decision (administrators)"),
    "appeal_filed": _l("A member appealed a decision (moderators)"),
    "stale_case": _l("A case has waited too long for a decision (moderators)"),
    "content_restored": _l("My post is visible again"),
    "penalty_lifted": _l("A penalty on my record was lifted"),
    "reinstated": _l("My membership was restored"),
    "digest": _l("Digest of new cases (moderators)"),
    "resource_published": _l("A new resource in a subject area I watch"),
    "watch_digest": _l("Digest of new posts in threads and categories I watch, and mentions of me"),
}
# Notifications mailed in digests (send_digests, forum.watching.send_watch_digests), never one by one.
IN_DIGESTS = {"new_case", "reply", "new_thread", "mention"}
SUBJECTS = {
    "escalation": _l("A case was escalated"),
    "dismissal_proposed": _l("A dismissal awaits your decision"),
    "appeal_filed": _l("A member appealed a decision"),
    "stale_case": _l("A case is waiting for a decision"),
    "report_reviewed": _l("Your report was reviewed"),
    "content_removed": _l("Your post was removed"),
    "warning": _l("A formal warning"),
    "silence": _l("You are silenced on the portal"),
    "suspension": _l("Your account is suspended"),
    "dismissal": _l("You were dismissed from the portal"),
    "appeal_decided": _l("The decision on your appeal"),
    "content_restored": _l("Your post is visible again"),
    "penalty_lifted": _l("A penalty was lifted"),
    "reinstated": _l("Your membership is restored"),
    "digest": _l("New cases in the moderation queue"),
    "watch_digest": _l("New posts in threads you watch"),
    "invitation": _l("Your invitation to the ILEA Alumni Portal"),
    "request_rejected": _l("Your request for an account on the ILEA Alumni Portal"),
    "password_reset": _l("Choose a new password for the ILEA Alumni Portal"),
    "resource_published": _l("A new resource in the library"),
}


def wants_mail(user, kind):
    if kind in MANDATORY:
        return True
    return kind in OPTIONAL and db.session.scalar(select(MailPreference.id).where(
        MailPreference.user_id == user.id, MailPreference.kind == kind)) is None


def queue_mail(user, kind, notification=None, payload="{}", due=None):
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
def _forget_outbox(session):
    session.info.pop("outbox", None)


def queue_many(kind, deliveries):
    """Add a batch of mandatory e-mails (an invitation run): (user id, payload, due) each. Like
    `queue_mail`, those due now go to the worker at commit; the others wait for the sweep, and are
    written without RETURNING, which keeps 70,000 rows to a few seconds."""
    now = utcnow()
    rows = [{"user_id": user_id, "kind": kind, "payload_json": payload, "next_attempt_at": due, "status": "pending",
             "attempts": 0, "created_at": now, "updated_at": now} for user_id, payload, due in deliveries]
    due_now, later = [], []
    for row in rows:
        (due_now if row["next_attempt_at"] is None or row["next_attempt_at"] <= now else later).append(row)
    if due_now:
        db.session.info.setdefault("outbox", []).extend(
            db.session.scalars(insert(Delivery).returning(Delivery.id), due_now).all())
    if later:
        db.session.execute(insert(Delivery), later)


def commit():
    """Commit the transaction, then hand its e-mails to the worker."""
    db.session.commit()
    enqueue(db.session.info.pop("outbox", []))


def enqueue(delivery_ids):
    """Queue deliveries; if the broker is down they wait for the sweep."""
    from .tasks import deliver
    for delivery_id in delivery_ids:
        try:
            deliver.apply_async((delivery_id,), retry=False)
        except Exception:  # noqa: BLE001 - any broker failure: the rows stay pending for the sweep
            current_app.logger.warning("could not queue deliveries %s; the sweep will", delivery_ids, exc_info=True)
            return


# --- sending -------------------------------------------------------------------------------

def claim(delivery_id):
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
    db.session.commit()
    return claimed == 1


def send_delivery(delivery_id):
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
        db.session.commit()
        current_app.logger.warning("delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, error)
        return "failed" if failed else "retry"
    delivery.status, delivery.sent_at, delivery.updated_at, delivery.last_error = "sent", utcnow(), utcnow(), None
    delivery.next_attempt_at = None
    db.session.commit()
    return "sent"


def seconds_until_next_attempt(delivery_id):
    next_attempt = db.session.scalar(select(Delivery.next_attempt_at).where(Delivery.id == delivery_id))
    return max((next_attempt - utcnow()).total_seconds(), 0) if next_attempt else 0


def _invitation_context(invitation_id):
    from forum import invitations
    from forum.models import Invitation
    invitation = db.session.get(Invitation, invitation_id)
    return {"link": url_for("auth.invitation", token=invitations.token_for(invitation), _external=True),
            "expires_at": invitation.expires_at}


def render(delivery):
    """The e-mail for a delivery, in the recipient's language, with links back to the portal."""
    from .notices import describe
    user = delivery.recipient
    config = current_app.config
    with current_app.test_request_context(base_url=config["PORTAL_URL"]), member_locale(user):
        template, context = "notification", dict(user=user, kind=delivery.kind, portal_url=config["PORTAL_URL"])
        if delivery.kind == "invitation":
            template = "invitation"
            context.update(_invitation_context(delivery.payload["invitation"]))
        elif delivery.kind == "password_reset":
            from forum import passwords  # the link is signed when the mail is written: it expires from then
            template, context["hours"] = "password_reset", config["PASSWORD_RESET_HOURS"]
            context["link"] = url_for("auth.reset_password", token=passwords.token_for(user), _external=True)
        elif delivery.kind == "request_rejected":
            template, context["reason"] = "request_rejected", delivery.payload["reason"]
        elif delivery.kind in ("digest", "watch_digest"):
            notices = db.session.scalars(select(Notification).where(
                Notification.id.in_(delivery.payload["notifications"])).order_by(Notification.created_at)).all()
            if delivery.kind == "watch_digest":
                from forum import watching
                watching.preload(notices)
            context["items"] = [describe(notice, external=True) for notice in notices]
        else:
            context["items"] = [describe(delivery.notification, external=True)]
        message = EmailMessage()
        message["Subject"] = str(SUBJECTS.get(delivery.kind, _("ILEA Alumni Portal")))
        message.set_content(render_template(f"email/{template}.txt", **context))
        message.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    message["From"] = config["MAIL_SENDER"]
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    # One Message-ID per delivery: a resend after a crash is recognisably the same mail.
    message["Message-ID"] = f"<delivery-{delivery.id}@{urlsplit(config['PORTAL_URL']).hostname or 'portal'}>"
    message["X-Portal-Delivery"] = str(delivery.id)
    return message


def transport(message):
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

def stale_delivery_ids():
    """Deliveries pending too long (broker down at commit, task lost) or abandoned mid-send."""
    now = utcnow()
    config = current_app.config
    return db.session.scalars(select(Delivery.id).where(or_(
        (Delivery.status == "pending")
        & (Delivery.updated_at < now - timedelta(seconds=config["MAIL_SWEEP_AFTER_SECONDS"]))
        & (Delivery.next_attempt_at.is_(None) | (Delivery.next_attempt_at <= now)),
        (Delivery.status == "sending") & (Delivery.claimed_at < now - timedelta(seconds=config["MAIL_SEND_LEASE_SECONDS"])),
    )).order_by(Delivery.id).limit(1000)).all()


def retry_failed(delivery):
    """An admin's retry of a failed delivery."""
    delivery.status, delivery.attempts, delivery.updated_at, delivery.next_attempt_at = "pending", 0, utcnow(), None
    db.session.info.setdefault("outbox", []).append(delivery.id)
    commit()


def send_digests():
    """One e-mail per moderator with the new cases since their last digest, at most once per interval."""
    send_digest(("new_case",), User.last_digest_at, lambda user: user.digest_minutes, "digest")


def send_digest(kinds, stamp, minutes, mail_kind, keep=None):
    """One e-mail per active member with their notices of these kinds not yet in a digest, at most
    once per `minutes(member)`; `stamp` is the member's column of their last such digest, and `keep`
    leaves out notices no longer to be told (a post hidden since)."""
    now = utcnow()
    pending = db.session.execute(select(Notification.user_id, Notification.id).where(
        Notification.kind.in_(kinds), Notification.digested_at.is_(None))).all()
    by_user = {}
    for user_id, notification_id in pending:
        by_user.setdefault(user_id, []).append(notification_id)
    for user in db.session.scalars(select(User).where(User.id.in_(by_user))):
        # Conditional updates: of two overlapping runs, only one takes the member and the notices.
        due = db.session.execute(update(User).where(
            User.id == user.id, stamp.is_(None) | (stamp <= now - timedelta(minutes=minutes(user))))
            .values({stamp: now}).execution_options(synchronize_session=False)).rowcount
        if not due:
            continue
        ids = db.session.scalars(update(Notification).where(
            Notification.id.in_(by_user[user.id]), Notification.digested_at.is_(None))
            .values(digested_at=now).returning(Notification.id)
            .execution_options(synchronize_session=False)).all()
        if keep is not None:
            ids = [notice.id for notice in db.session.scalars(select(Notification).where(Notification.id.in_(ids)))
                   if keep(notice)]
        if ids and user.is_active:
            queue_mail(user, mail_kind, payload=json.dumps({"notifications": sorted(ids)}))
        commit()


def remind_stale_cases():
    """Remind moderators (admins for escalated cases) of cases undecided too long, once per interval."""
    from .services import _admins, _moderators_for, notify
    now = utcnow()
    waited = now - timedelta(hours=current_app.config["STALE_CASE_HOURS"])
    cases = db.session.scalars(select(Case).where(
        Case.status != "resolved", Case.first_reported_at < waited,
        or_(Case.reminded_at.is_(None), Case.reminded_at < waited))).all()
    reminded = 0
    for case in cases:
        # Conditional, so two overlapping runs remind once.
        if not db.session.execute(update(Case).where(
                Case.id == case.id, Case.reminded_at.is_(None) | (Case.reminded_at < waited))
                .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount:
            continue
        recipients = _admins() if case.status == "escalated" else _moderators_for(case)
        notify(recipients, "stale_case", case, hours=current_app.config["STALE_CASE_HOURS"])
        commit()
        reminded += 1
    return reminded
