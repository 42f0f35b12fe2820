"""What every page needs about the member (their account row, unread notifications, Code of Conduct
accepted, watching), kept between requests so the page chrome costs no SQL; and the main content of
the hot pages (home, a category, a thread), shared by the readers who see the same (`shared_body`).

The store is Redis when REDIS_URL is set (shared by every worker process), else a dict in the process
that built the app (`make run`, the tests); a process forked from it without Redis (gunicorn's workers)
keeps nothing, since its siblings could not tell it of their writes.

Freshness comes from generations, not from deleting keys: each value is stored with the member's
generation and the portal's, and is served only while both are unchanged. A commit that changes what
a member's chrome shows raises their generation *after* it commits (a Code of Conduct version raises
the portal's), so a value computed from the database before that commit is never served after it.
What changes are found by watching the session: rows added, changed or deleted through the ORM, and
bulk statements on the watched tables (which name their members with `changes_for(...)`, else raise
the portal's generation).

Shared page bodies carry one more generation, the content's: a commit that writes a table a body may
show (every table but those in UNSHOWN; of `users`, the columns in SHOWN_USER_COLUMNS) raises it.
This relies on each statement seeing the latest commit (PostgreSQL's READ COMMITTED): a generation is
read before the rows it stamps.
"""
import hashlib
import hmac
import itertools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

import redis
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import get_locale, get_timezone
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached

from forum.extensions import db

# Tables whose rows change a member's chrome: the column naming the member (None: every member's).
WATCHED = {"notifications": "user_id", "conduct_acceptances": "user_id", "watches": "user_id",
           "conduct_versions": None, "users": "id", "category_moderators": "user_id",
           "conversation_members": "user_id"}
EVERYONE = "*"
TTL_SECONDS = 3600
PREFIX = "portal:chrome:"
LOCAL_LIMIT = 100_000  # entries kept in one process (a watch state per member and thread adds up)

CONTENT = "content"  # the generation of what shared page bodies show
# Generations of other subjects, raised by a write to their tables ({table: generation}; domains
# register theirs with `watch_table`, such as moderation's cases for the moderators' open-case count).
TABLE_GENERATIONS: dict[str, str] = {}
# Tables no shared page body shows (a member's own records, the moderators' files, the Code of Conduct
# pages): a write to any other table makes every shared body stale, so a new table is safe by default.
UNSHOWN = {"notifications", "deliveries", "mail_preferences", "watches", "conduct_acceptances", "conduct_versions",
           "conduct_rules", "login_events", "submissions", "account_requests", "invitations", "resources",
           "moderation_actions", "cases", "reports", "case_notes", "penalties", "dismissal_proposals", "appeals",
           "removal_messages", "post_revisions", "thread_reads", "conversations", "conversation_members", "messages",
           "blocks"}
# Signing in writes the row too. The role, language and bio are read on the moderators' case pages.
SHOWN_USER_COLUMNS = ("username", "stored_name", "status", "academy", "role", "preferred_language", "bio_html")
PAGE_PREFIX = "portal:page:"
PAGE_TTL_SECONDS = 600
# A body saying "3 minutes ago" is served within its minute, and in the next while it is rendered again.
RELATIVE_TTL_SECONDS = 120
REBUILD_CLAIM_SECONDS = 10  # how long the others wait for the worker rendering a page a minute late
LOCAL_PAGE_LIMIT = 500  # bodies kept in one process without Redis (a page of posts is up to ~60 KB)
NEAR_ROWS, NEAR_BODIES = 2_000, 200  # what a process keeps of what it read from Redis (a row: ~1-3 KB)


