"""Forum operations: threads and posts, the thread lists, categories. Each checks its rules, changes
state and commits one transaction."""
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Self, cast

from argon2 import PasswordHasher
from sqlalchemy import Select, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, contains_eager, joinedload

from forum import markup, params, permissions
from forum.conduct import require_conduct_accepted
from forum.connect import search, watching
from forum.discussions import drafts, reading
from forum.extensions import db
from forum.models import (
    LANGUAGES,
    THREAD_KINDS,
    AccountRequest,
    Category,
    CategoryModerator,
    Post,
    PostRevision,
    Submission,
    Thread,
    User,
    utcnow,
)
from forum.notifications.outbox import commit

_hasher = PasswordHasher()
# Verifying against this when no account matches keeps the response time the same,
# so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("no such account")




# --- threads and posts -------------------------------------------------------------------------

def _post_language(author: User, language: str | None) -> str:
    return cast(str, language) if language in LANGUAGES else author.preferred_language  # in LANGUAGES: not None


def _add_post(author: User, thread: Thread, body: str, now: datetime, language: str) -> Post:
    """Append a post to the thread, numbering it atomically, with its first revision."""
    number = db.session.execute(
        update(Thread).where(Thread.id == thread.id)
        .values(post_count=Thread.post_count + 1, last_activity_at=now, last_poster_id=author.id)
        .returning(Thread.post_count)
    ).scalar_one()
    html = markup.render_markdown(body)
    post = Post(thread_id=thread.id, number=number, author_id=author.id, body_source=body,
                body_html=html, language=language, created_at=now,
                search_document=search.document(body, thread.title if number == 1 else None))
    db.session.add(post)
    db.session.flush()
    db.session.add(PostRevision(post_id=post.id, number=1, title=thread.title if number == 1 else None,
                                body_source=body, body_html=html, editor_id=author.id, created_at=now))
    reading.advance(author, thread.id, number)  # one's own post is read
    db.session.execute(
        update(Category).where(Category.id == thread.category_id)
        .values(post_count=Category.post_count + 1, last_activity_at=now)
    )
    return post


def _submitted_before(author: User, submission: str | None) -> Post | None:
    """The post an earlier sending of the same form (its token, models.Submission) created, or None."""
    if not submission:
        return None
    return db.session.scalar(select(Post).join(Submission, Submission.post_id == Post.id)
                             .where(Submission.user_id == author.id, Submission.token == submission))


def _commit_once(author: User, submission: str | None, post: Post) -> Post:
    """Commit the new post with its form's token. If the same form sent at the same moment committed
    first, the token's row is already there: drop ours, counters and all, and return that post."""
    if submission:
        db.session.add(Submission(user_id=author.id, token=submission, post_id=post.id))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            first = _submitted_before(author, submission)
            if first is None:
                raise
            return first
    commit()
    return post


def create_thread(author: User, category: Category, title: str, kind: str, body: str, language: str | None = None,
                  submission: str | None = None) -> Thread:
    """Start a thread of the given kind with its opening post (whose language is the thread's);
    `submission`, the form's token, makes sending the same form twice start it once."""
    permissions.require(permissions.can_start_thread(author, category))
    require_conduct_accepted(author)
    if (earlier := _submitted_before(author, submission)) is not None:
        return earlier.thread
    now = utcnow()
    language = _post_language(author, language)
    thread = Thread(category_id=category.id, author_id=author.id, title=title.strip(), kind=kind,
                    language=language, created_at=now, last_activity_at=now, last_poster_id=author.id)
    db.session.add(thread)
    db.session.flush()
    db.session.execute(update(Category).where(Category.id == category.id)
                       .values(thread_count=Category.thread_count + 1))
    post = _add_post(author, thread, body, now, language)
    watching.watch_new_thread(author, thread)
    watching.announce_post(post)
    drafts.discard(author, f"category:{category.slug}", "new")
    created = _commit_once(author, submission, post)
    return thread if created is post else created.thread


