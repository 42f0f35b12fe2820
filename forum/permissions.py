"""Who may do what: every rule about access lives here; views, services and templates all ask.

Moderators without a category scope moderate everywhere; scoped moderators only their
categories (profile reports, which have no category, go to global moderators and admins).
Nobody judges themselves or a rank above their own: a case, penalty or appeal about a member is
for moderators; about a moderator, for admins; about an admin, for the other admins.

Rules that lists apply in SQL have their SQL form next to the Python one (the `_sql` functions),
and tests/forum/test_permissions_sql.py checks that both agree.
"""
from flask import abort
from sqlalchemy import false, or_, true

from forum import cache
from forum.models import Post, Thread


def is_member(user):
    return bool(user and user.is_authenticated and user.is_active)


def is_moderator(user):
    return is_member(user) and user.is_moderator


def is_admin(user):
    return is_member(user) and user.is_admin


def has_authority_over(user, member):
    """Whether the user may decide, penalise or pardon anything concerning the member: a moderator
    judges members, an admin moderators and other admins too; nobody judges themselves."""
    if not is_moderator(user) or member.id == user.id:
        return False
    return is_admin(user) or member.role == "member"


def can_speak(user):
    """Post, reply, edit or report: a member who is not silenced."""
    return is_member(user) and not user.is_silenced


def moderator_scopes(user):
    """The categories a scoped moderator looks after (empty for global moderators): asked on every
    page a moderator opens, so kept in the cache until their scopes change."""
    return set(cache.remembered(user.id, "scopes", lambda: sorted(user.moderated_category_ids)))


def moderates_category(user, category_id):
    if is_admin(user):
        return True
    if not is_moderator(user):
        return False
    scopes = moderator_scopes(user)
    return not scopes or category_id in scopes


def moderates_category_sql(user, category_id):
    """moderates_category as a condition on a category id column."""
    if is_admin(user) or (is_moderator(user) and not moderator_scopes(user)):
        return true()
    return category_id.in_(moderator_scopes(user)) if is_moderator(user) else false()


def can_view_category(user, category):
    return is_member(user) and (not category.archived or is_moderator(user))


def can_start_thread(user, category):
    if not can_speak(user) or category.archived:
        return False
    return not category.staff_only or is_moderator(user)


def can_reply(user, thread):
    if not can_speak(user) or thread.category.archived:
        return False
    return not thread.locked or moderates_category(user, thread.category_id)


def can_view_post(user, post):
    """Hidden posts stay visible to their author and the category's moderators."""
    if not post.is_hidden:
        return True
    return is_member(user) and (post.author_id == user.id or moderates_category(user, post.thread.category_id))


def can_view_thread(user, thread):
    if not can_view_category(user, thread.category):
        return False
    return not thread.hidden or thread.author_id == user.id or moderates_category(user, thread.category_id)


def sees_hidden_sql(user):
    """The hidden-thread and hidden-post parts of can_view_thread and can_view_post, as conditions on
    rows joined to their thread: (thread condition, post condition)."""
    moderated = moderates_category_sql(user, Thread.category_id)
    return (or_(Thread.hidden.is_(False), Thread.author_id == user.id, moderated),
            or_(Post.moderation_state.is_(None), Post.author_id == user.id, moderated))


def can_edit_post(user, post):
    """Authors edit their own live posts; a locked thread freezes them too."""
    if not can_speak(user) or post.is_deleted or post.author_id != user.id:
        return False
    return not post.thread.locked or moderates_category(user, post.thread.category_id)


def can_delete_post(user, post):
    return is_member(user) and not post.is_deleted and post.author_id == user.id


def can_view_history(user, post):
    return moderates_category(user, post.thread.category_id) or (is_member(user) and post.author_id == user.id)


def can_moderate_thread(user, thread):
    return moderates_category(user, thread.category_id)


def can_edit_profile(user, profile_owner):
    return is_member(user) and user.id == profile_owner.id


def can_choose_best_answer(user, thread):
    """On a best-practice thread: its author (who may speak) or the category's moderators."""
    if thread.kind != "best_practice":
        return False
    return (can_speak(user) and thread.author_id == user.id) or moderates_category(user, thread.category_id)


def can_mark_useful(user, post):
    """Another member's live post (silenced members too: it says nothing)."""
    return is_member(user) and post.author_id != user.id and not post.is_deleted and not post.is_hidden


def can_report_post(user, post):
    return can_speak(user) and post.author_id != user.id and not post.is_deleted


def can_report_member(user, member):
    return can_speak(user) and member.id != user.id and not member.is_deleted  # nobody left to report


def can_message(user, member):
    """Start a conversation with the member (blocks are the messages' own rule: forum/messages)."""
    return can_speak(user) and member.id != user.id and member.status == "active"


def can_write_in_conversation(user, membership):
    """`membership`: the user's place in a conversation (None: not a member of it)."""
    return can_speak(user) and membership is not None and membership.user_id == user.id and membership.left_at is None


def can_block(user, member):
    """Another member; the moderators and admins can always reach a member."""
    return is_member(user) and member.id != user.id and member.role == "member"


def can_report_message(user, message, membership):
    """A member of its conversation, about another's message."""
    return (can_speak(user) and membership is not None and membership.user_id == user.id
            and message.author_id != user.id and message.number <= membership.last_number)


def can_view_case(user, case):
    """A case about oneself stays closed to one (its reporters are named there)."""
    if case.member_id == getattr(user, "id", None):
        return False
    if case.category_id is None:
        return is_moderator(user) and (is_admin(user) or not moderator_scopes(user))
    return moderates_category(user, case.category_id)


def can_decide_case(user, case):
    """Escalated cases are for admins; open ones for the moderators who can see them and have
    authority over the member concerned."""
    if not case.is_open or not can_view_case(user, case) or not has_authority_over(user, case.member):
        return False
    return case.status == "open" or is_admin(user)


def can_escalate_case(user, case):
    """Whoever sees an open case may hand it to the admins, including one they may not decide."""
    return case.status == "open" and can_view_case(user, case)


def can_decide_appeal(user, appeal):
    """Never a moderator who took part in the decision appealed (decided it or proposed it)."""
    return (can_view_case(user, appeal.case) and has_authority_over(user, appeal.member)
            and user.id not in appeal.case.decided_by_ids)


def can_lift_penalty(user, penalty):
    """Dismissals are undone by reinstatement, not lifted."""
    if penalty.kind == "dismissal" or penalty.lifted_at is not None:
        return False
    seen = can_view_case(user, penalty.case) if penalty.case is not None else is_admin(user)
    return seen and has_authority_over(user, penalty.member)


def can_restore_post(user, post):
    return (post.is_hidden and moderates_category(user, post.thread.category_id)
            and has_authority_over(user, post.author))


def reader_class(user):
    """All that the rules above read of a reader but who they are: readers of one class may share a
    page (forum/cache.py shared_body), except where the page names them (their own posts)."""
    if not is_member(user):
        return "-"
    scope = ""
    if is_moderator(user):
        scopes = moderator_scopes(user)
        scope = "all" if is_admin(user) or not scopes else ",".join(map(str, sorted(scopes)))
    return f"{user.role}:{scope}:{'speaks' if can_speak(user) else 'silent'}"


def shared(user, parts, build, **options):
    """cache.shared_body: the page shared by the readers of the user's class."""
    return cache.shared_body(user.id, (*parts, reader_class(user)), build, **options)


def require(allowed):
    """Abort with 403 unless the permission check passed."""
    if not allowed:
        abort(403)
