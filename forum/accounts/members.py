"""Member administration: finding members by filter, a member's record, role changes, bulk actions.

A filter is one query, so a page of the list costs the same few statements whatever it shows, and a
bulk action applies to everything the filter matches, not only the page on screen. Role changes and
ended sessions go to the audit log (forum.audit).
"""
import io
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, func, or_, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

from forum import hooks, permissions, spreadsheets
from forum.accounts import invitations
from forum.accounts.roster import COLUMNS
from forum.accounts.services import end_all_sessions
from forum.audit import ModerationAction, log_action
from forum.extensions import db
from forum.forms import FIRST_GRADUATION_YEAR
from forum.models import (
    ACADEMIES,
    ROLES,
    Category,
    CategoryModerator,
    Invitation,
    LoginEvent,
    Post,
    Thread,
    User,
    utcnow,
)
from forum.notifications.outbox import commit

PER_PAGE = 50
ROLE_LABELS = {"member": _l("Member"), "moderator": _l("Moderator"), "admin": _l("Administrator")}
STATUS_LABELS = {"active": _l("Active"), "suspended": _l("Suspended"), "dismissed": _l("Dismissed"),
                 "deleted": _l("Deleted")}
INVITATION_LABELS = {"not_invited": _l("Never invited"), "invited": _l("Invited, not signed in yet"),
                     "signed_in": _l("Has signed in")}
LOGIN_METHODS = {"password": _l("Password"), "ign": _l("ILEA Global Network"), "invitation": _l("Invitation link"),
                 "reset": _l("Password reset")}
LOGIN_OUTCOMES = {"ok": _l("Signed in"), "failed": _l("Wrong password"), "refused": _l("Refused: account not active")}
BULK_ACTIONS = ("invite", "sign_out")


class MemberAdminError(Exception):
    """A rule refused the change; `message` tells the admin why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- finding members ---------------------------------------------------------------------------

def filters_from(args):
    """The member filters in a query string or form; unknown or malformed values are left out."""
    filters = {}
    for name, limit in (("q", 100), ("country", 80)):
        value = (args.get(name) or "").replace("\x00", "").strip()[:limit]
        if value:
            filters[name] = value
    for name, allowed in (("academy", ACADEMIES), ("role", ROLES), ("status", STATUS_LABELS),
                          ("invitation", INVITATION_LABELS)):
        if args.get(name) in allowed:
            filters[name] = args.get(name)
    year = (args.get("year") or "").strip()
    if re.fullmatch(r"[0-9]{4}", year) and int(year) >= FIRST_GRADUATION_YEAR:
        filters["year"] = int(year)
    return filters


def _suspended(now):
    return and_(User.suspended_until.is_not(None), User.suspended_until > now)


def _status_condition(status, now):
    if status == "active":
        return and_(User.status == "active", ~_suspended(now))
    if status == "suspended":
        return and_(_suspended(now), User.status.not_in(("dismissed", "deleted")))
    return User.status == status


INVITATION_CONDITIONS = {
    "signed_in": lambda: User.last_login_at.is_not(None),
    "invited": lambda: and_(User.invited_at.is_not(None), User.last_login_at.is_(None)),
    "not_invited": lambda: and_(User.invited_at.is_(None), User.last_login_at.is_(None)),
}


def _matching(filters):
    query = select(User)
    if needle := filters.get("q", "").lower():
        # A substring anywhere in the name, username or e-mail: what an admin remembers of someone.
        # No index serves it; a scan of 70,000 short rows is a few milliseconds.
        query = query.where(or_(User.username.contains(needle, autoescape=True),
                                User.email.contains(needle, autoescape=True),
                                func.lower(User.stored_name).contains(needle, autoescape=True)))
    for name, column in (("academy", User.academy), ("year", User.graduation_year),
                         ("country", User.country), ("role", User.role)):
        if name in filters:
            query = query.where(column == filters[name])
    if "status" in filters:
        query = query.where(_status_condition(filters["status"], utcnow()))
    if "invitation" in filters:
        query = query.where(INVITATION_CONDITIONS[filters["invitation"]]())
    return query


def search(filters):
    """The members matching the filters (see filters_from), by name: one SELECT, not yet run."""
    return _matching(filters).order_by(User.stored_name, User.id)


def page_of(filters, page):
    """One page of the matching members, with the total."""
    return db.paginate(search(filters), page=page, per_page=PER_PAGE, error_out=False)


def countries():
    """The countries members come from, for the filter."""
    return db.session.scalars(select(User.country).where(User.country.is_not(None))
                              .distinct().order_by(User.country)).all()


def status_of(member):
    """active, suspended, dismissed or deleted: what the status filter calls the member."""
    if member.status in ("dismissed", "deleted"):
        return member.status
    return "suspended" if member.is_suspended else "active"


def vocabulary():
    """The words of the member pages: roles, statuses, invitation states."""
    return {"role_labels": ROLE_LABELS, "status_labels": STATUS_LABELS, "invitation_labels": INVITATION_LABELS,
            "login_methods": LOGIN_METHODS, "login_outcomes": LOGIN_OUTCOMES, "status_of": status_of}


def _count(query):
    return db.session.scalar(query.with_only_columns(func.count()).select_from(User))


def describe_filters(filters):
    """The filters as the audit log records them: language-neutral codes."""
    return ", ".join(f"{name}={filters[name]}" for name in sorted(filters)) or "all members"


# --- one member --------------------------------------------------------------------------------

def member_page(member):
    """Everything the admins' page about a member shows, in a fixed number of queries."""
    threads = select(func.count(Thread.id)).where(Thread.author_id == member.id).scalar_subquery()
    posts = select(func.count(Post.id)).where(Post.author_id == member.id).scalar_subquery()
    thread_count, post_count = db.session.execute(select(threads, posts)).one()
    page = {
        "invitation": db.session.scalar(select(Invitation).where(Invitation.user_id == member.id)
                                        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(1)),
        "thread_count": thread_count,
        "post_count": post_count,
        "recent_posts": db.session.scalars(
            select(Post).where(Post.author_id == member.id)
            .options(joinedload(Post.thread).joinedload(Thread.category))
            .order_by(Post.created_at.desc(), Post.id.desc()).limit(10)).all(),
        "actions": db.session.scalars(
            select(ModerationAction).where(ModerationAction.member_id == member.id)
            .options(joinedload(ModerationAction.actor))
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()).limit(50)).all(),
        "logins": db.session.scalars(
            select(LoginEvent).where(LoginEvent.user_id == member.id)
            .order_by(LoginEvent.created_at.desc(), LoginEvent.id.desc()).limit(20)).all(),
        "categories": db.session.scalars(select(Category).order_by(Category.position, Category.id)).all(),
    }
    for part in hooks.member_page:
        page.update(part(member))
    return page


BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
            ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"))
SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def browser_summary(user_agent):
    """"Firefox · Windows" from a User-Agent header; the header itself when it names neither."""
    agent = user_agent or ""
    browser = next((name for mark, name in BROWSERS if mark in agent), None)
    system = next((name for mark, name in SYSTEMS if mark in agent), None)
    return " · ".join(part for part in (browser, system) if part) or agent[:60]


def _scope_text(role, category_ids, slugs):
    if role != "moderator" or not category_ids:
        return role
    return f"{role}: {', '.join(sorted(slugs[i] for i in category_ids))}"


def change_role(admin, member, role, category_ids=(), note=""):
    """Make the member a member, a moderator (of these categories; none: all) or an admin, recorded
    in the audit log. Returns False when nothing changes."""
    permissions.require(permissions.is_admin(admin))
    if role not in ROLES:
        raise MemberAdminError(_l("Choose a role."))
    wanted = set(category_ids) if role == "moderator" else set()
    old_role, old_scopes = member.role, member.moderated_category_ids
    if (old_role, old_scopes) == (role, wanted):
        return False
    if role != "member" and member.status in ("dismissed", "deleted"):
        raise MemberAdminError(_l("A dismissed or deleted account cannot moderate or administer."))
    slugs = dict(db.session.execute(select(Category.id, Category.slug).where(Category.id.in_(wanted | old_scopes))).all())
    if not wanted <= slugs.keys():
        raise MemberAdminError(_l("Choose among the categories listed."))
    if old_role == "admin" and role != "admin":
        # Lock the admins' rows in one order: two admins demoting each other at once wait for
        # each other (PostgreSQL), and the second then sees that only one admin is left.
        admins = db.session.execute(select(User.id, User.suspended_until).where(
            User.role == "admin", User.status == "active").order_by(User.id).with_for_update()).all()
        now = utcnow()
        if not any(admin_id != member.id and (until is None or until <= now) for admin_id, until in admins):
            db.session.rollback()
            raise MemberAdminError(_l("%(name)s is the last active administrator: make another member an "
                                      "administrator first.", name=member.display_name))
    current = {scope.category_id: scope for scope in member.moderated_categories}
    for category_id in sorted(wanted - current.keys()):
        member.moderated_categories.append(CategoryModerator(category_id=category_id))
    for category_id in current.keys() - wanted:
        member.moderated_categories.remove(current[category_id])
    member.role = role
    change = f"{_scope_text(old_role, old_scopes, slugs)} → {_scope_text(role, wanted, slugs)}"
    log_action(admin, "role_changed", member=member, reason="\n".join(filter(None, (change, note.strip()))))
    commit()
    return True


