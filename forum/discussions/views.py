"""Reading and writing the forum: home, categories, threads, posts."""
import math
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from forum import cache, conduct, markup, params, permissions
from forum.connect import directory, watching
from forum.connect import search as search_service
from forum.discussions import drafts, marks, reading, services, viewcounts
from forum.extensions import db, limiter
from forum.forms import BODY_MAX, EditPostForm, NewThreadForm, ReplyForm, SubmissionTokenField, ThreadForm
from forum.models import LANGUAGES, THREAD_KINDS, Category, Post, Thread
from forum.notifications.models import Notification

bp = Blueprint("forum", __name__)


def _write_limit():
    return current_app.config["WRITE_LIMIT"]


def _writer_key():
    # The account, not the session or the address: signing out or moving resets nothing.
    return f"write:{current_user.id}" if current_user.is_authenticated else f"write:{request.remote_addr}"


# One allowance per member for new threads, replies, edits and direct messages together.
write_rate = limiter.shared_limit(_write_limit, scope="write", methods=["POST"], key_func=_writer_key)


def _list_filters():
    """The thread-list filters in the query string, unknown values ignored."""
    kind, language = request.args.get("kind"), request.args.get("lang")
    return {"kind": kind if kind in THREAD_KINDS else None,
            "language": language if language in LANGUAGES else None}


def _category_or_404(slug):
    category = db.first_or_404(db.select(Category).where(Category.slug == slug))
    permissions.require(permissions.can_view_category(current_user, category))
    return category


class ThreadHidden(Exception):
    """The thread is out of sight: its opening post is under review, or the thread was removed."""

    def __init__(self, thread):
        super().__init__(thread.id)
        self.thread = thread


def _thread_or_404(thread_id):
    thread = db.first_or_404(db.select(Thread).where(Thread.id == thread_id)
                             .options(db.joinedload(Thread.category)))
    permissions.require(permissions.can_view_category(current_user, thread.category))
    if not permissions.can_view_thread(current_user, thread):
        raise ThreadHidden(thread)
    return thread


@bp.app_errorhandler(ThreadHidden)
def thread_hidden(error):
    """Say whether the thread is under review or was removed, without showing its (possibly offending)
    title."""
    state = db.session.scalar(db.select(Post.moderation_state).where(Post.thread_id == error.thread.id,
                                                                     Post.number == 1))
    return render_template("forum/thread_hidden.html", state=state), 403


def _post_or_404(post_id):
    post = db.get_or_404(Post, post_id)
    permissions.require(permissions.can_view_category(current_user, post.thread.category))
    if not permissions.can_view_thread(current_user, post.thread):
        raise ThreadHidden(post.thread)
    permissions.require(permissions.can_view_post(current_user, post))
    return post


def post_url(post):
    """Link to the page of the thread holding the post, anchored at it."""
    return _number_url(post.thread_id, post.number)


def _number_url(thread_id, number):
    page = math.ceil(number / current_app.config["POSTS_PER_PAGE"])
    return url_for("forum.thread", thread_id=thread_id, page=page if page > 1 else None, _anchor=f"post-{number}")


def thread_url(thread):
    return url_for("forum.thread", thread_id=thread.id, slug=thread.slug or None)


def _publish(operation, success_message, url_for_result):
    """Run a posting service; if the Code of Conduct changed meanwhile, keep the form as typed."""
    try:
        result = operation()
    except conduct.ConductNotAccepted:
        flash(_("The Code of Conduct has changed: accept it, then send your post again."), "error")
        return None
    flash(success_message, "success")
    return redirect(url_for_result(result))


def conduct_gate(message=None):
    """The Code of Conduct gate of posting and reporting: None once the member accepted the version
    in force, else the way to accept it (and back here)."""
    if conduct.accepted_shown(current_user):
        return None
    flash(message or _("Please read and accept the Code of Conduct before you post."), "info")
    return redirect(url_for("auth.conduct", next=request.full_path))


@bp.route("/")
def index():
    """Latest activity across the portal."""
    filters, position = _list_filters(), services.Position.from_args(request.args)

    def build():
        threads = services.latest_threads(current_user, filters, position, current_app.config["THREADS_PER_PAGE"])
        return render_template("forum/index.html", threads=threads, filters=filters,
                               categories=services.visible_categories(current_user)), _listed(threads)

    page = permissions.shared(current_user, ("home", filters, position), build)
    return page.filled(**_unread_slots(page.meta))


