"""A member's own data: the download of everything the portal holds about them, and deletion.

Deletion anonymizes instead of erasing: posts stay in their threads under "Former member" so the
conversations others took part in still read, and moderation records (cases, reports, penalties,
the audit log) keep their rows and ids.
"""
from sqlalchemy import delete, or_, select, update

from forum import hooks
from forum.extensions import db
from forum.messages.models import Block, Conversation, ConversationMember, Message
from forum.models import (
    AccountRequest,
    Bookmark,
    CategoryModerator,
    ConductAcceptance,
    ConductVersion,
    Draft,
    Invitation,
    LoginEvent,
    Post,
    Reaction,
    Thread,
    ThreadRead,
    User,
    Watch,
    new_session_token,
    utcnow,
)
from forum.notifications.models import Delivery, MailPreference, Notification
from forum.notifications.outbox import commit


def iso_time(value):
    """A time as the export writes it: ISO 8601 in UTC."""
    return value.isoformat() + "Z" if value else None


def _post_state(post):
    if post.is_deleted:
        return "deleted"
    return {"pending": "hidden pending review", "removed": "removed by a moderator",
            "author_dismissed": "hidden"}.get(post.moderation_state, "visible")


def export(member):
    """Everything the portal holds about the member, as one JSON-ready mapping."""
    rows = lambda query: db.session.execute(query).all()  # noqa: E731
    profile = {name: getattr(member, name) for name in (
        "username", "email", "display_name", "academy", "class_session", "graduation_year", "country",
        "agency", "preferred_language", "timezone", "bio_source", "role", "directory_hidden")}
    profile.update(display_name=str(member.display_name), created_at=iso_time(member.created_at),
                   last_login_at=iso_time(member.last_login_at), signs_in_with_ign=member.ign_subject is not None)
    posts = db.session.scalars(select(Post).where(Post.author_id == member.id).order_by(Post.id)).all()
    titles = dict(rows(select(Thread.id, Thread.title).where(Thread.id.in_({post.thread_id for post in posts}))))
    exported = {
        "exported_at": iso_time(utcnow()),
        "profile": profile,
        "posts": [{"id": post.id, "thread_id": post.thread_id, "thread_title": titles.get(post.thread_id),
                   "number": post.number, "language": post.language, "created_at": iso_time(post.created_at),
                   "edited_at": iso_time(post.edited_at), "state": _post_state(post), "body": post.body_source}
                  for post in posts],
        "notifications": [{"kind": kind, "created_at": iso_time(created), "read_at": iso_time(read), "details": data}
                          for kind, created, read, data in rows(
                              select(Notification.kind, Notification.created_at, Notification.read_at,
                                     Notification.data_json).where(Notification.user_id == member.id)
                              .order_by(Notification.id))],
        "code_of_conduct_accepted": [{"version": number, "accepted_at": iso_time(accepted)}
                                     for number, accepted in rows(
                                         select(ConductVersion.number, ConductAcceptance.accepted_at)
                                         .join(ConductVersion, ConductVersion.id == ConductAcceptance.version_id)
                                         .where(ConductAcceptance.user_id == member.id))],
        "sign_ins": [{"at": iso_time(at), "method": method, "outcome": outcome, "ip": ip}
                     for at, method, outcome, ip in rows(
                         select(LoginEvent.created_at, LoginEvent.method, LoginEvent.outcome, LoginEvent.ip)
                         .where(LoginEvent.user_id == member.id).order_by(LoginEvent.id))],
        "watching": [{"thread_id": thread_id, "category_id": category_id, "mode": mode, "since": iso_time(since)}
                     for thread_id, category_id, mode, since in rows(
                         select(Watch.thread_id, Watch.category_id, Watch.mode, Watch.created_at)
                         .where(Watch.user_id == member.id).order_by(Watch.id))],
        "drafts": [{"composer": key, "title": title, "body": body, "at": iso_time(at)}
                   for key, title, body, at in rows(select(Draft.key, Draft.title, Draft.body, Draft.updated_at)
                                                    .where(Draft.user_id == member.id).order_by(Draft.key))],
        "bookmarks": [{"post_id": post_id, "at": iso_time(at)} for post_id, at in rows(
            select(Bookmark.post_id, Bookmark.created_at).where(Bookmark.user_id == member.id)
            .order_by(Bookmark.created_at))],
        "found_useful": [{"post_id": post_id, "at": iso_time(at)} for post_id, at in rows(
            select(Reaction.post_id, Reaction.created_at).where(Reaction.user_id == member.id)
            .order_by(Reaction.created_at))],
        "threads_read": [{"thread_id": thread_id, "up_to_post": number, "at": iso_time(at)}
                         for thread_id, number, at in rows(
                             select(ThreadRead.thread_id, ThreadRead.last_read_number, ThreadRead.updated_at)
                             .where(ThreadRead.user_id == member.id).order_by(ThreadRead.thread_id))],
    }
    exported["direct_messages"] = [
        {"conversation_id": conversation_id, "subject": subject, "number": number, "at": iso_time(at),
         "state": "removed by a moderator" if removed else "visible", "body": body}
        for conversation_id, subject, number, at, removed, body in rows(
            select(Message.conversation_id, Conversation.subject, Message.number, Message.created_at,
                   Message.removed_at, Message.body_source).join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.author_id == member.id).order_by(Message.id))]
    exported["blocked_members"] = [{"username": username, "since": iso_time(at)} for username, at in rows(
        select(User.username, Block.created_at).join(User, User.id == Block.blocked_id)
        .where(Block.user_id == member.id).order_by(Block.created_at))]
    for part in hooks.member_export:
        exported.update(part(member))
    return exported


def is_last_admin(member):
    return member.is_admin and db.session.scalar(select(db.func.count()).select_from(User).where(
        User.role == "admin", User.status == "active")) <= 1


def delete_account(member):
    """Anonymize the member at their request; every session ends. Returns False for the last admin,
    whom the portal cannot lose."""
    if is_last_admin(member):
        return False
    former = f"former-{member.id}"
    old_email = member.email
    member.status, member.deleted_at, member.role = "deleted", utcnow(), "member"
    member.username, member.email, member.stored_name = former, f"{former}@deleted.invalid", ""
    member.password_hash = member.ign_subject = None
    member.academy = member.class_session = member.graduation_year = None
    member.country = member.agency = member.last_login_at = member.invited_at = member.imported_at = None
    member.bio_source = member.bio_html = ""
    member.timezone, member.session_token = "UTC", new_session_token()
    # Personal data that is no moderation record: the inbox, sign-ins, settings, unsent mail.
    for model in (Delivery, Notification, LoginEvent, MailPreference, CategoryModerator, Watch, ThreadRead, Bookmark,
                  Draft, Block):
        db.session.execute(delete(model).where(model.user_id == member.id))
    # Their messages stay in the conversations, like their posts; they leave every conversation.
    db.session.execute(update(ConversationMember).where(ConversationMember.user_id == member.id,
                                                        ConversationMember.left_at.is_(None))
                       .values(left_at=utcnow()).execution_options(synchronize_session=False))
    db.session.execute(update(Invitation).where(Invitation.user_id == member.id, Invitation.used_at.is_(None))
                       .values(used_at=utcnow()))
    db.session.execute(update(AccountRequest).where(
        or_(AccountRequest.member_id == member.id, AccountRequest.email == old_email))
        .values(name="", email=f"{former}@deleted.invalid", message=""))
    commit()
    return True