def reply(author: User, thread: Thread, body: str, language: str | None = None, submission: str | None = None) -> Post:
    """Add a reply to the thread; `submission`, the form's token, makes sending the same form twice
    reply once."""
    permissions.require(permissions.can_reply(author, thread))
    require_conduct_accepted(author)
    if (earlier := _submitted_before(author, submission)) is not None:
        return earlier
    post = _add_post(author, thread, body, utcnow(), _post_language(author, language))
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(reply_count=Thread.reply_count + 1))
    watching.announce_post(post)
    drafts.discard(author, f"thread:{thread.id}")
    return _commit_once(author, submission, post)


def edit_post(editor: User, post: Post, body: str, title: str | None = None, language: str | None = None) -> Post:
    """Save a new revision of the post (and of the thread title, for an opening post)."""
    permissions.require(permissions.can_edit_post(editor, post))
    require_conduct_accepted(editor)
    title = title.strip() if title and post.is_opening else None
    if language in LANGUAGES and language != post.language:
        # Correcting the language is not a new revision of the text.
        post.language = language
        if post.is_opening:
            post.thread.language = language
    if body == post.body_source and (title is None or title == post.thread.title):
        commit()
        return post
    now = utcnow()
    post.body_source = body
    post.body_html = markup.render_markdown(body)
    post.revision += 1
    post.edited_at = now
    if title:
        post.thread.title = title
    search.index_post(post)
    db.session.add(PostRevision(post_id=post.id, number=post.revision, title=title,
                                body_source=body, body_html=post.body_html, editor_id=editor.id,
                                created_at=now))
    watching.announce_edit(post)
    commit()
    return post


def delete_post(user: User, post: Post) -> None:
    """Soft-delete the author's own post: it leaves a placeholder, its history stays."""
    permissions.require(permissions.can_delete_post(user, post))
    post.deleted_at = utcnow()
    post.deleted_by_id = user.id
    if not post.is_opening:
        db.session.execute(update(Thread).where(Thread.id == post.thread_id)
                           .values(reply_count=Thread.reply_count - 1))
    commit()


def set_thread_flags(moderator: User, thread: Thread, pinned: bool | None = None, locked: bool | None = None) -> None:
    """Pin/unpin or lock/unlock a thread."""
    permissions.require(permissions.can_moderate_thread(moderator, thread))
    if pinned is not None:
        thread.pinned = pinned
    if locked is not None:
        thread.locked = locked
    commit()


# --- reading ---------------------------------------------------------------------------------

@dataclass
class Listing:
    """One page of a thread list. Pages are found from a cursor (the last row's sort key) rather than
    an OFFSET, so page 500 costs what page 1 does; `page` is only shown."""

    items: list
    page: int
    newer: str | None = None  # cursor of the previous page, None on the first
    older: str | None = None  # cursor of the next page, None on the last


@dataclass
class Page:
    """A page of a list whose total is not counted (counting a busy member's posts under the
    visibility rules would cost more than the page): the pager links on while there is more."""

    items: list
    page: int
    has_next: bool

    @property
    def pages(self) -> int:
        return self.page + 1 if self.has_next else self.page


@dataclass
class Position:
    """Where a thread list starts: after or before a cursor (a row's key), or at the top."""

    cursor: tuple | None = None
    before: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Self:
        before = "before" in args
        key = _decode_cursor(args.get("before" if before else "after", ""))
        return cls(key, before, params.page_arg(args)) if key else cls()


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_LAST_MICROSECOND = (datetime.max - _EPOCH) // _MICROSECOND  # the latest time a datetime can hold


def _encode_cursor(thread: Thread) -> str:
    return f"{int(thread.pinned)}.{(thread.last_activity_at - _EPOCH) // _MICROSECOND}.{thread.id}"


def _decode_cursor(text: str) -> tuple[bool, datetime, int] | None:
    """(pinned, last activity, id) from a cursor; None for anything else (a hand-edited link), numbers
    out of range included: an id past MAX_ID would fail the query rather than match nothing."""
    parts = text.split(".")
    if len(parts) != 3:
        return None
    pinned, microseconds, thread_id = (params.to_int(part, high) for part, high
                                       in zip(parts, (1, _LAST_MICROSECOND, params.MAX_ID)))
    if None in (pinned, microseconds, thread_id):
        return None
    return bool(pinned), _EPOCH + microseconds * _MICROSECOND, thread_id


