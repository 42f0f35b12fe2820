"""The Code of Conduct: the version in force, a member's acceptance of it, publishing a new version."""

from collections.abc import Callable, Sequence
from typing import TypeVar

from argon2 import PasswordHasher
from flask import g, has_request_context
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from forum import cache, permissions
from forum.extensions import db
from forum.models import (
    ConductAcceptance,
    ConductRule,
    ConductVersion,
    User,
)
from forum.notifications.outbox import commit

_hasher = PasswordHasher()
# Verifying against this when no account matches keeps the response time the same,
# so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("no such account")




class ConductNotAccepted(Exception):
    """The member must accept the current Code of Conduct first."""



# --- Code of Conduct --------------------------------------------------------------------------

_T = TypeVar("_T")


def per_request(name: str, load: Callable[[], _T]) -> _T:
    """`load()` once per request, kept in `g` under `name`; outside a request (tests, tasks) every time."""
    if not has_request_context():
        return load()
    if name not in g:
        setattr(g, name, load())
    return g.get(name)


def current_conduct() -> ConductVersion | None:
    """The Code of Conduct version in force (the highest number) with its rules, or None before
    seeding. Read once per request: the case page names rules in a dozen places."""
    return per_request("conduct_version", lambda: db.session.scalar(
        select(ConductVersion).options(selectinload(ConductVersion.rules))
        .order_by(ConductVersion.number.desc()).limit(1)))


def has_accepted_current_conduct(user: User) -> bool:
    """One query: true if the member accepted the version in force (or none is published yet)."""
    current = select(ConductVersion.id).order_by(ConductVersion.number.desc()).limit(1).scalar_subquery()
    accepted = select(ConductAcceptance.id).where(ConductAcceptance.user_id == user.id,
                                                  ConductAcceptance.version_id == current)
    return db.session.scalar(select(or_(~select(ConductVersion.id).exists(), accepted.exists())))


def accepted_shown(user: User) -> bool:
    """has_accepted_current_conduct for what a page shows (the reply box, the gate before a form),
    from the cache until the member accepts or a new version is published; writes check the database."""
    return bool(cache.remembered(user.id, "conduct", lambda: has_accepted_current_conduct(user)))


cache.EVERY_PAGE.append("conduct")  # read in the request's first round trip (the thread page's reply box)


def require_conduct_accepted(user: User) -> None:
    if not has_accepted_current_conduct(user):
        raise ConductNotAccepted()


def accept_conduct(user: User, version_number: int) -> bool:
    """Record that the member accepted this version; only the version in force can be accepted."""
    version = current_conduct()
    if version is None or version.number != version_number:
        return False
    exists = db.session.scalar(select(ConductAcceptance.id).where(
        ConductAcceptance.user_id == user.id, ConductAcceptance.version_id == version.id))
    if exists is None:
        db.session.add(ConductAcceptance(user_id=user.id, version_id=version.id))
        commit()
    return True


def publish_conduct(admin: User, title: str, introduction: str, closing: str,
                    wording: Sequence[tuple[str, str]]) -> ConductVersion:
    """Publish a new version; every member is asked to accept it before posting again.

    `wording` gives a (title, text) for each rule of the version in force, in order: the rules'
    codes carry over unchanged, since reports and cases cite them.
    """
    permissions.require(permissions.is_admin(admin))
    current = current_conduct()
    if current is None or len(wording) != len(current.rules):
        raise ValueError("one (title, text) per rule of the version in force")
    version = ConductVersion(number=current.number + 1, title=title, introduction=introduction,
                             closing=closing, published_by_id=admin.id)
    version.rules = [ConductRule(code=rule.code, position=rule.position, title=rule_title, text=text)
                     for rule, (rule_title, text) in zip(current.rules, wording)]
    db.session.add(version)
    commit()
    g.pop("conduct_version", None)
    return version