class LocalStore:
    """A dict with expiry, for one process."""

    def __init__(self, limit: int = LOCAL_LIMIT) -> None:
        self.pid = os.getpid()
        self.limit = limit
        self.values: dict[str, tuple[float, Any]] = {}
        self.lock = threading.Lock()

    @property
    def usable(self) -> bool:
        return os.getpid() == self.pid

    def get_many(self, keys: list[str]) -> list[Any]:
        now = time.monotonic()
        found = [self.values.get(key) for key in keys]
        return [entry[1] if entry is not None and entry[0] > now else None for entry in found]

    def set(self, key: str, value: Any, ttl: int) -> None:
        if len(self.values) >= self.limit:
            # Values and generations go together, so nothing old can match a generation counted again.
            self.values.clear()
        self.values[key] = (time.monotonic() + ttl, value)

    def incr(self, keys: Iterable[str]) -> None:
        with self.lock:
            for key in keys:
                expires, value = self.values.get(key, (0.0, 0))
                self.values[key] = (float("inf"), (value or 0) + 1)

    def claim(self, key: str, seconds: int) -> bool:
        """Take `key` for `seconds` unless another holds it."""
        with self.lock:
            if self.get_many([key])[0] is not None:
                return False
            self.set(key, True, seconds)
            return True

    def clear(self) -> None:
        self.values.clear()


class RedisStore:
    """The same on Redis; a Redis that does not answer costs a page its cache, never the page."""

    usable = True

    def __init__(self, url: str, prefix: str = PREFIX) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix

    def get_many(self, keys: list[str]) -> list[Any]:
        try:
            return [None if raw is None else json.loads(raw) for raw in self.client.mget([self.prefix + k for k in keys])]
        except redis.RedisError:
            return [None] * len(keys)

    def set(self, key: str, value: Any, ttl: int) -> None:
        try:
            self.client.set(self.prefix + key, json.dumps(value), ex=ttl)
        except redis.RedisError:
            pass

    def incr(self, keys: Iterable[str]) -> None:
        # Generations never expire on their own: an expired one would start again at a number already used.
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.incr(self.prefix + key)
                pipe.execute()
        except redis.RedisError:
            current_app.logger.warning("could not raise cache generations %s", list(keys), exc_info=True)

    def claim(self, key: str, seconds: int) -> bool:
        try:
            return bool(self.client.set(self.prefix + key, 1, nx=True, ex=seconds))
        except redis.RedisError:
            return True  # render it: nothing is known of the others

    def clear(self) -> None:
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


def init_app(app: Any) -> None:
    url = app.config.get("CACHE_REDIS_URL") or app.config.get("REDIS_URL")
    app.extensions["chrome_cache"] = RedisStore(url) if url else LocalStore()
    app.extensions["page_cache"] = RedisStore(url, PAGE_PREFIX) if url else LocalStore(LOCAL_PAGE_LIMIT)


def store() -> LocalStore | RedisStore:
    return current_app.extensions["chrome_cache"]


def _pages() -> LocalStore | RedisStore:
    return current_app.extensions["page_cache"]


def _generation_keys(user_id: int) -> list[str]:
    return [f"gen:{user_id}", "gen:" + EVERYONE]


# Names of `remembered` values that every signed-in page shows (the unread count): read with the
# member's generations, in the request's first round trip.
EVERY_PAGE: list[str] = []


def _read(keys: list[str]) -> list[Any]:
    """Values from the store; during a request, each key is read once (the generations stay as they
    were when first read, which only makes what is stamped with them older; a commit that raises
    some forgets them)."""
    if not has_request_context():
        return store().get_many(keys)
    seen = g.setdefault("chrome_read", {})
    missing = [key for key in keys if key not in seen]
    if missing:
        seen.update(zip(missing, store().get_many(missing)))
    return [seen[key] for key in keys]


def _remember(key: str, value: Any, ttl: int) -> None:
    store().set(key, value, ttl)
    if has_request_context():
        g.setdefault("chrome_read", {})[key] = value


def _near(name: str) -> LocalStore | None:
    """This process's copy of what it last read from Redis (member rows, page bodies), checked against
    the generations read from Redis like the original; None when the store is this process's already."""
    if not isinstance(store(), RedisStore):
        return None
    copies = current_app.extensions.setdefault("near_copies", {})
    if copies.get("pid") != os.getpid():  # a forked worker starts empty
        copies.clear()
        copies.update(pid=os.getpid(), rows=LocalStore(NEAR_ROWS), bodies=LocalStore(NEAR_BODIES))
    return copies[name]