def _listing(query: Select[Thread], keys: tuple[InstrumentedAttribute[Any], ...], filters: Mapping[str, str | None],
             position: Position, per_page: int) -> Listing:
    """A page of `query` ordered by `keys` (the sort key, newest first), from `position`."""
    if filters.get("kind") in THREAD_KINDS:
        query = query.where(Thread.kind == filters["kind"])
    if filters.get("language") in LANGUAGES:
        query = query.where(Thread.language == filters["language"])
    if position.cursor:
        values = position.cursor[-len(keys):]  # the home page's key has no `pinned`
        query = query.where(tuple_(*keys) > tuple_(*values) if position.before else tuple_(*keys) < tuple_(*values))
    order = [key.asc() if position.before else key.desc() for key in keys]
    query = query.options(joinedload(Thread.author), joinedload(Thread.last_poster),
                          joinedload(Thread.category)).order_by(*order).limit(per_page + 1)
    rows = db.session.scalars(query).all()
    more, items = len(rows) > per_page, rows[:per_page]
    if position.before:
        items.reverse()
    newer = more if position.before else position.cursor is not None
    older = True if position.before else more
    page = max(position.page, 2) if newer else 1
    return Listing(items, page, _encode_cursor(items[0]) if newer and items else None,
                   _encode_cursor(items[-1]) if older and items else None)


def _without_hidden(query: Select[Thread], user: User) -> Select[Thread]:
    # Threads hidden by moderation leave the lists, except for the moderators who may open them.
    return query.where(or_(Thread.hidden.is_(False), permissions.moderates_category_sql(user, Thread.category_id)))


def latest_threads(user: User, filters: Mapping[str, str | None], position: Position, per_page: int) -> Listing:
    """Threads across the open categories, latest activity first."""
    query = select(Thread).join(Thread.category).where(Category.archived.is_(False))
    return _listing(_without_hidden(query, user), (Thread.last_activity_at, Thread.id), filters, position, per_page)


def category_threads(user: User, category: Category, filters: Mapping[str, str | None], position: Position,
                     per_page: int) -> Listing:
    """A category's threads: pinned first, then by latest activity."""
    query = select(Thread).where(Thread.category_id == category.id)
    return _listing(_without_hidden(query, user), (Thread.pinned, Thread.last_activity_at, Thread.id),
                    filters, position, per_page)


def choose_best_answer(user: User, thread: Thread, post: Post) -> bool:
    """Mark the reply as the thread's most useful answer, or unmark it if it was; returns whether it is."""
    permissions.require(permissions.can_choose_best_answer(user, thread) and post.thread_id == thread.id
                        and not post.is_opening and not post.is_deleted and not post.is_hidden)
    chosen = thread.best_post_id != post.id
    thread.best_post_id = post.id if chosen else None
    if chosen:
        watching.announce_best_answer(post, user)
    commit()
    return chosen


def best_answer(thread: Thread) -> Post | None:
    """The thread's most useful answer while it is still there for everyone to read."""
    if thread.best_post_id is None:
        return None
    post = db.session.scalar(select(Post).where(Post.id == thread.best_post_id).options(joinedload(Post.author)))
    return post if post is not None and not (post.is_deleted or post.is_hidden) else None


def thread_page(thread: Thread, page: int, per_page: int) -> Sequence[Post]:
    """The posts on one page of a thread, selected by their numbers (an index range)."""
    first = (page - 1) * per_page + 1
    return db.session.scalars(
        select(Post).where(Post.thread_id == thread.id,
                           Post.number.between(first, first + per_page - 1))
        .options(joinedload(Post.author)).order_by(Post.number)
    ).all()


def post_revisions(post: Post) -> Sequence[PostRevision]:
    """Every revision of a post, newest first, with its editor."""
    return db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .options(joinedload(PostRevision.editor)).order_by(PostRevision.number.desc())
    ).all()


