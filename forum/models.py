"""The forum's data: members, the Code of Conduct, categories, threads and posts.

Models hold data and small derived properties; they never commit (services own transactions).
Times are naive UTC everywhere, so SQLite and PostgreSQL compare them the same way.
"""
import re
import secrets
import unicodedata
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, UniqueConstraint, false, func, literal_column, text
from sqlalchemy.dialects.postgresql import TSVECTOR

from forum.extensions import db

ACADEMIES = {
    "budapest": _l("ILEA Budapest"),
    "bangkok": _l("ILEA Bangkok"),
    "gaborone": _l("ILEA Gaborone"),
    "san-salvador": _l("ILEA San Salvador"),
    "roswell": _l("ILEA Roswell"),
}
THREAD_KINDS = {
    "discussion": _l("Discussion"),
    "story": _l("Story"),
    "best_practice": _l("Best practice"),
}
LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "th": "ไทย", "pt": "Português"}
ROLES = ("member", "moderator", "admin")
STATUSES = ("active", "suspended", "dismissed", "deleted")  # deleted: anonymized at the member's request
# The members the alumni directory lists: those who did not hide their profile and are still members
# (a suspension ends by itself; dismissed and deleted accounts never appear). SQL, shared by the
# directory's queries and their partial index.
DIRECTORY_LISTED = "NOT directory_hidden AND status IN ('active', 'suspended')"


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_token():
    return secrets.token_urlsafe(32)


def shown_name(stored_name, status):
    """The name the portal shows for a user (User.display_name; also for Core rows)."""
    return _l("Former member") if status == "deleted" else stored_name