def _near_or_stored(copies: str, key: str, stored: Callable[[], Any], fits: Callable[[Any], bool],
                    ttl: int) -> Any:
    """The entry under `key` that `fits` the generations just read: this process's copy first
    (`_near(copies)`), else the store's, copied here; None when neither does."""
    near = _near(copies)
    if near is not None and fits(entry := near.get_many([key])[0]):
        return entry
    entry = stored()
    if not fits(entry):
        return None
    if near is not None:
        near.set(key, entry, ttl)
    return entry


def watch_table(table: str, generation: str) -> None:
    """Raise `generation` after every commit that writes `table` (for `remembered(..., also=...)`)."""
    TABLE_GENERATIONS[table] = generation


def remembered(user_id: int, name: str, compute: Callable[[], Any], also: tuple[str, ...] = ()) -> Any:
    """compute() for the member, from the store while neither their generation nor the portal's
    (nor those named in `also`) changed since it was computed. `compute` must return JSON-ready values."""
    if not store().usable:
        return compute()
    *generations, cached = _read([*_generation_keys(user_id), *(f"gen:{topic}" for topic in also), f"{user_id}:{name}"])
    stamp = [generation or 0 for generation in generations]
    if cached is not None and cached[0] == stamp:
        return cached[1]
    value = compute()
    _remember(f"{user_id}:{name}", [stamp, value], TTL_SECONDS)
    return value


def prefetch(user_id: int, *wanted: tuple[str, tuple[str, ...]]) -> None:
    """Read in one round trip what `remembered(user_id, name, also=also)` will read for each (name,
    also) of `wanted`: a page that shows several of the member's values pays one trip to the store."""
    if store().usable and has_request_context():
        topics = dict.fromkeys(f"gen:{topic}" for _, also in wanted for topic in also)
        _read([*_generation_keys(user_id), *topics, *(f"{user_id}:{name}" for name, _ in wanted)])


def remember_now(user_id: int, name: str, value: Any, also: tuple[str, ...] = ()) -> None:
    """Remember `value` as `remembered` would have computed it now: after a write whose outcome the
    writer knows, the next request need not read it back."""
    if store().usable:
        stamp = [generation or 0 for generation in _read([*_generation_keys(user_id), *(f"gen:{topic}" for topic in also)])]
        _remember(f"{user_id}:{name}", [stamp, value], TTL_SECONDS)


def signed_in_member(token: str) -> Any:
    """The member whose session token this is, or None: their row from the cache while their
    generation is unchanged, attached to the session without a query. A suspension, a dismissal or a
    sign-out changes the row (a new token, a status), so the next request reads the database again.
    With this process's copy of the row, the request's first round trip to Redis reads only the
    generations and what every page shows."""
    from forum.models import User

    def read() -> dict | None:
        row = db.session.execute(select(User.__table__).where(User.session_token == token)).mappings().first()
        return None if row is None else {name: _encoded(value) for name, value in row.items()}

    if not store().usable:
        row = read()
    else:
        def fits(entry: Any) -> bool:
            if entry is None:
                return False
            member_id = entry[0]
            _read([*_generation_keys(member_id), f"gen:{CONTENT}", *(f"{member_id}:{name}" for name in EVERY_PAGE)])
            return entry[1] == [x or 0 for x in _read(_generation_keys(member_id))]

        key = f"token:{token}"
        cached = _near_or_stored("rows", key, lambda: _read([key])[0], fits, TTL_SECONDS)
        if cached is not None:
            row = cached[2]
        else:
            row = read()
            if row is not None:
                # The generations are read after the row: a change committed in between would be cached
                # under the new generation, so the row is read again and kept only if it is the same.
                stamp = [x or 0 for x in store().get_many(_generation_keys(row["id"]))]
                if read() == row:
                    _remember(key, [row["id"], stamp, row], TTL_SECONDS)
    return None if row is None else _attached(User, row)


def _encoded(value: Any) -> Any:
    return {"datetime": value.isoformat()} if isinstance(value, datetime) else value


def _attached(model: Any, row: dict) -> Any:
    """A persistent instance of the row, made without a query (or the one already in the session)."""
    identity = db.session.identity_map.get(inspect(model).identity_key_from_primary_key([row["id"]]))
    if identity is not None:
        return identity
    values = {name: datetime.fromisoformat(value["datetime"]) if isinstance(value, dict) else value
              for name, value in row.items()}
    instance = model()
    for attribute in inspect(model).column_attrs:
        setattr(instance, attribute.key, values[attribute.columns[0].name])
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


