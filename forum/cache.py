"""What every page needs about the member (their account row, unread notifications, Code of Conduct
accepted, watching), kept between requests so the page chrome costs no SQL.

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
"""
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import redis
from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached

from forum.extensions import db

# Tables whose rows change a member's chrome: the column naming the member (None: every member's).
WATCHED = {"notifications": "user_id", "conduct_acceptances": "user_id", "watches": "user_id",
           "conduct_versions": None, "users": "id"}
EVERYONE = "*"
TTL_SECONDS = 3600
PREFIX = "portal:chrome:"
LOCAL_LIMIT = 100_000  # entries kept in one process (a watch state per member and thread adds up)


class LocalStore:
    """A dict with expiry, for one process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
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
        if len(self.values) >= LOCAL_LIMIT:
            # Values and generations go together, so nothing old can match a generation counted again.
            self.values.clear()
        self.values[key] = (time.monotonic() + ttl, value)

    def incr(self, keys: Iterable[str]) -> None:
        with self.lock:
            for key in keys:
                expires, value = self.values.get(key, (0.0, 0))
                self.values[key] = (float("inf"), (value or 0) + 1)

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

    def clear(self) -> None:
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


def init_app(app: Any) -> None:
    url = app.config.get("CACHE_REDIS_URL") or app.config.get("REDIS_URL")
    app.extensions["chrome_cache"] = RedisStore(url) if url else LocalStore()


def store() -> LocalStore | RedisStore:
    return current_app.extensions["chrome_cache"]


def _generation_keys(user_id: int) -> list[str]:
    return [f"gen:{user_id}", "gen:" + EVERYONE]


def remembered(user_id: int, name: str, compute: Callable[[], Any]) -> Any:
    """compute() for the member, from the store while neither their generation nor the portal's
    changed since it was computed. `compute` must return JSON-ready values."""
    cache = store()
    if not cache.usable:
        return compute()
    member_generation, portal_generation, cached = cache.get_many([*_generation_keys(user_id), f"{user_id}:{name}"])
    stamp = [member_generation or 0, portal_generation or 0]
    if cached is not None and cached[0] == stamp:
        return cached[1]
    value = compute()
    cache.set(f"{user_id}:{name}", [stamp, value], TTL_SECONDS)
    return value


def signed_in_member(token: str) -> Any:
    """The member whose session token this is, or None: their row from the cache while their
    generation is unchanged, attached to the session without a query. A suspension, a dismissal or a
    sign-out changes the row (a new token, a status), so the next request reads the database again."""
    from forum.models import User

    def read() -> dict | None:
        row = db.session.execute(select(User.__table__).where(User.session_token == token)).mappings().first()
        return None if row is None else {name: _encoded(value) for name, value in row.items()}

    cache = store()
    if not cache.usable:
        row = read()
    else:
        cached, portal_generation = cache.get_many([f"token:{token}", "gen:" + EVERYONE])
        member_generation = cache.get_many([f"gen:{cached[0]}"])[0] if cached is not None else None
        if cached is not None and cached[1] == [member_generation or 0, portal_generation or 0]:
            row = cached[2]
        else:
            row = read()
            if row is not None:
                # The generations are read after the row: a change committed in between would be cached
                # under the new generation, so the row is read again and kept only if it is the same.
                stamp = [x or 0 for x in cache.get_many([f"gen:{row['id']}", "gen:" + EVERYONE])]
                if read() == row:
                    cache.set(f"token:{token}", [row["id"], stamp, row], TTL_SECONDS)
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


def changes_for(*user_ids: int) -> dict[str, Any]:
    """Execution options of a bulk statement on a watched table: the members whose chrome it changes."""
    return {"chrome_changes": user_ids}


def _changed(session: Session, keys: Iterable[Any]) -> None:
    session.info.setdefault("chrome_changed", set()).update(keys)


@event.listens_for(Session, "after_flush")
def _note_flushed_rows(session: Session, flush_context: Any) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(instance, "__tablename__", None)
        if table in WATCHED:
            column = WATCHED[table]
            _changed(session, [EVERYONE if column is None else getattr(instance, column)])


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in WATCHED:
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


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop("chrome_changed", None)


def clear() -> None:
    """Forget everything (the tests, between tests: ids are used again)."""
    store().clear()
