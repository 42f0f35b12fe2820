"""Invitations, and the account requests that lead to them.

Imported alumni receive a one-time link, in their language, to set a password.

Sent through the e-mail outbox and the worker. With a broker, a large batch is spread out at
INVITATIONS_PER_MINUTE (each delivery is due at its own minute; the outbox sweep sends what is
due, so a batch resumes by itself after a restart). Nobody is invited twice unless asked.
"""
import json
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert, select, update

from forum.accounts.roster import unique_username, username_base
from forum.accounts.services import end_all_sessions, hash_password
from forum.extensions import db
from forum.models import Invitation, User, utcnow
from forum.notifications import kinds
from forum.notifications.outbox import commit, queue_mail, queue_many

SALT = "invitation"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_for(invitation):
    return _serializer().dumps([invitation.id, invitation.nonce])


def find(token):
    """The invitation a link names, and why it cannot be used ("invalid", "used", "expired"), if so."""
    try:
        invitation_id, nonce = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None, "invalid"
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(nonce)):
        return None, "invalid"
    if invitation.used_at is not None:
        return invitation, "used"
    if invitation.expires_at < utcnow() or not invitation.user.is_active:
        return invitation, "expired"
    return invitation, None


def invite(admin, members, resend=False):
    """Invite these members (already invited ones only if `resend`); returns how many were invited.
    Invitations and their e-mails are written in bulk: inviting all 70,000 alumni is a few statements."""
    config = current_app.config
    now = utcnow()
    members = [member for member in members if member.is_active and (resend or member.invited_at is None)]
    if not members:
        return 0
    spread = bool(config["CELERY_BROKER_URL"])  # in-process mode sends at once, nothing would wait
    per_minute = max(int(config["INVITATIONS_PER_MINUTE"]), 1)
    expires_at = now + timedelta(days=config["INVITATION_DAYS"])
    member_ids = [member.id for member in members]
    # Plain multi-row inserts (no RETURNING: fast); this run's rows are then found by their time.
    db.session.execute(insert(Invitation), [
        {"user_id": member_id, "nonce": secrets.token_hex(16), "invited_by_id": admin.id, "created_at": now,
         "expires_at": expires_at} for member_id in member_ids])
    this_run = select(Invitation.user_id, Invitation.id).where(Invitation.created_at == now,
                                                               Invitation.invited_by_id == admin.id)
    invitation_of = dict(db.session.execute(this_run).all())
    queue_many("invitation", [
        (member_id, json.dumps({"invitation": invitation_of[member_id]}),
         now + timedelta(minutes=number // per_minute) if spread else None)
        for number, member_id in enumerate(member_ids)])
    # One statement, no per-object bookkeeping: the commit below expires the loaded members anyway.
    db.session.execute(update(User).where(User.id.in_(this_run.with_only_columns(Invitation.user_id)))
                       .values(invited_at=now).execution_options(synchronize_session=False))
    commit()
    return len(members)


def matching(academy=None, year=None, not_invited=True):
    """Members to invite: those who never set a password, optionally of one academy and year."""
    query = select(User).where(User.status == "active", User.password_hash.is_(None))
    if academy:
        query = query.where(User.academy == academy)
    if year:
        query = query.where(User.graduation_year == year)
    if not_invited:
        query = query.where(User.invited_at.is_(None))
    return db.session.scalars(query.order_by(User.id)).all()


def counts():
    """Members without a password: how many, and how many of them were never invited."""
    without_password = select(db.func.count()).select_from(User).where(
        User.status == "active", User.password_hash.is_(None))
    return {"without_password": db.session.scalar(without_password),
            "not_invited": db.session.scalar(without_password.where(User.invited_at.is_(None)))}


def accept(invitation, password):
    """Set the member's password from the invitation, which is then spent; returns the member."""
    claimed = db.session.execute(update(Invitation).where(Invitation.id == invitation.id,
                                                          Invitation.used_at.is_(None))
                                 .values(used_at=utcnow())).rowcount
    if claimed != 1:  # two tabs submitting at once: the second finds it spent
        db.session.rollback()
        return None
    member = invitation.user
    member.password_hash = hash_password(password)
    end_all_sessions(member)  # commits
    return member


def _free_username(email):
    taken = db.session.scalars(select(User.username).where(User.username.like(f"{username_base(email)}%")))
    return unique_username(email, set(taken))


def _decided(request, admin, status, **fields):
    request.status, request.decided_at, request.decided_by_id = status, utcnow(), admin.id
    for name, value in fields.items():
        setattr(request, name, value)


def approve_request(admin, request):
    """Make the requester a member and invite them; if the e-mail is already a member's, link that
    member instead (nothing is created). Returns (member, created)."""
    member = db.session.scalar(select(User).where(User.email == request.email))
    if member is not None:
        _decided(request, admin, "existing", member_id=member.id)
        commit()
        return member, False
    member = User(username=_free_username(request.email), email=request.email, display_name=request.name[:80],
                  academy=request.academy, graduation_year=request.graduation_year,
                  preferred_language=request.language)
    db.session.add(member)
    db.session.flush()
    _decided(request, admin, "approved", member_id=member.id)
    invite(admin, [member])  # commits the member, the decision and the invitation together
    return member, True


def reject_request(admin, request, reason):
    """Refuse the request; the requester is told why by e-mail, in the language they wrote in."""
    _decided(request, admin, "rejected", reason=reason)
    queue_mail(None, "request_rejected", payload=json.dumps(
        {"to": request.email, "name": request.name, "language": request.language, "reason": reason}))
    commit()


def _invitation_mail(delivery):
    invitation = db.session.get(Invitation, delivery.payload["invitation"])
    return {"link": url_for("auth.invitation", token=token_for(invitation), _external=True),
            "expires_at": invitation.expires_at}


# Mail that reaches people who cannot sign in yet, so nobody may switch it off.
kinds.register("invitation", subject=_l("Your invitation to the ILEA Alumni Portal"), mandatory=True,
               template="invitation", context=_invitation_mail)
kinds.register("request_rejected", subject=_l("Your request for an account on the ILEA Alumni Portal"),
               mandatory=True, template="request_rejected",
               context=lambda delivery: {"reason": delivery.payload["reason"]})
