"""Who may do what: every rule about access lives here, views and services both ask."""
from flask import abort


def is_member(user):
    return bool(user and user.is_authenticated and user.is_active)


def is_moderator(user):
    return is_member(user) and user.is_moderator


def is_admin(user):
    return is_member(user) and user.is_admin


def can_view_category(user, category):
    return is_member(user) and (not category.archived or is_moderator(user))


def can_start_thread(user, category):
    if not is_member(user) or category.archived:
        return False
    return not category.staff_only or is_moderator(user)


def can_reply(user, thread):
    if not is_member(user) or thread.category.archived:
        return False
    return not thread.locked or is_moderator(user)


def can_edit_post(user, post):
    """Authors edit their own live posts; a locked thread freezes them too."""
    if not is_member(user) or post.is_deleted or post.author_id != user.id:
        return False
    return not post.thread.locked or is_moderator(user)


def can_delete_post(user, post):
    return is_member(user) and not post.is_deleted and post.author_id == user.id


def can_view_history(user, post):
    return is_moderator(user) or (is_member(user) and post.author_id == user.id)


def can_moderate_thread(user, thread):
    return is_moderator(user)


def can_edit_profile(user, profile_owner):
    return is_member(user) and user.id == profile_owner.id


def require(allowed):
    """Abort with 403 unless the permission check passed."""
    if not allowed:
        abort(403)