def visible_categories(user: User) -> Sequence[Category]:
    """Categories in display order; archived ones only for moderators."""
    query = select(Category).order_by(Category.position, Category.id)
    if not permissions.is_moderator(user):
        query = query.where(Category.archived.is_(False))
    return db.session.scalars(query).all()


# --- categories (admin) ------------------------------------------------------------------------

def parse_moderators(text: str | None) -> tuple[Sequence[User], list[str]]:
    """The moderator accounts named in a comma-separated list, and the names that are not moderators."""
    names = sorted({name.strip().lower() for name in (text or "").split(",") if name.strip()})
    found = db.session.scalars(select(User).where(User.username.in_(names), User.role == "moderator")).all()
    return found, sorted(set(names) - {user.username for user in found})


def category_moderators(category: Category) -> Sequence[User]:
    return db.session.scalars(select(User).join(CategoryModerator, CategoryModerator.user_id == User.id)
                              .where(CategoryModerator.category_id == category.id)
                              .order_by(User.username)).all()


def save_category(admin: User, category: Category | None, fields: Mapping[str, Any],
                  moderators: Iterable[User] = ()) -> Category:
    """Create (category=None) or update a category and the moderators scoped to it."""
    permissions.require(permissions.is_admin(admin))
    if category is None:
        last = db.session.scalar(select(func.max(Category.position))) or 0
        category = Category(position=last + 1)
        db.session.add(category)
    for name in ("name", "slug", "description", "group", "staff_only"):
        setattr(category, name, fields[name])
    db.session.flush()
    wanted = {user.id for user in moderators}
    current = {row.user_id: row for row in db.session.scalars(
        select(CategoryModerator).where(CategoryModerator.category_id == category.id))}
    for user_id in wanted - current.keys():
        db.session.add(CategoryModerator(user_id=user_id, category_id=category.id))
    for user_id in current.keys() - wanted:
        db.session.delete(current[user_id])
    commit()
    return category


def move_category(admin: User, category: Category, direction: int) -> None:
    """Swap the category with its neighbour above (-1) or below (+1)."""
    permissions.require(permissions.is_admin(admin))
    ordered = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    index = ordered.index(category)
    other = index + direction
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            item.position = position
        commit()


def set_category_archived(admin: User, category: Category, archived: bool) -> None:
    """Archive (read-only, hidden from lists) or restore a category."""
    permissions.require(permissions.is_admin(admin))
    category.archived = archived
    commit()



def member_activity(viewer: User, member: User, page: int, per_page: int, threads_only: bool = False) -> Page:
    """A page of the member's posts, or of the threads they started (their opening posts), newest
    first, for their profile: only what the viewer may open (permissions.can_view_category,
    can_view_thread and can_view_post, as one query). Deleted posts are left out; a thread whose
    opening post was deleted stays listed, without it."""
    query = (select(Post).join(Post.thread).join(Thread.category).where(Post.author_id == member.id)
             .options(contains_eager(Post.thread).contains_eager(Thread.category))
             .order_by(Post.created_at.desc(), Post.id.desc()))
    query = query.where(Post.number == 1) if threads_only else query.where(Post.deleted_at.is_(None))
    if not permissions.is_moderator(viewer):
        query = query.where(Category.archived.is_(False))
    if viewer.id != member.id:  # authors see their own hidden posts and threads
        query = query.where(*permissions.sees_hidden_sql(viewer))
    rows = db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return Page(rows[:per_page], page, has_next=len(rows) > per_page)


def portal_statistics() -> dict[str, int]:
    """Totals for the admin dashboard, from the kept counters (no scan of posts)."""
    return {
        "members": db.session.scalar(select(func.count()).select_from(User)),
        "threads": db.session.scalar(select(func.coalesce(func.sum(Category.thread_count), 0))),
        "posts": db.session.scalar(select(func.coalesce(func.sum(Category.post_count), 0))),
        "open_requests": db.session.scalar(
            select(func.count()).select_from(AccountRequest).where(AccountRequest.status == "open")),
    }
