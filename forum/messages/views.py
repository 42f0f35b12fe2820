"""The pages of direct messages: the inbox, a conversation, writing, leaving, blocking."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import conduct, params, permissions
from forum.discussions.views import conduct_gate, write_rate
from forum.extensions import db
from forum.forms import ConversationForm, MessageForm
from forum.messages import services
from forum.models import User

bp = Blueprint("messages", __name__)


@bp.app_context_processor
def _unread_messages():
    return {"unread_messages": lambda: services.unread_shown(current_user) if current_user.is_authenticated else 0}


@bp.route("/messages")
def inbox():
    """The member's conversations, latest first."""
    return render_template("messages/inbox.html", places=services.inbox(current_user, params.page_arg()))


@bp.route("/messages/new", methods=["GET", "POST"])
@write_rate
def new():
    """A new conversation, with the members named in "to" (?to=username from a profile)."""
    if (gate := conduct_gate()) is not None:
        return gate
    permissions.require(permissions.can_speak(current_user))
    form = ConversationForm()
    if request.method == "GET" and request.args.get("to"):
        form.to.data = request.args["to"][:1000]
    if form.validate_on_submit():
        conversation = _refusable(lambda: services.start_conversation(current_user, form.to.data, form.subject.data,
                                                                      form.body.data))
        if conversation is not None:
            flash(_("Your message is sent."), "success")
            return redirect(url_for("messages.conversation", conversation_id=conversation.id))
    return render_template("messages/new.html", form=form)


@bp.route("/messages/<id:conversation_id>", methods=["GET", "POST"])
@write_rate
def conversation(conversation_id):
    """A conversation's messages, a page at a time, with the reply form; a POST sends a message."""
    place = _place_or_404(conversation_id)
    form = MessageForm()
    if request.method == "POST" and form.validate_on_submit():
        message = _refusable(lambda: services.send(current_user, place, form.body.data))
        if message is not None:
            return redirect(services.message_url(message))
    page = params.page_arg() if "page" in request.args else services.last_page(place)
    messages = services.messages_page(place, page)
    if messages.items:
        services.mark_read(place, messages.items[-1].number)
    return render_template("messages/conversation.html", place=place, conversation=place.conversation,
                           messages=messages, form=form, blocked=services.blocked_ids(current_user),
                           may_write=permissions.can_write_in_conversation(current_user, place)
                           and conduct.accepted_shown(current_user))


@bp.route("/messages/<id:conversation_id>/leave", methods=["GET", "POST"])
def leave(conversation_id):
    """Leave the conversation, after a confirmation."""
    place = _place_or_404(conversation_id)
    if request.method == "POST" and place.left_at is None:
        services.leave(current_user, place)
        flash(_("You left the conversation."), "success")
        return redirect(url_for("messages.inbox"))
    return render_template("messages/leave.html", conversation=place.conversation)


@bp.route("/messages/blocked")
def blocked():
    """The members the member blocked, to unblock them."""
    return render_template("messages/blocked.html", blocks=services.blocked_members(current_user))


@bp.route("/u/<username>/block", methods=["POST"])
def block(username):
    member = _member_or_404(username)
    if request.form.get("undo"):
        services.unblock(current_user, member)
        flash(_("You unblocked %(name)s.", name=member.display_name), "success")
    else:
        services.block(current_user, member)
        flash(_("You blocked %(name)s: no messages go between you.", name=member.display_name), "success")
    back = "messages.blocked" if request.form.get("back") == "blocked" else None  # from the list of blocked members
    return redirect(url_for(back) if back else url_for("profiles.profile", username=member.username))


def _refusable(operation):
    """Run a writing service; a refusal or a changed Code of Conduct keeps the form as typed."""
    try:
        return operation()
    except services.MessageRefused as refused:
        flash(str(refused.message), "error")
    except conduct.ConductNotAccepted:
        flash(_("The Code of Conduct has changed: accept it, then send your message again."), "error")
    return None


def _place_or_404(conversation_id):
    # Not a member of it: the conversation does not exist for them.
    place = services.membership(current_user, conversation_id)
    if place is None:
        abort(404)
    return place


def _member_or_404(username):
    return db.first_or_404(db.select(User).where(User.username == username.lower()))
