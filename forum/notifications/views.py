"""Pages of notifications: the member's list and e-mail settings, the admins' delivery overview."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from forum import permissions
from forum.extensions import db
from forum.forms import PortalForm
from forum.notifications import kinds, notices, outbox
from forum.notifications.models import Delivery, Notification
from forum.params import page_arg

bp = Blueprint("notifications", __name__)


class MailSettingsForm(PortalForm):
    """The per-kind e-mail switches are plain checkboxes named mail-<kind> in the template."""

    digest_minutes = SelectField(_l("E-mail me new cases at most"), validators=[Optional()], choices=[
        SelectChoice("15", _l("every 15 minutes")), SelectChoice("60", _l("every hour")),
        SelectChoice("240", _l("every 4 hours")), SelectChoice("1440", _l("once a day"))])


@bp.app_context_processor
def unread():
    """The unread count in the navigation (computed when the layout asks, once per page)."""
    return {"unread_notifications": lambda: notices.unread_shown(current_user) if current_user.is_authenticated else 0}


@bp.route("/notifications")
def index():
    """The member's notifications, newest first."""
    items = notices.page(current_user, page_arg())
    return render_template("notifications/index.html", items=items, describe=notices.describe)


@bp.route("/notifications/<id:notification_id>/open", methods=["POST"])
def open_notification(notification_id):
    """Mark a notification read and go to what it is about."""
    notification = db.get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        abort(404)
    notices.mark_read(current_user, notification)
    return redirect(notices.describe(notification)["url"])


@bp.route("/notifications/read", methods=["POST"])
def mark_all_read():
    """Mark every notification read."""
    notices.mark_read(current_user)
    return redirect(url_for(".index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
def mail_settings():
    """Which notifications the member receives by e-mail; moderators' digest interval."""
    form = MailSettingsForm()
    if request.method == "GET":
        form.digest_minutes.data = str(current_user.digest_minutes)
    optional = kinds.optional_kinds()
    if form.validate_on_submit():
        chosen = {kind for kind in optional if request.form.get(f"mail-{kind}")}
        digest = int(form.digest_minutes.data or current_user.digest_minutes)  # moderators only see it
        notices.save_mail_settings(current_user, chosen, digest)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for(".mail_settings"))
    return render_template("notifications/mail_settings.html", form=form, optional=optional,
                           enabled=notices.mailed_kinds(current_user))


@bp.route("/admin/deliveries")
def deliveries():
    """E-mail delivery: counts by state and the failed deliveries, newest first, with a retry button."""
    permissions.require(permissions.is_admin(current_user))
    counts, failed = notices.delivery_overview(page_arg())
    return render_template("notifications/deliveries.html", delivery_counts=counts, failed=failed)


@bp.route("/admin/deliveries/<id:delivery_id>/retry", methods=["POST"])
def retry_delivery(delivery_id):
    """Send a failed delivery again."""
    permissions.require(permissions.is_admin(current_user))
    delivery = db.get_or_404(Delivery, delivery_id)
    if delivery.status == "failed":
        outbox.retry_failed(delivery)
        flash(_("The e-mail is queued again."), "success")
    return redirect(url_for(".deliveries"))
