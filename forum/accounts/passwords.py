"""Password reset by e-mail, for portals whose passwords do not live in the ILEA Global Network.

The link signs the member's id and a fingerprint of the password hash with a timestamp: it expires
after PASSWORD_RESET_HOURS and stops working once the password changes, so it works once, and
nothing stored in the database can be turned into a working link.
"""
import hashlib
import hmac

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from forum import cache
from forum.accounts.services import hash_password
from forum.extensions import db
from forum.models import User, new_session_token
from forum.notifications import kinds
from forum.notifications.outbox import commit, queue_mail

SALT = "password-reset"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(password_hash):
    return hashlib.sha256((password_hash or "no password").encode()).hexdigest()[:20]


def token_for(member):
    return _serializer().dumps([member.id, _fingerprint(member.password_hash)])


def find(token):
    """The member a reset link names, and why it cannot be used ("invalid", "used", "expired"), if so."""
    try:
        member_id, fingerprint = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_HOURS"] * 3600)
    except SignatureExpired:
        return None, "expired"
    except (BadSignature, ValueError, TypeError):
        return None, "invalid"
    member = db.session.get(User, member_id)
    if member is None or not member.is_active:
        return None, "invalid"
    if not hmac.compare_digest(_fingerprint(member.password_hash), str(fingerprint)):
        return member, "used"
    return member, None


def request_reset(email):
    """Mail a reset link to the active member with this e-mail; nothing happens for anyone else, and
    the visitor is told the same either way, so the form does not reveal who is a member."""
    member = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if member is not None and member.is_active:
        queue_mail(member, "password_reset")
        commit()


def reset(member, password):
    """Set the new password if the link is still unspent (two tabs at once: one wins); every session
    of the member ends. Returns whether the password was set."""
    unchanged = User.password_hash.is_(None) if member.password_hash is None \
        else User.password_hash == member.password_hash
    changed = db.session.execute(update(User).where(User.id == member.id, unchanged).values(
        password_hash=hash_password(password), session_token=new_session_token())
        .execution_options(**cache.changes_for(member.id))).rowcount
    commit()
    db.session.refresh(member)
    return changed == 1


def _reset_mail(delivery):
    # The link is signed when the mail is written: it expires from then.
    return {"hours": current_app.config["PASSWORD_RESET_HOURS"],
            "link": url_for("auth.reset_password", token=token_for(delivery.recipient), _external=True)}


kinds.register("password_reset", subject=_l("Choose a new password for the ILEA Alumni Portal"), mandatory=True,
               template="password_reset", context=_reset_mail)
