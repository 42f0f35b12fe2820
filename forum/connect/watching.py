"""Watching threads and categories, and @mentions: who hears of a new post, and the digest e-mail.

Rules, in one place:
- A member watches or mutes a thread or a category (one `Watch` row each). A thread's own row wins
  over its category's: muting a thread silences it in a watched category, mentions included.
- Thread authors watch their threads from the start; repliers do not (one click on the thread does it),
  so a busy board does not fill the inboxes of everyone who once answered there.
- A new post notifies, in-app, each watcher who may read it (active, may see the category and the
  thread), never its author: a reply notifies the thread's and category's watchers, a new thread its
  category's. @username in a new post, or added by an edit, notifies that member once per post.
- Content hidden by moderation, removed or deleted notifies nobody. Notifications store ids only;
  their text (thread title, author) is made when shown and only while the post is still visible, so a
  post hidden later never shows in the list or in a mail.
- E-mail: the notifications go into one digest per member at most every WATCH_DIGEST_MINUTES,
  never one mail per post (`send_watch_digests`, run by the beat like the moderators' digest).

The kinds of notice made here, their words and their digest e-mail are registered with
forum.notifications at the end of this module.
"""
import re

from flask import current_app, g, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import joinedload, selectinload

from forum import cache, permissions
from forum.extensions import db
from forum.models import WATCH_MODES, Category, Post, PostRevision, Thread, User, Watch
from forum.notifications import kinds
from forum.notifications.notices import digest_items, notify
from forum.notifications.outbox import commit, send_digest

# Kinds of notification made here; their e-mail goes into the watch digest.
KINDS = ("reply", "new_thread", "mention", "best_answer")
# "@name" at the start or after a space or punctuation (not inside an e-mail address); a trailing dot
# or hyphen ends the sentence, not the name.
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9_](?:[a-z0-9_.-]{0,30}[a-z0-9_])?)", re.IGNORECASE)


# Quoted lines are someone else's words and code is code: a mention there notifies nobody.
_QUOTED_OR_CODE = re.compile(r"^ {0,3}>[^\n]*|```.*?```|`[^`\n]*`", re.MULTILINE | re.DOTALL)


def mentioned_usernames(text):
    return {name.lower() for name in _MENTION.findall(_QUOTED_OR_CODE.sub(" ", text or ""))}


# --- the member's choices --------------------------------------------------------------------

def watch_state(user, thread=None, category=None):
    """{'thread': mode or None, 'category': mode or None} of the member: from the cache until the
    member's watches change, else in one query."""
    category_id = thread.category_id if thread is not None else category.id

    def load():
        target = Watch.category_id == category_id
        if thread is not None:
            target = or_(target, Watch.thread_id == thread.id)
        state = {"thread": None, "category": None}
        for thread_id, mode in db.session.execute(select(Watch.thread_id, Watch.mode)
                                                  .where(Watch.user_id == user.id, target)):
            state["thread" if thread_id is not None else "category"] = mode
        return state

    name, _ = remembered_as(thread, category_id)
    return cache.remembered(user.id, name, load)


def remembered_as(thread=None, category_id=None):
    """(name, generations) of a member's watch state of the thread or category in the cache."""
    return (f"watch:t{thread.id}" if thread is not None else f"watch:c{category_id}"), ()


def set_watch(user, mode, thread=None, category=None):
    """Watch or mute a thread or a category (mode None: stop either); the member must see it."""
    if mode is not None and mode not in WATCH_MODES:
        raise ValueError(mode)
    if thread is not None:
        permissions.require(permissions.can_view_thread(user, thread))
        where = (Watch.user_id == user.id, Watch.thread_id == thread.id)
    else:
        permissions.require(permissions.can_view_category(user, category))
        where = (Watch.user_id == user.id, Watch.category_id == category.id)
    watch = db.session.scalar(select(Watch).where(*where))
    if mode is None:
        db.session.execute(delete(Watch).where(*where).execution_options(**cache.changes_for(user.id)))
    elif watch is None:
        db.session.add(Watch(user_id=user.id, thread_id=thread.id if thread else None,
                             category_id=None if thread else category.id, mode=mode))
    else:
        watch.mode = mode
    commit()