CHROME_SLOTS = ("member_nav", "flashes", "language_action")  # templates/_macros/chrome.html
_SLOT = re.compile(r"(slot-[0-9a-f]{24})")


class Body:
    """A shared page: its HTML cut at its slots (text, slot, text, ...: `_SLOT.split`), where what
    is the reader's own goes, and what the view needs to know of it (`meta`: JSON-ready)."""

    def __init__(self, pieces: list[str], meta: dict) -> None:
        self.pieces, self.meta = pieces, meta

    def filled(self, **slots: Any) -> Markup:
        """The page for this reader: their chrome (templates/_macros/chrome.html), CSRF token and
        `slots` in place."""
        chrome = template_parts("_macros/chrome.html")
        values = {"csrf": generate_csrf(), **{name: getattr(chrome, name)() for name in CHROME_SLOTS}, **slots}
        found = {slot_marker(name): str(value) for name, value in values.items()}
        found = {marker: _joined(_SLOT.split(value), found) for marker, value in found.items()}  # a slot's slots
        return Markup(_joined(self.pieces, found))


def _joined(pieces: list[str], found: dict[str, str]) -> str:
    """The pieces with each slot (the odd ones) replaced by its value; an unknown one stays as it is."""
    return "".join(found.get(piece, piece) if odd else piece for piece, odd in zip(pieces, itertools.cycle((0, 1))))


def template_parts(name: str, **context: Any) -> Any:
    """The macros of template `name`, bound to this request's template context (context processors
    included, run once per request): the reader's own parts of a shared page, rendered outside it."""
    if "template_context" not in g:
        g.template_context = {}
        current_app.update_template_context(g.template_context)
    return current_app.jinja_env.get_template(name).make_module({**g.template_context, **context})


def slot_marker(name: str) -> str:
    """Where a slot's content goes in a shared page: a word derived from the secret key, so that no
    member can write one into a post."""
    return _marker(current_app.secret_key, name)


@lru_cache(maxsize=64)
def _marker(secret: str, name: str) -> str:
    return "slot-" + hmac.new(secret.encode(), name.encode(), hashlib.sha256).hexdigest()[:24]


def slot(name: str) -> Markup:
    """The template global that leaves a slot in a shared page."""
    return Markup(slot_marker(name))


def personal(name: str, part: Callable[[], Any]) -> Any:
    """The template global for a part of the page that is the reader's own: `part()`, or a slot
    while a shared page is built."""
    return slot(name) if g.get("sharing_page") else part()


def note_relative_time() -> None:
    """A time shown on this page reads "3 minutes ago" (or a state shown lapses with time, such as a
    suspension): a body holding it is good for its minute only."""
    g.relative_time_shown = True