@bp.route("/c/<slug>")
def category(slug):
    """A category's threads, pinned first, optionally of one kind or language."""
    filters, position = _list_filters(), services.Position.from_args(request.args)

    def build():
        category = _category_or_404(slug)
        threads = services.category_threads(current_user, category, filters, position,
                                            current_app.config["THREADS_PER_PAGE"])
        html = render_template("forum/category.html", category=category, threads=threads, filters=filters)
        return html, {"category": {"id": category.id, "slug": category.slug}, **_listed(threads)}

    page = permissions.shared(current_user, ("category", slug, filters, position), build)
    category = SimpleNamespace(**page.meta["category"])
    if permissions.is_member(current_user):  # the reader's own parts below, in one round trip to the cache
        cache.prefetch(current_user.id, watching.remembered_as(category_id=category.id),
                       reading.remembered_as(current_user, [thread_id for thread_id, _ in page.meta["listed"]]))
    watch = watching.watch_state(current_user, category=category)
    return page.filled(watch=cache.template_parts("_macros/watching.html").category_watch(category, watch),
                       **_unread_slots(page.meta))


def _listed(threads):
    """What a list page keeps of its threads for each reader's "N new": [thread id, last post number]."""
    return {"listed": [[thread.id, thread.post_count] for thread in threads.items]}


def _unread_slots(meta):
    """The "N new" of each listed thread for this member (a slot of the shared list), all filled."""
    last = dict(meta["listed"])
    counts = reading.unread_counts(current_user, last)
    parts = cache.template_parts("_macros/threads.html")
    return {f"new-{thread_id}": parts.new_posts(thread_id, counts[thread_id]) if thread_id in counts else ""
            for thread_id in last}


@bp.route("/read-all", methods=["POST"])
def mark_all_read():
    """Mark every thread the member has opened as read."""
    reading.mark_all_read(current_user)
    flash(_("Every thread is marked as read."), "success")
    return redirect(url_for(".index"))


@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@write_rate
def new_thread(slug):
    """Start a discussion, story or best-practice thread."""
    category = _category_or_404(slug)
    permissions.require(permissions.can_start_thread(current_user, category))
    return _start_thread(ThreadForm(), lambda: category, category)


@bp.route("/new", methods=["GET", "POST"])
@write_rate
def new_thread_anywhere():
    """Start a thread from Latest, choosing its category among those the member may start one in."""
    categories = {category.slug: category for category in services.visible_categories(current_user)
                  if permissions.can_start_thread(current_user, category)}
    permissions.require(bool(categories))
    form = NewThreadForm(category=request.args.get("category"))
    form.category.choices = [(slug, _(category.name)) for slug, category in categories.items()]
    return _start_thread(form, lambda: categories[form.category.data], None)


def _previewed(form):
    """The post as it would look, when the form was sent with its Preview button (nothing is saved)."""
    if request.method == "POST" and request.form.get("preview"):
        return Markup(markup.render_markdown(form.body.data or ""))
    return None


def _draft_saved(key, form):
    """The form was sent with its "Save draft" button: the text is kept on the server, the form shown again."""
    if request.method == "POST" and request.form.get("save_draft"):
        drafts.save(current_user, key, getattr(form, "title", None) and form.title.data, form.body.data)
        flash(_("Your draft is saved: it will be here when you come back."), "success")
        return True
    return False


@bp.route("/drafts", methods=["POST"])
def save_draft():
    """The composer's text as the member types (static/js/portal.js): 204, or 400 for an unknown composer."""
    saved = drafts.save(current_user, request.form.get("key"), request.form.get("title"), request.form.get("body"))
    return ("", 204) if saved else ("", 400)


@bp.route("/preview", methods=["POST"])
def preview():
    """A post's Markdown rendered by the sanitizer, for the composer's live preview (static/js/portal.js)."""
    body = (request.form.get("body") or "")[:BODY_MAX]
    return markup.render_markdown(body), 200, {"Content-Type": "text/html; charset=utf-8"}