def watch_new_thread(author, thread):
    """The author watches the thread they start (in the thread's transaction)."""
    db.session.add(Watch(user_id=author.id, thread_id=thread.id, mode="watching"))


def category_watchers(category_id):
    """Active members watching the category (not muted) who may see it: for announcing what is new
    in it (the resource library uses this)."""
    category = db.session.get(Category, category_id)
    if category is None:
        return []
    members = db.session.scalars(
        select(User).join(Watch, Watch.user_id == User.id)
        .where(Watch.category_id == category_id, Watch.mode == "watching", User.status == "active")
        .order_by(User.id)).all()
    return [member for member in members if permissions.can_view_category(member, category)]


# --- who hears of a new post ------------------------------------------------------------------

def _is_shown(post):
    """Whether every member who may read the thread sees the post: not hidden, removed or deleted."""
    thread = post.thread
    return not (post.is_deleted or post.is_hidden or thread.hidden or thread.category.archived)


def _may_read(member, post):
    return permissions.can_view_thread(member, post.thread) and permissions.can_view_post(member, post)


def _thread_modes(thread, user_ids=None):
    """{user id: (via, mode)} of the members watching or muting the thread or its category."""
    query = (select(Watch.user_id, Watch.thread_id, Watch.mode)
             .where(or_(Watch.thread_id == thread.id, Watch.category_id == thread.category_id)))
    if user_ids is not None:
        query = query.where(Watch.user_id.in_(user_ids))
    modes = {}
    for user_id, thread_id, mode in db.session.execute(query):
        if thread_id is not None:
            modes[user_id] = ("thread", mode)  # the thread's own choice wins
        else:
            modes.setdefault(user_id, ("category", mode))
    return modes


def _members(user_ids):
    if not user_ids:
        return []
    return db.session.scalars(select(User).where(User.id.in_(user_ids), User.status == "active")
                              .options(selectinload(User.moderated_categories))  # read by _may_read
                              .order_by(User.id)).all()


def announce_post(post):
    """Notify the watchers and the mentioned members of a new post (inside its transaction)."""
    if not _is_shown(post):
        return
    mentioned = _announce_mentions(post, mentioned_usernames(post.body_source))
    modes = _thread_modes(post.thread) if not post.is_opening else {
        user_id: ("category", mode) for user_id, mode in db.session.execute(
            select(Watch.user_id, Watch.mode).where(Watch.category_id == post.thread.category_id))}
    audience = {"thread": [], "category": []}
    for member in _members([user_id for user_id, (_, mode) in modes.items() if mode == "watching"
                            and user_id != post.author_id and user_id not in mentioned]):
        if member.is_active and _may_read(member, post):
            audience[modes[member.id][0]].append(member)
    kind = "new_thread" if post.is_opening else "reply"
    for via, members in audience.items():
        if members:
            notify(members, kind, post_id=post.id, thread_id=post.thread_id, via=via)


def announce_edit(post):
    """Notify members newly @mentioned by an edit: a member is told of a post once."""
    if not _is_shown(post):
        return
    earlier = set()
    for source in db.session.scalars(select(PostRevision.body_source).where(
            PostRevision.post_id == post.id, PostRevision.number < post.revision)):
        earlier |= mentioned_usernames(source)
    _announce_mentions(post, mentioned_usernames(post.body_source) - earlier)


def _announce_mentions(post, usernames):
    """Notify the named members who may read the post and have not muted its thread; their ids."""
    if not usernames:
        return set()
    named = db.session.scalars(select(User.id).where(User.username.in_(usernames))).all()
    modes = _thread_modes(post.thread, named)
    members = [member for member in _members(named)
               if member.id != post.author_id and member.is_active and _may_read(member, post)
               and modes.get(member.id, (None, None))[1] != "muted"]
    if members:
        notify(members, "mention", post_id=post.id, thread_id=post.thread_id, via="mention")
    return {member.id for member in members}


