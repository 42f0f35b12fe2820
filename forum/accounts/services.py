"""Account operations: passwords, sign-in records, sessions, the profile, account requests. Each
checks its rules, changes state and commits one transaction."""

from collections.abc import Mapping
from typing import Any, TypeGuard, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select

from forum import markup
from forum.extensions import db
from forum.models import (
    LANGUAGES,
    AccountRequest,
    LoginEvent,
    User,
    new_session_token,
    utcnow,
)
from forum.notifications.outbox import commit

_hasher = PasswordHasher()
# Verifying against this when no account matches keeps the response time the same,
# so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("no such account")




# --- accounts -------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_member(login: str | None) -> User | None:
    """The member with this username or e-mail (either case), or None."""
    login = (login or "").strip().lower()
    return db.session.scalar(select(User).where(or_(User.username == login, User.email == login)))


def authenticate(login: str, password: str) -> User | None:
    """Return the member whose username or e-mail and password match, else None."""
    user = find_member(login)
    if not password_matches(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _record_token_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(cast(str | bytes, current_app.secret_key), salt="member-record")


def record_token(user: User) -> str:
    """A short-lived link for a member who cannot sign in (suspended, dismissed) to read and
    appeal the decisions about them; handed out only after their password was checked."""
    return _record_token_serializer().dumps(user.id)


def member_from_record_token(token: str, max_age: int = 3600) -> User | None:
    try:
        user_id = _record_token_serializer().loads(token, max_age=max_age)
    except BadSignature:
        return None
    return db.session.get(User, user_id)


def record_login(user: User, method: str = "password", language: str | None = None) -> None:
    """Note a successful sign-in, with the language the visitor chose on the way in, if any."""
    user.last_login_at = utcnow()
    if language in LANGUAGES:
        user.preferred_language = language
    record_login_attempt(user, method, "ok")


def record_login_attempt(user: User, method: str, outcome: str) -> None:
    """Add a sign-in attempt on a known account to its login history (ok, failed or refused)."""
    agent = request.user_agent.string[:255] if has_request_context() else None
    db.session.add(LoginEvent(user_id=user.id, method=method, outcome=outcome, user_agent=agent,
                              ip=request.remote_addr if has_request_context() else None))
    commit()


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of the member."""
    user.session_token = new_session_token()
    commit()


def create_member(username: str, email: str, password: str | None, display_name: str, role: str = "member",
                  **profile: Any) -> User:
    """Create an account (used by the CLI and demo seeding)."""
    user = User(
        username=username.strip().lower(),
        email=email.strip().lower(),
        password_hash=hash_password(password) if password else None,
        display_name=display_name,
        role=role,
        **profile,
    )
    db.session.add(user)
    commit()
    return user


def update_profile(user: User, fields: Mapping[str, Any]) -> None:
    """Save the member's own profile fields; the bio is stored sanitized beside its source."""
    for name in ("academy", "class_session", "graduation_year", "country", "agency"):
        setattr(user, name, fields.get(name) or None)
    user.display_name = fields["display_name"].strip()
    user.preferred_language = fields.get("preferred_language") or "en"
    user.timezone = fields.get("timezone") or "UTC"
    user.bio_source = fields.get("bio") or ""
    user.bio_html = markup.render_markdown(user.bio_source)
    user.directory_hidden = bool(fields.get("directory_hidden"))
    commit()


def set_preferred_language(user: User, language: str) -> None:
    user.preferred_language = language
    commit()


def password_matches(user: User | None, password: str | None) -> TypeGuard[User]:  # True: `user` is a member
    """Whether the password is the member's; as slow without a member or a password, so the time
    taken reveals nothing."""
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def change_password(user: User, current_password: str, new_password: str) -> bool:
    """Set a new password after checking the current one; other sessions end."""
    if not password_matches(user, current_password):
        return False
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    commit()
    return True


def file_account_request(name: str, email: str, academy: str | None, graduation_year: int | None, message: str | None,
                         language: str = "en") -> AccountRequest:
    """Record a request for an account from the public contact form (in the language it was filled in)."""
    request = AccountRequest(name=name.strip(), email=email.strip().lower(), academy=academy or None,
                             graduation_year=graduation_year, message=message or "", language=language)
    db.session.add(request)
    commit()
    return request