def _start_thread(form, chosen, category):
    """The new-thread form (`category` None: with its category picker) and publishing it in `chosen()`."""
    if request.method == "GET" and (gate := conduct_gate()):
        return gate
    key = f"category:{category.slug}" if category else "new"
    if request.method == "GET" and (draft := drafts.saved(current_user, key)) is not None:
        form.title.data, form.body.data = draft["title"], draft["body"]
    previewed = _previewed(form)
    if not _draft_saved(key, form) and previewed is None and form.validate_on_submit():
        done = _publish(lambda: services.create_thread(current_user, chosen(), form.title.data,
                                                       form.kind.data, form.body.data, form.language.data,
                                                       submission=form.submission.data),
                        _("Your thread is published."), thread_url)
        if done:
            return done
    return render_template("forum/new_thread.html", category=category, form=form, previewed=previewed,
                           draft_key=key)


@bp.route("/t/<id:thread_id>")
@bp.route("/t/<id:thread_id>-<slug>")
def thread(thread_id, slug=None):
    """A thread's posts, one page at a time, with the reply form."""
    asked = params.page_arg()

    def build():
        thread = _thread_or_404(thread_id)
        per_page = current_app.config["POSTS_PER_PAGE"]
        pages = max(math.ceil(thread.post_count / per_page), 1)
        page = min(asked, pages)
        posts = services.thread_page(thread, page, per_page)
        best = services.best_answer(thread) if page == 1 else None  # shown first, under the opening post
        shown = [*posts, *([best] if best else [])]
        html = render_template("forum/thread.html", thread=thread, posts=posts, page=page, pages=pages, best=best)
        can_reply = permissions.can_reply(current_user, thread)
        form = ReplyForm(submission=cache.slot_marker("submission"))  # each reader's own token
        return html, {"thread": {"id": thread.id, "category_id": thread.category_id},
                      "last_number": posts[-1].number if posts else 0,
                      # For each reader's Useful and Bookmark buttons: [id, author, live].
                      "posts": [[post.id, post.author_id, not (post.is_deleted or post.is_hidden)] for post in shown],
                      "reply_form": str(_thread_parts().reply_form(thread, form)) if can_reply else None,
                      # The thread's author sees it while hidden; authors see their own hidden posts.
                      "personal_for": sorted({thread.author_id, *(post.author_id for post in shown)})}

    page = permissions.shared(current_user, ("thread", thread_id, asked), build)
    thread = SimpleNamespace(**page.meta["thread"])
    live = [post_id for post_id, _, alive in page.meta["posts"] if alive]
    if permissions.is_member(current_user):  # the reader's own parts below, in one round trip to the cache
        cache.prefetch(current_user.id, watching.remembered_as(thread), reading.remembered_as(current_user, [thread_id]),
                       drafts.remembered_as(current_user), *([marks.remembered_as(current_user, live)] if live else []))
    watch = watching.watch_state(current_user, thread=thread)
    reply = page.meta["reply_form"]
    if reply is not None and not conduct.accepted_shown(current_user):
        reply = _thread_parts().conduct_link()
    elif reply is not None and (draft := drafts.saved(current_user, f"thread:{thread_id}")) is not None:
        form = ReplyForm(body=draft["body"], submission=cache.slot_marker("submission"))  # the member's own text
        reply = _thread_parts().reply_form(thread, form)
    html = page.filled(watch=cache.template_parts("_macros/watching.html").thread_watch(thread, watch),
                       reply=reply, submission=SubmissionTokenField.fresh(), **_mark_slots(page.meta, live))
    reading.record(current_user, thread_id, page.meta["last_number"])  # after rendering: it may commit
    viewcounts.record_view(thread_id)  # after rendering: without Redis it commits, expiring the posts
    return html


@bp.route("/t/<id:thread_id>/unread")
def first_unread(thread_id):
    """The thread at the first post the member has not read yet."""
    thread = _thread_or_404(thread_id)
    return redirect(_number_url(thread.id, reading.first_unread(current_user, thread)))


def _thread_parts():
    return cache.template_parts("forum/_thread_parts.html")


# The id the buttons are rendered for once per state, then given each post's own (never a real id:
# ids stay far below it, params.MAX_ID).
_STAND_IN = "9999999999"


