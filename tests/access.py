"""A small world of posts, cases, penalties and appeals, and clients signed in as each kind of
person, for the access tests (tests/security/test_authorization.py, tests/moderation/test_access.py).
Registered for every test by tests/conftest.py."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from forum.connect import uploads
from forum.discussions import services as forum_services
from forum.extensions import db
from forum.messages import services as messages
from forum.messages.models import Message
from forum.models import CategoryModerator, Resource, User, utcnow
from forum.notifications.models import Notification
from moderation import services
from moderation.models import Appeal, Case, DismissalProposal, Penalty
from tests.conftest import built_once, category, session_as, start_thread

REASON = {"reason": "Reason given for the record."}
RULE_REASON = {"rule": "disrespect", **REASON}
# Everyone the portal may face, signed out first; a suspended member's session no longer loads.
ROLES = ("anonymous", "suspended", "unaccepted", "member", "silenced", "moderator", "scoped", "admin")
LOGIN = "sent to sign in"  # the expected answer of a route to a signed-out visitor


def roles(member, moderator=None, scoped=None, admin=None, **overrides):
    """Expected statuses: members (whether or not they accepted the Code of Conduct, silenced or not)
    get `member`, moderators `moderator`, a moderator of another category `scoped`, admins `admin`;
    signed-out visitors are sent to sign in. Keywords override single roles."""
    moderator = member if moderator is None else moderator
    scoped = moderator if scoped is None else scoped
    admin = moderator if admin is None else admin
    return {"anonymous": LOGIN, "suspended": LOGIN, "unaccepted": member, "member": member, "silenced": member,
            "moderator": moderator, "scoped": scoped, "admin": admin, **overrides}


def reported(author, reporter, title, slug="general", comment=""):
    post = start_thread(author, title, f"Body of {title}", slug)
    case = services.report_post(reporter, post, "disrespect", comment)
    return post, db.session.get(Case, case.id)


@pytest.fixture
def world(make_user):
    """A thread with a reply, an open case with a note, a case with a proposed dismissal, a decided
    case under appeal, a dismissed member. Built by the services once per backend, then restored."""
    ids = built_once("world", lambda: _build_world(make_user))
    return SimpleNamespace(**{**ids, "author": db.session.get(User, ids["author"]),
                              "reporter": db.session.get(User, ids["reporter"])})


def _build_world(make_user):
    author = make_user("author", display_name="Arthur Author")
    reporter = make_user("tipster", display_name="Vigilant Veronica")
    decider = make_user("decider", role="moderator")
    open_post, open_case = reported(author, reporter, "Open matter", comment="He insulted my class.")
    services.add_note(decider, open_case, "Internal: check his earlier posts.")
    _, proposed_case = reported(author, reporter, "Proposed matter")
    services.propose_dismissal(make_user("proposer", role="moderator"), proposed_case, "threats", "Threats.", False)
    removed_post, decided_case = reported(author, reporter, "Decided matter")
    services.warn_member(decider, decided_case, "disrespect", "Warned and removed.", remove=True)
    services.file_appeal(author, decided_case, "I was misunderstood.")
    make_user("former", status="dismissed")
    thread = start_thread(author, "Plain matter", "Nothing to see").thread
    reply = forum_services.reply(author, thread, "A reply.")
    conversation = messages.start_conversation(author, "tipster", "Private matter", "Between us.")
    return dict(conversation=conversation.id,
        message=db.session.scalar(db.select(Message.id).where(Message.conversation_id == conversation.id)),
        author=author.id, reporter=reporter.id, open_post=open_post.id, open_case=open_case.id,
        proposed_case=proposed_case.id, removed_post=removed_post.id, decided_case=decided_case.id,
        thread=thread.id, reply=reply.id, category=category("general").id, resource=library_resource().id,
        proposal=db.session.scalar(db.select(DismissalProposal.id)),
        penalty=db.session.scalar(db.select(Penalty.id)), appeal=db.session.scalar(db.select(Appeal.id)),
        authors_notification=db.session.scalar(db.select(Notification.id).where(
            Notification.user_id == author.id)))


def library_resource():
    """A PDF in the resource library, stored as an admin's upload is."""
    checked = uploads.CheckedFile(b"%PDF-1.4\n%%EOF\n", "application/pdf", "guide.pdf")
    resource = Resource(title="Field guide", subject_id=category("cybercrime").id, language="en",
                        stored_name=uploads.store(checked), original_filename=checked.original_filename,
                        content_type=checked.content_type, size=checked.size)
    db.session.add(resource)
    db.session.commit()
    return resource


def scope(user, slug):
    db.session.add(CategoryModerator(user_id=user.id, category_id=category(slug).id))
    db.session.commit()


@pytest.fixture
def client_as(app, make_user):
    """A client signed in as a new user of the role, through the session cookie: the access tables
    sign in hundreds of times, and the password check is slow on purpose (tests/forum cover signing in)."""
    def make(role):
        client = app.test_client()
        if role == "anonymous":
            return client
        later = utcnow() + timedelta(days=3)
        fields = {"unaccepted": {"accepted": False}, "silenced": {"silenced_until": later},
                  "suspended": {"status": "suspended", "suspended_until": later}}.get(role, {})
        user = make_user(role, role={"moderator": "moderator", "scoped": "moderator", "admin": "admin"}.get(role, "member"),
                         **fields)
        if role == "scoped":
            scope(user, "cybercrime")
        return session_as(client, user)
    return make


def send(client, world, method, path, data):
    """Request the route, filling in the world's ids in the path and the form."""
    ids = vars(world)
    if method == "GET":
        return client.get(path.format(**ids))
    return client.post(path.format(**ids), data={name: value.format(**ids) for name, value in data.items()})
