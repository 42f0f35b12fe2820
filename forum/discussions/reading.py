"""Unread tracking: how far each member has read each thread.

A member has read a thread up to the last post a page of it showed them, or that they wrote
(`ThreadRead.last_read_number`; posts are numbered in order and never renumbered, and a thread's
`post_count` is the number of its last post). Thread lists show "N new" on the threads a member has
opened before that have posts since, linking to the first of them (`/t/<id>/unread`); "Mark all read"
catches every opened thread up. A thread never opened shows nothing: a forum of 100,000 threads would
otherwise be all "new".

Reads cost no SQL on a repeat view: what a member has read is remembered in the chrome cache
(forum/cache.py) under a generation of their reads, which reading further raises (not their whole
chrome's: their account row and counts stay cached). Writes happen only when a member reads further
than before.
"""
from sqlalchemy import select, update

from forum import cache
from forum.extensions import db, upsert
from forum.models import Thread, ThreadRead, utcnow
from forum.notifications.outbox import commit


def _generation(user_id):
    return f"reads:{user_id}"


def read_up_to(user, thread_ids):
    """{thread id: last post number read} of the member, for the given threads (those never opened are
    left out), from the cache while the member has read nothing since."""
    ids = sorted(set(thread_ids))
    if not ids:
        return {}

    def compute():
        rows = db.session.execute(select(ThreadRead.thread_id, ThreadRead.last_read_number)
                                  .where(ThreadRead.user_id == user.id, ThreadRead.thread_id.in_(ids)))
        return {str(thread_id): number for thread_id, number in rows}  # JSON keys

    name, also = remembered_as(user, ids)
    found = cache.remembered(user.id, name, compute, also=also)
    return {int(thread_id): number for thread_id, number in found.items()}


def remembered_as(user, thread_ids):
    """(name, generations) of the member's positions in these threads in the cache (cache.prefetch)."""
    return _name(sorted(set(thread_ids))), (_generation(user.id),)


def _name(thread_ids):
    return "read:" + ",".join(map(str, thread_ids))


def unread_counts(user, last_numbers):
    """{thread id: posts since the member last read it} for threads they have opened, from
    {thread id: number of its last post}."""
    read = read_up_to(user, last_numbers)
    return {thread_id: last - read[thread_id] for thread_id, last in last_numbers.items()
            if thread_id in read and last > read[thread_id]}


def advance(user, thread_id, number):
    """Record that the member has read the thread up to post `number` (never backwards), in the
    caller's transaction."""
    statement = upsert(ThreadRead).values(user_id=user.id, thread_id=thread_id, last_read_number=number, updated_at=utcnow())
    statement = statement.on_conflict_do_update(
        index_elements=[ThreadRead.user_id, ThreadRead.thread_id],
        set_={"last_read_number": statement.excluded.last_read_number, "updated_at": statement.excluded.updated_at},
        where=ThreadRead.last_read_number < statement.excluded.last_read_number)
    db.session.execute(statement, execution_options=cache.raising(_generation(user.id)))


def record(user, thread_id, number):
    """After a page of the thread was shown up to post `number`: remembered if it is further than the
    member had read (a repeat view writes nothing)."""
    if number > read_up_to(user, [thread_id]).get(thread_id, 0):
        advance(user, thread_id, number)
        commit()
        # The next view of the thread knows where the member is without asking the database.
        cache.remember_now(user.id, _name([thread_id]), {str(thread_id): number}, also=(_generation(user.id),))


def first_unread(user, thread):
    """The number of the first post the member has not read (the last post when all are read; the
    first when they never opened the thread)."""
    read = read_up_to(user, [thread.id]).get(thread.id, 0)
    return min(read + 1, max(thread.post_count, 1))


def mark_all_read(user):
    """Catch every thread the member has opened up to its last post, in one statement."""
    last = select(Thread.post_count).where(Thread.id == ThreadRead.thread_id).scalar_subquery()
    db.session.execute(update(ThreadRead).where(ThreadRead.user_id == user.id, ThreadRead.last_read_number < last)
                       .values(last_read_number=last, updated_at=utcnow()),
                       execution_options={**cache.raising(_generation(user.id)), "synchronize_session": False})
    commit()