def _mark_slots(meta, live):
    """Each live post's Useful and Bookmark buttons for this member (slots of the shared thread page):
    rendered once per state and copied with each post's id, not once per post."""
    state = marks.marked(current_user, live)
    rendered, reader_id = {}, current_user.id  # current_user is a proxy: looked up once, not per post

    def buttons(post_id, author_id):
        mine = state[post_id]
        key = (mine["useful"], mine["bookmarked"], author_id != reader_id)
        if key not in rendered:
            rendered[key] = str(_thread_parts().post_marks(int(_STAND_IN), mine, key[2]))
        return rendered[key].replace(_STAND_IN, str(post_id))

    return {f"marks-{post_id}": buttons(post_id, author_id) if live else ""
            for post_id, author_id, live in meta["posts"]}


@bp.route("/p/<id:post_id>/useful", methods=["GET", "POST"])
@write_rate
def useful(post_id):
    """Who found the post useful; a POST finds it useful, or no longer."""
    post = _post_or_404(post_id)
    if request.method == "POST":
        marks.toggle_useful(current_user, post)
        return redirect(post_url(post))
    return render_template("forum/useful.html", post=post, members=marks.who_found_useful(post), post_url=post_url)


@bp.route("/p/<id:post_id>/best", methods=["POST"])
def best_answer(post_id):
    """The thread's author or a moderator marks a reply as the most useful answer, or unmarks it."""
    post = _post_or_404(post_id)
    if services.choose_best_answer(current_user, post.thread, post):
        flash(_("This answer is shown first, under the opening post."), "success")
    return redirect(post_url(post))


@bp.route("/p/<id:post_id>/bookmark", methods=["POST"])
@write_rate
def bookmark(post_id):
    """Keep the post among one's bookmarks, or drop it."""
    post = _post_or_404(post_id)
    if marks.toggle_bookmark(current_user, post):
        flash(_("The post is in your bookmarks."), "success")
    return redirect(post_url(post))


@bp.route("/bookmarks")
def bookmarks():
    """The member's bookmarked posts, newest bookmark first."""
    return render_template("forum/bookmarks.html", posts=marks.bookmarks(current_user, params.page_arg(),
                                                                          current_app.config["POSTS_PER_PAGE"]),
                           post_url=post_url)


@bp.route("/t/<id:thread_id>/reply", methods=["GET", "POST"])
@write_rate
def reply(thread_id):
    """The full reply form (with a quoted post when asked), and sending a reply."""
    thread = _thread_or_404(thread_id)
    permissions.require(permissions.can_reply(current_user, thread))
    form = ReplyForm()
    previewed = _previewed(form)  # rendered once, shown below
    if request.method == "GET":
        if gate := conduct_gate():
            return gate
        quoted = db.session.get(Post, params.int_arg("quote", 0))
        if quoted is not None and quoted.thread_id == thread.id and not quoted.is_deleted \
                and not quoted.is_hidden:
            form.body.data = markup.quote_markdown(quoted.body_source, str(quoted.author.display_name),
                                                   url_for(".post", post_id=quoted.id))
        elif (draft := drafts.saved(current_user, f"thread:{thread.id}")) is not None:
            form.body.data = draft["body"]
    elif not _draft_saved(f"thread:{thread.id}", form) and previewed is None and form.validate_on_submit():
        done = _publish(lambda: services.reply(current_user, thread, form.body.data, form.language.data,
                                               submission=form.submission.data),
                        _("Your reply is published."), post_url)
        if done:
            return done
    return render_template("forum/reply.html", thread=thread, form=form, previewed=previewed)


@bp.route("/p/<id:post_id>")
def post(post_id):
    """A stable link to one post."""
    return redirect(post_url(_post_or_404(post_id)))


@bp.route("/p/<id:post_id>/edit", methods=["GET", "POST"])
@write_rate
def edit_post(post_id):
    """Edit one's own post; the previous version stays in the history."""
    post = _post_or_404(post_id)
    permissions.require(permissions.can_edit_post(current_user, post))
    form = EditPostForm()
    previewed = _previewed(form)
    if request.method == "GET":
        form.body.data = post.body_source
        form.title.data = post.thread.title if post.is_opening else None
        form.language.data = post.language
    elif previewed is None and form.validate_on_submit():
        done = _publish(lambda: services.edit_post(current_user, post, form.body.data, form.title.data,
                                                   form.language.data),
                        _("Your changes are saved."), post_url)
        if done:
            return done
    return render_template("forum/edit_post.html", post=post, form=form, previewed=previewed)