def slugify(text):
    """ASCII slug for URLs; titles in Thai simply get no suffix."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # The admins' member list (forum/accounts/members.py): its default order, and the filters that pick
    # few of ~70,000 rows (an academy and year, a country, the staff, suspended or dismissed members).
    __table_args__ = (
        Index("ix_users_name", "display_name", "id"),
        Index("ix_users_academy_year", "academy", "graduation_year"),
        Index("ix_users_country", "country"),
        Index("ix_users_role", "role"),
        Index("ix_users_status", "status"),
        Index("ix_users_suspended_until", "suspended_until"),
        # The alumni directory's default order, over only the members it lists (a partial index: the
        # hidden, dismissed and deleted accounts are not in it). Its queries repeat DIRECTORY_LISTED
        # word for word, so both databases see that the index applies.
        Index("ix_users_directory_name", "display_name", "id",
              postgresql_where=text(DIRECTORY_LISTED), sqlite_where=text(DIRECTORY_LISTED)),
        # Names found by any part of them (forum/connect/directory.py), on PostgreSQL (pg_trgm).
        Index("ix_users_directory_trigrams", func.lower(literal_column("display_name")).label("lower_name"), "username",
              postgresql_using="gin", postgresql_ops={"lower_name": "gin_trgm_ops", "username": "gin_trgm_ops"},
              postgresql_where=text(DIRECTORY_LISTED)).ddl_if(dialect="postgresql"),
    )

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(32), nullable=False, unique=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255))
    # Flask-Login identifies sessions and remember-me cookies by this token, not by the id,
    # so rotating it ends every session of the member at once.
    session_token = db.Column(db.String(64), nullable=False, unique=True, default=new_session_token)
    role = db.Column(db.String(16), nullable=False, default="member")
    status = db.Column(db.String(16), nullable=False, default="active")
    # Read through `display_name`, which names a deleted account "Former member" in the reader's language.
    stored_name = db.Column("display_name", db.String(80), nullable=False)
    academy = db.Column(db.String(16))
    class_session = db.Column(db.String(80))
    graduation_year = db.Column(db.Integer)
    country = db.Column(db.String(80))
    agency = db.Column(db.String(120))
    preferred_language = db.Column(db.String(5), nullable=False, default="en")
    timezone = db.Column(db.String(64), nullable=False, default="UTC")
    bio_source = db.Column(db.Text, nullable=False, default="")
    bio_html = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)
    imported_at = db.Column(db.DateTime)  # last updated from an academy roster
    invited_at = db.Column(db.DateTime)  # last sent an invitation to join
    # The ILEA Global Network's subject identifier, linked at the first sign-in through IGN.
    ign_subject = db.Column(db.String(255), unique=True)
    deleted_at = db.Column(db.DateTime)  # anonymized at the member's request
    # Timed penalties end by themselves: they are in force while these lie in the future.
    suspended_until = db.Column(db.DateTime)
    silenced_until = db.Column(db.DateTime)
    # Moderators get new cases by e-mail at most once per this many minutes.
    digest_minutes = db.Column(db.Integer, nullable=False, default=60, server_default="60")
    last_digest_at = db.Column(db.DateTime)
    # The member's choice to stay out of the alumni directory; their profile and posts stay readable.
    directory_hidden = db.Column(db.Boolean, nullable=False, default=False, server_default=false())
    # Activity in watched threads and categories reaches members by e-mail in digests (forum/connect/watching.py).
    last_watch_digest_at = db.Column(db.DateTime)
    last_message_digest_at = db.Column(db.DateTime)

    # Loaded when asked (permissions ask for the signed-in member only, and only of moderators): a
    # thread page loads twenty authors whose scopes nobody reads.
    moderated_categories = db.relationship("CategoryModerator", lazy="select", cascade="all, delete-orphan")

    def get_id(self):
        return self.session_token

    @property
    def display_name(self):
        return shown_name(self.stored_name, self.status)

    @display_name.setter
    def display_name(self, value):
        self.stored_name = value

    @property
    def is_deleted(self):
        return self.status == "deleted"

    @property
    def is_active(self):
        return self.status == "active" and not self.is_suspended

    @property
    def is_suspended(self):
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_silenced(self):
        return self.silenced_until is not None and self.silenced_until > utcnow()

    @property
    def is_dismissed(self):
        return self.status == "dismissed"

    @property
    def moderated_category_ids(self):
        """Categories a scoped moderator looks after; empty for global moderators."""
        return {scope.category_id for scope in self.moderated_categories}

    @property
    def is_moderator(self):
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def academy_name(self):
        return ACADEMIES.get(self.academy, "")

    def __repr__(self):
        return f"<User {self.username}>"


class LoginEvent(db.Model):
    """One sign-in attempt on a known account: the login history admins read on a member's page."""

    __tablename__ = "login_events"
    __table_args__ = (Index("ix_login_events_user_created", "user_id", "created_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # password, ign, invitation, reset; outcome: ok, failed (wrong password), refused (not active)
    method = db.Column(db.String(16), nullable=False)
    outcome = db.Column(db.String(16), nullable=False, default="ok")
    ip = db.Column(db.String(45))
    user_agent = db.Column(db.String(255))


class CategoryModerator(db.Model):
    """Scopes a moderator to a category; a moderator without any scope moderates everywhere."""

    __tablename__ = "category_moderators"
    __table_args__ = (UniqueConstraint("user_id", "category_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=False, index=True)


class ConductVersion(db.Model):
    """One published version of the Code of Conduct; the highest number is in force."""

    __tablename__ = "conduct_versions"

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.Integer, nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    introduction = db.Column(db.Text, nullable=False)
    closing = db.Column(db.Text, nullable=False)
    published_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    published_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    rules = db.relationship(
        "ConductRule", back_populates="version", order_by="ConductRule.position"
    )


class ConductRule(db.Model):
    """An unacceptable-conduct rule; `code` stays the same across versions so reports can cite it."""

    __tablename__ = "conduct_rules"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id = db.Column(db.Integer, primary_key=True)
    version_id = db.Column(db.Integer, db.ForeignKey("conduct_versions.id"), nullable=False)
    code = db.Column(db.String(40), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    title = db.Column(db.String(200), nullable=False)
    text = db.Column(db.Text, nullable=False)

    version = db.relationship("ConductVersion", back_populates="rules")


class ConductAcceptance(db.Model):
    __tablename__ = "conduct_acceptances"
    __table_args__ = (UniqueConstraint("user_id", "version_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    version_id = db.Column(db.Integer, db.ForeignKey("conduct_versions.id"), nullable=False)
    accepted_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Category(db.Model):
    __tablename__ = "categories"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(60), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    description = db.Column(db.String(500), nullable=False, default="")
    # subject / academy / general: how the home page groups the boards.
    group = db.Column(db.String(16), nullable=False, default="general")
    position = db.Column(db.Integer, nullable=False, default=0)
    staff_only = db.Column(db.Boolean, nullable=False, default=False)
    archived = db.Column(db.Boolean, nullable=False, default=False)
    thread_count = db.Column(db.Integer, nullable=False, default=0)
    post_count = db.Column(db.Integer, nullable=False, default=0)
    last_activity_at = db.Column(db.DateTime)


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_category_listing", "category_id", "pinned", "last_activity_at", "id"),
        Index("ix_threads_category_kind_listing", "category_id", "kind", "last_activity_at", "id"),
        Index("ix_threads_activity", "last_activity_at", "id"),
        Index("ix_threads_category_language_listing", "category_id", "language", "last_activity_at", "id"),
        Index("ix_threads_language_activity", "language", "last_activity_at", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    title = db.Column(db.String(200), nullable=False)
    kind = db.Column(db.String(16), nullable=False, default="discussion")
    language = db.Column(db.String(5), nullable=False, default="en")  # the opening post's
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_activity_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_poster_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    # Counters kept by the services so lists never count rows.
    post_count = db.Column(db.Integer, nullable=False, default=0)
    reply_count = db.Column(db.Integer, nullable=False, default=0)
    view_count = db.Column(db.Integer, nullable=False, default=0)
    pinned = db.Column(db.Boolean, nullable=False, default=False)
    locked = db.Column(db.Boolean, nullable=False, default=False)
    # True while the opening post is hidden by moderation: the thread leaves the lists.
    hidden = db.Column(db.Boolean, nullable=False, default=False)
    # On a best-practice thread, the reply its author or a moderator marked the most useful: shown first.
    # No foreign key: a second path between threads and posts would make every join between them
    # ambiguous; posts are never deleted as rows, and services.best_answer checks the post is live.
    best_post_id = db.Column(db.Integer)

    category = db.relationship("Category")
    author = db.relationship("User", foreign_keys=[author_id])
    last_poster = db.relationship("User", foreign_keys=[last_poster_id])

    @property
    def slug(self):
        return slugify(self.title)

    @property
    def kind_label(self):
        return THREAD_KINDS.get(self.kind, self.kind)


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        Index("ix_posts_author_created", "author_id", "created_at"),
        # Full-text search (forum/connect/search.py): PostgreSQL's GIN index; SQLite has an FTS5 table instead.
        Index("ix_posts_search_document", "search_document", postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id = db.Column(db.Integer, primary_key=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"), nullable=False)
    # Position in the thread (1 = opening post); pages are ranges of numbers, so no OFFSET scans.
    number = db.Column(db.Integer, nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    body_source = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    language = db.Column(db.String(5), nullable=False, default="en")  # chosen by the author
    revision = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    edited_at = db.Column(db.DateTime)
    deleted_at = db.Column(db.DateTime)
    deleted_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    # None, "pending" (hidden after enough reports, until a moderator decides), "removed"
    # (by a moderator) or "author_dismissed" (hidden with its dismissed author).
    moderation_state = db.Column(db.String(16))
    # Members who found it useful (Reaction rows), kept by forum/discussions/marks.py so lists never count.
    useful_count = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # The words search finds the post by (forum/connect/search.py): a tsvector on PostgreSQL, the words as
    # text on SQLite, indexed by the FTS5 table posts_fts. Set by the services on every write; deferred:
    # only the database reads it.
    search_document = db.deferred(db.Column(db.Text().with_variant(TSVECTOR(), "postgresql")))

    thread = db.relationship("Thread")
    author = db.relationship("User", foreign_keys=[author_id])

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def is_opening(self):
        return self.number == 1

    @property
    def is_hidden(self):
        return self.moderation_state is not None


class PostRevision(db.Model):
    """Every version of a post, the first included: the edit history moderators read."""

    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False)
    number = db.Column(db.Integer, nullable=False)
    title = db.Column(db.String(200))
    body_source = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    editor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    editor = db.relationship("User")


class Submission(db.Model):
    """One sending of a composer form, by its one-time token, and the post it created.

    The new-thread and reply forms carry a fresh random token from each rendering (forum/forms.py).
    The services store it in the transaction that creates the post, so the same form sent twice
    (a double click, a retried request) finds the first post instead of making a second: the
    primary key makes two sendings racing each other collide in the database, where a check in
    Python would let both through. Keyed by member too, so nobody else's token can match.
    """

    __tablename__ = "submissions"
    # Rows are only looked up by key; the index lets old ones be pruned by age.
    __table_args__ = (Index("ix_submissions_created_at", "created_at"),)

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    token = db.Column(db.String(64), primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False)  # a thread's: its opening post
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class AccountRequest(db.Model):
    """Filed from the public contact form by someone who cannot sign in."""

    __tablename__ = "account_requests"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    email = db.Column(db.String(254), nullable=False)
    academy = db.Column(db.String(16))
    graduation_year = db.Column(db.Integer)
    message = db.Column(db.Text, nullable=False, default="")
    language = db.Column(db.String(5), nullable=False, default="en")  # the form's language: the reply's
    # open; approved (member created and invited), existing (the e-mail is a member's), rejected
    status = db.Column(db.String(16), nullable=False, default="open", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    decided_at = db.Column(db.DateTime)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    reason = db.Column(db.Text)  # why it was rejected, as told to the requester
    member_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    member = db.relationship("User", foreign_keys=[member_id])


class Invitation(db.Model):
    """A one-time link to join the portal: it sets the member's password, once, before it expires.

    The link carries the id and a random nonce signed with the secret key; nothing in the database
    alone can be turned into a working link.
    """

    __tablename__ = "invitations"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    nonce = db.Column(db.String(32), nullable=False)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False)
    used_at = db.Column(db.DateTime)

    user = db.relationship("User", foreign_keys=[user_id])


class Resource(db.Model):
    """A document or link in the resource library, filed under an ILEA subject area and a language.

    Either `url` (an external link) or a stored file: `stored_name` is random (never a name the
    uploader chose), the file lives in UPLOAD_DIR, and `content_type` is what its bytes were found
    to be, not what the browser claimed.
    """

    __tablename__ = "resources"
    __table_args__ = (
        Index("ix_resources_subject_created", "subject_id", "created_at", "id"),
        Index("ix_resources_language_created", "language", "created_at", "id"),
        Index("ix_resources_created", "created_at", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    url = db.Column(db.String(2000))
    stored_name = db.Column(db.String(64), unique=True)
    original_filename = db.Column(db.String(255))
    content_type = db.Column(db.String(120))
    size = db.Column(db.Integer)
    subject_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=False)
    language = db.Column(db.String(5), nullable=False, default="en")
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    subject = db.relationship("Category")
    created_by = db.relationship("User")

    @property
    def is_file(self):
        return self.stored_name is not None


WATCH_MODES = ("watching", "muted")


class Reaction(db.Model):
    """A member found a post useful: one "Useful" per member and post, never on one's own."""

    __tablename__ = "reactions"

    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Bookmark(db.Model):
    """A post a member keeps to find again (their /bookmarks page, newest first)."""

    __tablename__ = "bookmarks"
    __table_args__ = (Index("ix_bookmarks_user_created", "user_id", "created_at"),)

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), primary_key=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Draft(db.Model):
    """What a member wrote and has not sent yet: a reply to a thread ("thread:<id>") or a new thread
    in a category ("category:<slug>", or "new" from Latest). forum/discussions/drafts.py."""

    __tablename__ = "drafts"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    key = db.Column(db.String(80), primary_key=True)
    title = db.Column(db.String(200), nullable=False, default="")
    body = db.Column(db.Text, nullable=False, default="")
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ThreadRead(db.Model):
    """How far a member has read a thread: the number of the last post a page of it showed them (or
    that they wrote). Lists show "N new" from it; forum/discussions/reading.py."""

    __tablename__ = "thread_reads"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"), primary_key=True, index=True)
    last_read_number = db.Column(db.Integer, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Watch(db.Model):
    """A member watching (or muting) one thread or one category: new posts there notify them.

    A thread's own row wins over its category's, so muting a thread silences it in a watched category.
    """

    __tablename__ = "watches"
    __table_args__ = (
        # NULLs differ from each other, so each pair is unique among the rows naming that kind of target.
        UniqueConstraint("user_id", "thread_id", name="uq_watches_user_thread"),
        UniqueConstraint("user_id", "category_id", name="uq_watches_user_category"),
        CheckConstraint("(thread_id IS NULL) <> (category_id IS NULL)", name="one_target"),
        Index("ix_watches_thread", "thread_id", "mode"),
        Index("ix_watches_category", "category_id", "mode"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"))
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"))
    mode = db.Column(db.String(16), nullable=False, default="watching")  # WATCH_MODES
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
