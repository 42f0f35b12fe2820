"""Direct messages: writing, reading, leaving, blocking, and the notices and digest they bring
(the rules are in the package's docstring)."""
import re

from flask import current_app, g, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from forum import cache, markup, permissions
from forum.conduct import require_conduct_accepted
from forum.extensions import db, upsert
from forum.messages.models import Block, Conversation, ConversationMember, Message
from forum.models import User, utcnow
from forum.notifications import kinds
from forum.notifications.notices import digest_items, notify
from forum.notifications.outbox import commit, send_digest

MAX_RECIPIENTS = 20
PER_PAGE = 30  # messages on a page of a conversation, and conversations on a page of the inbox
CONTEXT_BEFORE = 3  # messages the moderators read before a reported one

cache.watch_table("blocks", "blocks")  # who blocked whom: remembered per member (`blocked_ids`)


class MessageRefused(Exception):
    """A rule of direct messages refused the operation; `message` tells the member why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


BLOCKED = _l("A block stands between you and %(name)s: no message can go between you.")


# --- writing ---------------------------------------------------------------------------------------

def recipients(sender, names):
    """The members named in `names` ("ana.silva, @somchai.p"): each one who can be written to, or
    MessageRefused saying which names are unknown or too many."""
    wanted = list(dict.fromkeys(name.lower() for name in re.findall(r"[\w.-]+", (names or "").replace("@", " "))))
    wanted = [name for name in wanted if name != sender.username]
    if not wanted:
        raise MessageRefused(_l("Name at least one member to write to."))
    if len(wanted) > MAX_RECIPIENTS:
        raise MessageRefused(_l("A conversation has at most %(num)d other members.", num=MAX_RECIPIENTS))
    found = {user.username: user for user in db.session.scalars(
        select(User).where(User.username.in_(wanted), User.status == "active"))}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise MessageRefused(_l("No member can be written to as %(names)s.", names=", ".join(unknown)))
    return [found[name] for name in wanted]


def start_conversation(sender, names, subject, body):
    """A new conversation of the sender and the members named, with its first message."""
    _require_writer(sender)
    others = recipients(sender, names)
    _refuse_blocked(sender, others)
    now = utcnow()
    conversation = Conversation(subject=subject.strip(), started_by_id=sender.id, created_at=now)
    db.session.add(conversation)
    db.session.flush()
    db.session.add_all(ConversationMember(conversation_id=conversation.id, user_id=user.id, joined_at=now,
                                          last_message_at=now) for user in [sender, *others])
    db.session.flush()
    _add_message(sender, conversation, body, others, now)
    commit()
    return conversation


def send(sender, membership, body):
    """A new message from a member of the conversation to its other members."""
    permissions.require(permissions.can_write_in_conversation(sender, membership))
    _require_writer(sender)
    others = [member.user for member in membership.conversation.members
              if member.user_id != sender.id and member.left_at is None]
    _refuse_blocked(sender, others)
    message = _add_message(sender, membership.conversation, body, others, utcnow())
    commit()
    return message


def _require_writer(sender):
    permissions.require(permissions.can_speak(sender))
    require_conduct_accepted(sender)


def _refuse_blocked(sender, others):
    blocked = block_between(sender, [user.id for user in others])
    if blocked:
        name = next(user.display_name for user in others if user.id in blocked)
        raise MessageRefused(BLOCKED % {"name": name})


def _add_message(sender, conversation, body, others, now):
    # The number comes from the conversation's row, updated in place: two messages sent at the same
    # moment get two numbers, never the same one.
    number = db.session.scalar(update(Conversation).where(Conversation.id == conversation.id)
                               .values(message_count=Conversation.message_count + 1)
                               .returning(Conversation.message_count))
    message = Message(conversation_id=conversation.id, number=number, author_id=sender.id, body_source=body,
                      body_html=markup.render_markdown(body), created_at=now)
    db.session.add(message)
    members = [sender.id, *(user.id for user in others)]
    db.session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == conversation.id, ConversationMember.user_id.in_(members))
        .values(last_message_at=now, last_number=number).execution_options(
            synchronize_session=False, **cache.changes_for(*members)))
    db.session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == conversation.id, ConversationMember.user_id == sender.id)
        .values(read_up_to=number).execution_options(synchronize_session=False, **cache.changes_for(sender.id)))
    db.session.flush()
    notify([user for user in others if user.is_active], "message", message_id=message.id,
           conversation_id=conversation.id)
    return message


# --- reading ---------------------------------------------------------------------------------------

def membership(user, conversation_id):
    """The member's place in the conversation, with the conversation and its members (one query for
    the place, one for the members), or None for anyone else."""
    return db.session.scalar(select(ConversationMember).where(
        ConversationMember.conversation_id == conversation_id, ConversationMember.user_id == user.id)
        .options(joinedload(ConversationMember.conversation).selectinload(Conversation.members)
                 .joinedload(ConversationMember.user)))


def messages_page(membership, page):
    """A page of the messages the member may read (up to their last one: a member who left reads
    nothing said after), oldest first, with their authors."""
    query = (select(Message).where(Message.conversation_id == membership.conversation_id,
                                   Message.number <= membership.last_number)
             .order_by(Message.number).options(joinedload(Message.author)))
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def last_page(membership):
    return max((membership.last_number - 1) // PER_PAGE + 1, 1)


def mark_read(membership, up_to):
    """The member has read the conversation up to message number `up_to` (never backwards)."""
    if up_to <= membership.read_up_to:
        return
    db.session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == membership.conversation_id,
        ConversationMember.user_id == membership.user_id, ConversationMember.read_up_to < up_to)
        .values(read_up_to=up_to).execution_options(synchronize_session=False,
                                                     **cache.changes_for(membership.user_id)))
    commit()


def inbox(user, page):
    """A page of the member's conversations, latest first, with their members (three statements
    whatever the page holds: the count, the page, the members)."""
    query = (select(ConversationMember).where(ConversationMember.user_id == user.id,
                                              ConversationMember.left_at.is_(None))
             .order_by(ConversationMember.last_message_at.desc(), ConversationMember.conversation_id.desc())
             .options(joinedload(ConversationMember.conversation).selectinload(Conversation.members)
                      .joinedload(ConversationMember.user)))
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def unread_count(user):
    return db.session.scalar(select(func.count()).select_from(ConversationMember).where(
        ConversationMember.user_id == user.id, ConversationMember.left_at.is_(None),
        ConversationMember.last_number > ConversationMember.read_up_to))


def unread_shown(user):
    """The conversations with unread messages, in the navigation: from the cache until the member's
    places in conversations change."""
    return cache.remembered(user.id, "messages", lambda: unread_count(user))


cache.EVERY_PAGE.append("messages")  # read with the member's row, in the request's first round trip


def leave(user, membership):
    """The member leaves the conversation: it leaves their inbox and they hear of nothing new."""
    db.session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == membership.conversation_id,
        ConversationMember.user_id == user.id).values(left_at=utcnow()).execution_options(
            synchronize_session=False, **cache.changes_for(user.id)))
    commit()


# --- blocking --------------------------------------------------------------------------------------

def blocked_ids(user):
    """The members this one blocked (remembered until someone blocks or unblocks)."""
    return set(cache.remembered(user.id, "blocked", lambda: sorted(db.session.scalars(
        select(Block.blocked_id).where(Block.user_id == user.id))), also=("blocks",)))


def block_between(user, other_ids):
    """Those of `other_ids` with a block between them and the member, whoever blocked whom."""
    if not other_ids:
        return set()
    rows = db.session.execute(select(Block.user_id, Block.blocked_id).where(or_(
        (Block.user_id == user.id) & Block.blocked_id.in_(other_ids),
        (Block.blocked_id == user.id) & Block.user_id.in_(other_ids)))).all()
    return {blocker if blocked == user.id else blocked for blocker, blocked in rows}


def block(user, member):
    permissions.require(permissions.can_block(user, member))
    db.session.execute(upsert(Block).values(user_id=user.id, blocked_id=member.id, created_at=utcnow())
                       .on_conflict_do_nothing())
    commit()


def unblock(user, member):
    db.session.execute(delete(Block).where(Block.user_id == user.id, Block.blocked_id == member.id))
    commit()


def blocked_members(user):
    return db.session.scalars(select(Block).where(Block.user_id == user.id).options(joinedload(Block.blocked))
                              .order_by(Block.created_at.desc())).all()


# --- for the moderators --------------------------------------------------------------------------

def with_context(message):
    """The reported message and the CONTEXT_BEFORE messages before it, oldest first: all the
    moderators read of a conversation."""
    return db.session.scalars(select(Message).where(
        Message.conversation_id == message.conversation_id, Message.number <= message.number,
        Message.number > message.number - CONTEXT_BEFORE - 1)
        .order_by(Message.number).options(joinedload(Message.author))).all()


def remove(message, when):
    """Hide a message after a report (moderation's decision, in its transaction)."""
    message.removed_at = when


def restore(message):
    message.removed_at = None


# --- notices and the digest ------------------------------------------------------------------------

def send_digests():
    """One e-mail per member with their new message notices, at most once per interval; messages
    removed since, or read meanwhile, are left out."""
    send_digest(("message",), User.last_message_digest_at, lambda user: current_app.config["WATCH_DIGEST_MINUTES"],
                "message_digest", keep=_still_news)


def _preload(notifications):
    ids = {n.data.get("message_id") for n in notifications}
    if ids:
        found = db.session.scalars(select(Message).where(Message.id.in_(ids)).options(
            joinedload(Message.author), joinedload(Message.conversation))).all()
        g.setdefault("noticed_messages", {}).update((message.id, message) for message in found)


def _shown_message(notification):
    message_id = notification.data.get("message_id") or 0
    message = g.get("noticed_messages", {}).get(message_id) or db.session.get(Message, message_id)
    return message if message is not None and not message.is_removed else None


def _still_news(notification):
    message = _shown_message(notification)
    if message is None:
        return False
    place = db.session.get(ConversationMember, (message.conversation_id, notification.user_id))
    return place is not None and place.left_at is None and place.read_up_to < message.number


def _describe(notification, external=False):
    """A message's notice names its conversation and author, never its text."""
    message = _shown_message(notification)
    if message is None:
        return {"text": _l("A message you were told about is no longer available."),
                "url": url_for("messages.inbox", _external=external)}
    return {"text": _l("%(author)s wrote to you in “%(subject)s”.", author=message.author.display_name,
                       subject=message.conversation.subject),
            "url": message_url(message, external=external)}


def message_url(message, external=False):
    return url_for("messages.conversation", conversation_id=message.conversation_id,
                   page=(message.number - 1) // PER_PAGE + 1, _anchor=f"message-{message.number}", _external=external)


kinds.register("message", describe=_describe, preload=_preload, in_digest=True)
kinds.register("message_digest", subject=_l("New direct messages"), context=digest_items,
               optional=_l("Digest of new direct messages to me"))