@bp.route("/p/<id:post_id>/delete", methods=["GET", "POST"])
def delete_post(post_id):
    """Delete one's own post (it stays in the record, hidden from the thread), after a confirmation."""
    post = _post_or_404(post_id)
    permissions.require(permissions.can_delete_post(current_user, post))
    if request.method == "GET":
        return render_template("forum/delete_post.html", post=post)
    services.delete_post(current_user, post)
    flash(_("Your post is deleted."), "info")
    return redirect(post_url(post))


@bp.route("/p/<id:post_id>/history")
def post_history(post_id):
    """Every revision of a post, newest first."""
    post = _post_or_404(post_id)
    permissions.require(permissions.can_view_history(current_user, post))
    revisions = services.post_revisions(post)
    return render_template("forum/history.html", post=post, revisions=revisions)


@bp.route("/t/<id:thread_id>/<any(pin, unpin, lock, unlock):action>", methods=["POST"])
def moderate_thread(thread_id, action):
    """Pin, unpin, lock or unlock a thread."""
    thread = _thread_or_404(thread_id)
    flags = {"pin": {"pinned": True}, "unpin": {"pinned": False},
             "lock": {"locked": True}, "unlock": {"locked": False}}[action]
    services.set_thread_flags(current_user, thread, **flags)
    messages = {"pin": _("The thread is pinned."), "unpin": _("The thread is no longer pinned."),
                "lock": _("The thread is locked."), "unlock": _("The thread is open for replies again.")}
    flash(messages[action], "success")
    return redirect(thread_url(thread))


# --- watching ----------------------------------------------------------------------------------

WATCH_CHOICES = {"watching": "watching", "muted": "muted", "none": None}


def watch_message(mode):
    return {"watching": _("You are watching it: new posts will be in your notifications."),
            "muted": _("It is muted: you will not be notified of it."),
            None: _("You no longer watch it.")}[mode]


def _set_watch(back, **target):
    """Watch, mute or stop watching a thread or category (form field mode: watching, muted, none)."""
    if request.form.get("mode") not in WATCH_CHOICES:
        abort(400)
    mode = WATCH_CHOICES[request.form["mode"]]
    watching.set_watch(current_user, mode, **target)
    flash(watch_message(mode), "success")
    return redirect(back)


@bp.route("/t/<id:thread_id>/watch", methods=["POST"])
def watch_thread(thread_id):
    """Watch, mute or stop watching a thread."""
    thread = _thread_or_404(thread_id)
    return _set_watch(thread_url(thread), thread=thread)


@bp.route("/c/<slug>/watch", methods=["POST"])
def watch_category(slug):
    """Watch, mute or stop watching a category."""
    category = _category_or_404(slug)
    return _set_watch(url_for("forum.category", slug=category.slug), category=category)


@bp.route("/notifications/<id:notification_id>/watching", methods=["GET", "POST"])
def notification_watching(notification_id):
    """From a notification of a watched post: confirm, then mute its thread or stop watching (the
    e-mail's link leads here; nothing changes on GET)."""
    notification = db.get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id or notification.kind not in watching.KINDS:
        abort(404)
    if request.method == "POST":
        action = request.form.get("action")
        if action not in ("mute", "unwatch"):
            abort(400)
        watching.apply_from_notification(current_user, notification, action)
        flash(watch_message("muted" if action == "mute" else None), "success")
        return redirect(url_for("notifications.index"))
    return render_template("forum/notification_watching.html", notification=notification,
                           notice=watching.describe(notification), target=watching.notice_target(notification))


MEMBERS_SHOWN = 5  # above a search's posts; the directory lists them all


@bp.route("/search")
def search():
    """Search thread titles and post bodies, with filters, newest first."""
    filters = search_service.filters_from(request.args, current_user)
    results = search_service.search_posts(current_user, filters, params.page_arg(),
                                          current_app.config["POSTS_PER_PAGE"])
    # Members named like the search, on its first page: alumni look for one another by name.
    members = directory.members_named(filters["q"], MEMBERS_SHOWN + 1) if filters["q"] and results.page == 1 else []
    return render_template("forum/search.html", filters=filters, results=results, post_url=post_url,
                           categories=services.visible_categories(current_user), members=members[:MEMBERS_SHOWN],
                           more_members=len(members) > MEMBERS_SHOWN)
