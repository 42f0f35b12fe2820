"""Rendered HTML shared between readers: a page of a thread's posts, a page of a thread list.

A fragment's key holds everything the fragment shows: each row's state, the reader's language and
time zone, and the minute while a time in it reads "3 minutes ago". Any change (an edit, a reply, a
post hidden by moderation, a renamed author) makes a new key, so nothing is ever invalidated: old
keys age out of a small per-process LRU. Only HTML that every reader in the same position sees is
shared: a page of posts is rendered afresh for the category's moderators and for the author of any
post on it (they see hidden posts, edit and history links), and otherwise shared among readers
with the same rights on it (may they report, may they reply).
"""
import threading
from collections import OrderedDict
from datetime import timedelta

from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from forum import cache, permissions
from forum.i18n import RELATIVE_UNTIL_DAYS
from forum.models import utcnow

SIZE = 512  # fragments per worker process: a page of 20 long posts is ~60 KB
_lock = threading.Lock()  # gthread workers share the store between threads
_store = OrderedDict()


def _cached(key, render):
    with _lock:
        html = _store.get(key)
        if html is not None:
            _store.move_to_end(key)
            return html
    html = Markup(render())
    with _lock:
        _store[key] = html
        if len(_store) > SIZE:
            _store.popitem(last=False)
    return html


def _reader(moments):
    """What every key holds of the reader and the clock: language, zone, and the current minute while
    any of the fragment's times is recent enough to be shown as relative."""
    now = utcnow()
    recent = any(now - moment < timedelta(days=RELATIVE_UNTIL_DAYS) for moment in moments)
    if recent:
        cache.note_relative_time()
    return str(get_locale()), str(get_timezone()), now.replace(second=0, microsecond=0) if recent else None


def thread_list(macro, threads, **options):
    """`macro(threads, **options)` (templates/_macros/threads.html thread_list) for this page of threads.
    The rows are already those the reader may see; the list shows nothing else of the reader."""
    key = ("threads", tuple(sorted(options.items())), _reader(t.last_activity_at for t in threads),
           tuple((t.id, t.title, t.kind, t.language, t.pinned, t.locked, t.reply_count, t.view_count,
                  t.last_activity_at, t.author.username, str(t.author.display_name),
                  t.last_poster and str(t.last_poster.display_name), t.category.slug, t.category.name)
                 for t in threads))
    return _cached(key, lambda: macro(threads, **options))


def thread_posts(macro, reader, thread, posts, featured=False):
    """`macro(thread, posts, featured)` (the post list of templates/forum/thread.html) for this reader;
    `featured`: the most useful answer, shown again under the opening post."""
    if permissions.moderates_category(reader, thread.category_id) or any(p.author_id == reader.id for p in posts):
        return macro(thread, posts, featured)
    key = ("posts", thread.id, featured, thread.best_post_id, permissions.can_choose_best_answer(reader, thread),
           permissions.can_speak(reader), permissions.can_reply(reader, thread),
           _reader(p.created_at for p in posts),
           tuple((p.id, p.number, p.revision, p.edited_at, p.deleted_at, p.moderation_state, p.language,
                  p.created_at, hash(p.body_html), p.useful_count, p.author.username, str(p.author.display_name),
                  p.author.academy)
                 for p in posts))
    return _cached(key, lambda: macro(thread, posts, featured))