def sign_out(admin, member):
    """End every session and remember-me cookie of the member; recorded in the audit log."""
    permissions.require(permissions.is_admin(admin))
    log_action(admin, "sessions_ended", member=member)
    end_all_sessions(member)  # commits the log row with the new token


def invite_member(admin, member):
    """Send the member an invitation, or a new one; returns how many were sent (0 or 1)."""
    permissions.require(permissions.is_admin(admin))
    if member.password_hash is not None:
        raise MemberAdminError(_l("This member has a password and signs in with it: no invitation is needed."))
    if not member.is_active:
        raise MemberAdminError(_l("Only active members can be invited."))
    return invitations.invite(admin, [member], resend=True)


# --- bulk actions on a filter ------------------------------------------------------------------

def _invitable(filters):
    """The matching members an invitation can go to: active, no password, never invited or signed in."""
    return _matching(filters).where(User.status == "active", ~_suspended(utcnow()), User.password_hash.is_(None),
                                 User.invited_at.is_(None), User.last_login_at.is_(None))


def _signed_out(filters, admin):
    """The matching members whose sessions a bulk sign-out ends: all but the admin doing it."""
    return _matching(filters).where(User.id != admin.id)


def bulk_count(admin, action, filters):
    """How many members the bulk action would reach: the number the admin confirms."""
    return _count(_invitable(filters) if action == "invite" else _signed_out(filters, admin))


def bulk_invite(admin, filters):
    """Invite every matching member who was never invited; returns how many were."""
    permissions.require(permissions.is_admin(admin))
    members = _invitable(filters).order_by(User.id)
    return invitations.invite(admin, db.session.scalars(members).all())


class random_token(FunctionElement):
    """A new random session token for each row, made by the database: 64 hex characters."""

    type = String()
    inherit_cache = True


@compiles(random_token)
def _random_token_sqlite(element, compiler, **kw):
    return "lower(hex(randomblob(32)))"


@compiles(random_token, "postgresql")
def _random_token_postgresql(element, compiler, **kw):
    # gen_random_uuid() draws on PostgreSQL's strong random source (122 random bits each).
    return "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"


def bulk_sign_out(admin, filters):
    """End every session of the matching members (but the admin's own) in one UPDATE; audited."""
    permissions.require(permissions.is_admin(admin))
    ids = _signed_out(filters, admin).with_only_columns(User.id)
    ended = db.session.execute(update(User).where(User.id.in_(ids)).values(session_token=random_token())
                               .execution_options(synchronize_session=False)).rowcount
    log_action(admin, "bulk_sessions_ended", reason=f"{ended} · {describe_filters(filters)}")
    commit()
    return ended


def export_csv(filters):
    """The matching members as a roster (forum/accounts/roster.py COLUMNS): CSV text in chunks, to stream.

    Deleted accounts and members without an academy (staff accounts) are left out: a roster row
    needs an academy, and a deleted account is nobody's anymore. Text cells are kept from running as
    formulas (forum/spreadsheets.py); the import takes that quoting off again. The rows are read on
    a connection of the export's own, so the download goes on after the request's context has ended.
    """
    query = (_matching(filters).where(User.academy.is_not(None), User.status != "deleted")
             .with_only_columns(User.stored_name, User.email, User.academy, User.class_session,
                                User.graduation_year, User.country, User.agency, User.preferred_language)
             .order_by(User.id))
    engine = db.engine

    def chunks():
        buffer = io.StringIO()
        writer = spreadsheets.writer(buffer)
        buffer.write("\ufeff")  # spreadsheets then read the file as UTF-8; the import skips it
        writer.writerow(COLUMNS)
        with engine.connect() as connection:
            for row in connection.execution_options(yield_per=1000).execute(query):
                writer.writerow(row)
                if buffer.tell() > 65536:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return chunks()
