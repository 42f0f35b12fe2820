"""Thread view counts: counted in Redis, added to the database by one statement a minute.

A view costs one HINCRBY, not a database write: an UPDATE per view would take the thread row's lock
on every read of a popular thread and write a new row version each time. The beat task
`forum.tasks.flush_thread_views` moves the counts into threads.view_count. Without Redis (local
use, tests) each view is one UPDATE: there is no other store shared by the processes there.
Neither makes shared page bodies stale (forum/cache.py): otherwise every view, or every minute's
flush, would have every page rendered again, by every worker at once. A list shows views as of its
page's last render: at most PAGE_TTL_SECONDS late, or until the next post.
"""
import logging

import redis
from flask import current_app
from sqlalchemy import bindparam, update

from forum import cache
from forum.extensions import db
from forum.models import Thread
from forum.notifications.outbox import commit

PENDING = "portal:thread-views"
FLUSHING = "portal:thread-views:flushing"  # taken by a flush; left over only if it died midway
log = logging.getLogger(__name__)
_clients = {}


def _redis():
    url = current_app.config["REDIS_URL"]
    if not url:
        return None
    if url not in _clients:  # one connection pool per process
        _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _clients[url]


def _add(counts, options=None):
    """Add {thread id: views} to the threads, in one executemany, in id order (no lock-order deadlocks)."""
    if counts:
        threads = Thread.__table__
        db.session.execute(update(threads).where(threads.c.id == bindparam("thread_id"))
                           .values(view_count=threads.c.view_count + bindparam("views")),
                           [{"thread_id": tid, "views": n} for tid, n in sorted(counts.items())],
                           execution_options=options or {})
    commit()


def record_view(thread_id):
    client = _redis()
    if client is None:
        _add({thread_id: 1}, cache.CONTENT_UNCHANGED)
        return
    try:
        client.hincrby(PENDING, thread_id, 1)
    except redis.RedisError as error:  # a view not counted is better than a page not shown
        log.warning("thread view not counted: %s", error)


def flush_views():
    """Add the views counted since the last flush to the database; returns how many."""
    client = _redis()
    if client is None:
        return 0
    # RENAME is atomic: views counted from now on start a new hash. A flush that died after renaming
    # is finished first (if it died after its commit, that minute's views count twice: harmless).
    if not client.exists(FLUSHING):
        try:
            client.rename(PENDING, FLUSHING)
        except redis.ResponseError:  # no views since the last flush
            return 0
    counts = {int(tid): int(n) for tid, n in client.hgetall(FLUSHING).items()}
    _add(counts, cache.CONTENT_UNCHANGED)
    client.delete(FLUSHING)
    return sum(counts.values())