def announce_best_answer(post, chooser):
    """Tell a reply's author that it was marked the thread's most useful answer (not when they marked
    it themselves, as the thread's author or a moderator)."""
    if post.author_id != chooser.id and post.author.is_active:
        notify([post.author], "best_answer", post_id=post.id, thread_id=post.thread_id, via="best_answer")


# --- showing a notification --------------------------------------------------------------------

def preload(notifications):
    """Load the posts (with thread, category and author) the notifications name, in one query, so
    describing a page of them costs no query each (kept for the request: the session's identity map
    alone would let them go)."""
    ids = {n.data.get("post_id") for n in notifications if n.kind in KINDS}
    if ids:
        posts = db.session.scalars(select(Post).where(Post.id.in_(ids)).options(
            joinedload(Post.author), joinedload(Post.thread).joinedload(Thread.category))).all()
        g.setdefault("watched_posts", {}).update((post.id, post) for post in posts)


def shown_post(notification):
    """The post a watch notification is about, or None if it is gone, hidden or removed since."""
    post_id = notification.data.get("post_id") or 0
    post = g.get("watched_posts", {}).get(post_id) or db.session.get(Post, post_id)
    return post if post is not None and _is_shown(post) else None


def notice_target(notification):
    """What 'stop watching' from this notification stops: ('thread', id) or ('category', id)."""
    data = notification.data
    if data.get("via") == "category":
        post = db.session.get(Post, data.get("post_id") or 0)
        thread = db.session.get(Thread, data.get("thread_id") or 0) or (post.thread if post else None)
        return ("category", thread.category_id) if thread else None
    return ("thread", data.get("thread_id"))


def apply_from_notification(user, notification, action):
    """'mute' the notification's thread, or 'unwatch' what brought it (its thread or category)."""
    thread = db.session.get(Thread, notification.data.get("thread_id") or 0)
    if thread is None:
        return
    if action == "mute":
        set_watch(user, "muted", thread=thread)
    elif notice_target(notification)[0] == "category":
        set_watch(user, None, category=thread.category)
    else:
        set_watch(user, None, thread=thread)


# --- the digest e-mail -------------------------------------------------------------------------

def send_watch_digests():
    """One e-mail per member with their new watch notifications, at most once per interval; posts
    hidden since are left out (and checked again when the mail is written)."""
    send_digest(KINDS, User.last_watch_digest_at, lambda user: current_app.config["WATCH_DIGEST_MINUTES"],
                "watch_digest", keep=lambda notice: shown_post(notice) is not None)


# --- the kinds of notice -------------------------------------------------------------------------

MESSAGES = {
    "reply": _l("%(author)s replied in “%(title)s”."),
    "new_thread": _l("%(author)s started “%(title)s”."),
    "mention": _l("%(author)s mentioned you in “%(title)s”."),
    "best_answer": _l("Your answer in “%(title)s” is marked as the most useful."),
}
UNAVAILABLE = _l("A post you were told about is no longer available.")


def describe(notification, external=False):
    """A watched post's notice names its thread and author, never its text, and only while the post
    is visible: one hidden or removed since reads as no longer available. 'manage' leads to the page
    to mute the thread or stop watching ('unwatch': whether there is something to stop watching)."""
    manage = url_for("forum.notification_watching", notification_id=notification.id, _external=external)
    unwatch = notification.kind in ("reply", "new_thread")
    post = shown_post(notification)
    if post is None:
        return {"text": UNAVAILABLE, "url": url_for("notifications.index", _external=external),
                "manage": manage, "unwatch": unwatch}
    text = MESSAGES[notification.kind] % {"author": post.author.display_name, "title": post.thread.title}
    url = url_for("forum.post", post_id=post.id, _external=external)
    return {"text": text, "url": url, "manage": manage, "unwatch": unwatch}


for _kind in KINDS:
    kinds.register(_kind, describe=describe, preload=preload, in_digest=True)
kinds.register("watch_digest", subject=_l("New posts in threads you watch"), context=digest_items,
               optional=_l("Digest of new posts in threads and categories I watch, and mentions of me"))