def _minute() -> int:
    return int(time.time() // 60)


def shared_body(reader_id: int, parts: Iterable[Any], build: Callable[[], tuple[str, dict]],
                generations: tuple[str, ...] = (CONTENT,)) -> Body:
    """A page shared by the readers in the same position, from the store while its generations (the
    content's, and for the moderators' pages the cases') are unchanged.

    `parts` name everything the page depends on besides the database and the reader's language and
    zone: the page, its arguments, the reader's class (permissions.shared adds it). `build()` renders
    it with the reader's own parts left as slots (`personal`, `slot`, every CSRF token) and returns
    (html, meta); meta["personal_for"] lists the readers it is not the same for (the authors on a
    thread page: their edit links, their hidden posts), who get a render of their own, never stored."""
    key = json.dumps([*parts, str(get_locale()), str(get_timezone())], default=str)
    cache = _pages()
    usable = cache.usable and store().usable
    if usable:
        generation, minute = [value or 0 for value in _read([f"gen:{name}" for name in generations])], _minute()

        late = []

        def fits(entry: Any) -> bool:
            if entry is None or entry[0] != generation or reader_id in entry[3].get("personal_for", ()):
                return False
            if entry[1] == minute - 1:
                late.append(entry)
            return entry[1] in (None, minute)

        # A copy is kept as long as a page without relative times: it is checked like the original.
        cached = _near_or_stored("bodies", key, lambda: cache.get_many([key])[0], fits, PAGE_TTL_SECONDS)
        if cached is not None:
            return Body(cached[2], cached[3])
        # Unchanged but its minute is over ("3 minutes ago" should read 4): one worker renders it again
        # while the others serve it as it is, rather than every worker rendering it at the same moment.
        if late and not cache.claim(f"rebuild:{key}", REBUILD_CLAIM_SECONDS):
            return Body(late[-1][2], late[-1][3])
    saved_token = g.pop("csrf_token", None)
    g.csrf_token, g.relative_time_shown, g.sharing_page = slot_marker("csrf"), False, True
    try:
        html, meta = build()
    finally:
        g.pop("csrf_token")
        g.sharing_page = False
        if saved_token is not None:
            g.csrf_token = saved_token
    pieces = _SLOT.split(str(html))
    if usable and reader_id not in meta.get("personal_for", ()):
        relative = g.pop("relative_time_shown")
        entry, ttl = [generation, minute if relative else None, pieces, meta], (
            RELATIVE_TTL_SECONDS if relative else PAGE_TTL_SECONDS)
        near = _near("bodies")
        for target in [cache] + ([near] if near is not None else []):
            target.set(key, entry, ttl)
    return Body(pieces, meta)


def raising(*generations: str) -> dict[str, Any]:
    """Execution options of a statement that changes what is remembered under these generations (a
    topic of one member's, say, which need not change their whole chrome)."""
    return {"raises": generations}


def changes_for(*user_ids: int) -> dict[str, Any]:
    """Execution options of a bulk statement on a watched table: the members whose chrome it changes."""
    return {"chrome_changes": user_ids}


# Execution options of a bulk statement that changes nothing a shared body must show at once.
CONTENT_UNCHANGED = {"content_unchanged": True}


def _changed(session: Session, keys: Iterable[Any]) -> None:
    session.info.setdefault("chrome_changed", set()).update(keys)


def _shown(instance: Any, table: str, session: Session) -> bool:
    """Whether writing this row changes what a shared body may show."""
    if table in UNSHOWN:
        return False
    if table != "users" or instance in session.deleted:
        return True
    state = inspect(instance)
    return instance not in session.new and any(state.attrs[key].history.has_changes() for key in SHOWN_USER_COLUMNS)


@event.listens_for(Session, "after_flush")
def _note_flushed_rows(session: Session, flush_context: Any) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(instance, "__tablename__", None)
        if table in WATCHED:
            column = WATCHED[table]
            _changed(session, [EVERYONE if column is None else getattr(instance, column)])
        if table is not None and _shown(instance, table, session):
            _changed(session, [CONTENT])
        if table in TABLE_GENERATIONS:
            _changed(session, [TABLE_GENERATIONS[table]])


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None:
        return
    _changed(state.session, state.execution_options.get("raises", ()))
    if table.name not in UNSHOWN and not state.execution_options.get("content_unchanged"):
        _changed(state.session, [CONTENT])
    if table.name in TABLE_GENERATIONS:
        _changed(state.session, [TABLE_GENERATIONS[table.name]])
    if table.name not in WATCHED:
        return
    named = state.execution_options.get("chrome_changes")
    if named is not None:
        _changed(state.session, named)
        return
    column = WATCHED[table.name]
    rows = state.parameters if isinstance(state.parameters, list) else None
    if state.is_insert and column is not None and rows and all(column in row for row in rows):
        _changed(state.session, {row[column] for row in rows})
    else:
        _changed(state.session, [EVERYONE])


@event.listens_for(Session, "after_commit")
def _raise_generations(session: Session) -> None:
    changed = session.info.pop("chrome_changed", None)
    if changed and has_app_context():
        cache = store()
        if cache.usable:
            cache.incr(f"gen:{key}" for key in changed)
        if has_request_context():
            g.pop("chrome_read", None)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop("chrome_changed", None)


def clear(bodies_only: bool = False) -> None:
    """Forget everything, or the shared bodies only (the tests: between tests, ids are used again;
    and to measure what a page costs to render)."""
    if not bodies_only:
        store().clear()
    _pages().clear()
