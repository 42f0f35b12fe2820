"""The words of moderation: its notification kinds (registered with forum.notifications), prepared
removal messages, and the labels of actions and penalties.

Notifications store a kind and data, not text, so each reader sees them in their own language.
"""
from datetime import datetime

from flask import g, url_for
from flask_babel import force_locale, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum.conduct import current_conduct, per_request
from forum.extensions import db
from forum.i18n import N_
from forum.notifications import kinds
from forum.notifications.notices import digest_items

from .models import RemovalMessage

DEFAULT_REMOVAL_MESSAGE = N_(
    "Your post was removed because it breaks this rule of the Code of Conduct: %(rule)s. "
    "Please read the Code of Conduct before you post again.")

MESSAGES = {
    "new_case": _l("A new case is waiting in the moderation queue (rule: %(rule)s)."),
    "escalation": _l("A case was escalated to the administrators: %(note)s"),
    "dismissal_proposed": _l("A moderator proposes to dismiss a member from the portal (rule: %(rule)s). "
                             "An administrator's decision is needed."),
    "appeal_filed": _l("A member appealed a moderation decision."),
    "stale_case": _l("A case has waited more than %(hours)s hours for a decision."),
    "report_reviewed:no_action": _l("Your report was reviewed: no action was needed."),
    "report_reviewed:action_taken": _l("Your report was reviewed: action was taken."),
    "content_removed": _l("Your post was removed (rule: %(rule)s). %(reason)s"),
    "message_removed": _l("Your direct message was removed (rule: %(rule)s). %(reason)s"),
    "warning": _l("You received a formal warning (rule: %(rule)s). %(reason)s"),
    "silence": _l("You cannot post, reply or report until %(until)s (rule: %(rule)s). %(reason)s"),
    "suspension": _l("Your account is suspended until %(until)s (rule: %(rule)s). %(reason)s"),
    "dismissal": _l("You were dismissed from the portal (rule: %(rule)s). %(reason)s"),
    "content_restored": _l("Your post is visible again."),
    "penalty_lifted": _l("A penalty on your record was lifted."),
    "reinstated": _l("Your membership of the portal is restored."),
    "appeal_decided:granted": _l("Your appeal was granted. %(reason)s"),
    "appeal_decided:upheld": _l("Your appeal was not granted: the decision stands. %(reason)s"),
}


def rule_title(code):
    """The translated title of a rule of the Code in force (cached for the request)."""
    locale = str(get_locale())  # translated once per language: a case page names a rule per report,
    titles = g.setdefault("rule_titles", {})  # and a request may write mail in another language
    if locale not in titles:
        version = current_conduct()
        titles[locale] = {rule.code: _(rule.title) for rule in (version.rules if version else [])}
    return titles[locale].get(code, code or "")


def _url(notification, external):
    kind = notification.kind
    if kind in ("new_case", "escalation", "dismissal_proposed", "stale_case"):
        return url_for("moderation.case", case_id=notification.case_id, _external=external)
    if kind == "appeal_filed":
        return url_for("moderation.appeals", _external=external)
    if kind == "report_reviewed":
        return url_for("moderation.my_reports", _external=external)
    if kind == "content_restored":
        return url_for("forum.post", post_id=notification.data["post_id"], _external=external)
    return url_for("moderation.my_record", _external=external)


def describe(notification, external=False):
    """{'text', 'url'} of a moderation notice, in the current language (absolute URL for e-mail)."""
    data = notification.data
    key = notification.kind
    if key == "report_reviewed":
        key += ":" + data.get("state", "action_taken")
    elif key == "appeal_decided":
        key += ":granted" if data.get("granted") else ":upheld"
    until = data.get("until")
    values = {
        "rule": rule_title(data.get("rule")),
        "reason": data.get("reason", ""),
        "note": data.get("note", ""),
        "until": format_datetime(datetime.fromisoformat(until), "medium") if until else "",
        "hours": data.get("hours", ""),
    }
    return {"text": MESSAGES[key] % values if key in MESSAGES else key, "url": _url(notification, external)}


# The kinds moderation sends: who may switch their e-mail off (labels on the settings page), and which
# always reach the member, even one who can no longer sign in: notices about a penalty.
for _kind, _fields in {
    "new_case": dict(in_digest=True),  # moderators get new cases in digests, not one by one
    "report_reviewed": dict(subject=_l("Your report was reviewed"), optional=_l("A report I filed was reviewed")),
    "escalation": dict(subject=_l("A case was escalated"),
                       optional=_l("A case was escalated to the administrators (administrators)")),
    "dismissal_proposed": dict(subject=_l("A dismissal awaits your decision"),
                               optional=_l("A dismissal awaits an administrator's decision (administrators)")),
    "appeal_filed": dict(subject=_l("A member appealed a decision"),
                         optional=_l("A member appealed a decision (moderators)")),
    "stale_case": dict(subject=_l("A case is waiting for a decision"),
                       optional=_l("A case has waited too long for a decision (moderators)")),
    "content_restored": dict(subject=_l("Your post is visible again"), optional=_l("My post is visible again")),
    "penalty_lifted": dict(subject=_l("A penalty was lifted"), optional=_l("A penalty on my record was lifted")),
    "reinstated": dict(subject=_l("Your membership is restored"), optional=_l("My membership was restored")),
    "content_removed": dict(subject=_l("Your post was removed"), mandatory=True),
    "message_removed": dict(subject=_l("Your direct message was removed"), mandatory=True),
    "warning": dict(subject=_l("A formal warning"), mandatory=True),
    "silence": dict(subject=_l("You are silenced on the portal"), mandatory=True),
    "suspension": dict(subject=_l("Your account is suspended"), mandatory=True),
    "dismissal": dict(subject=_l("You were dismissed from the portal"), mandatory=True),
    "appeal_decided": dict(subject=_l("The decision on your appeal"), mandatory=True),
}.items():
    kinds.register(_kind, describe=describe, **_fields)
kinds.register("digest", subject=_l("New cases in the moderation queue"), optional=_l("Digest of new cases (moderators)"),
               context=digest_items)


def _prepared_removal_messages(language):
    """{rule code: prepared text} in the language; read once per request (the case page shows one per rule)."""
    return per_request(f"removal_messages_{language}", lambda: dict(db.session.execute(
        db.select(RemovalMessage.rule_code, RemovalMessage.text).where(RemovalMessage.language == language)).all()))


def removal_message(rule_code, language):
    """The prepared message for removing content under a rule, in the author's language."""
    prepared = _prepared_removal_messages(language).get(rule_code)
    if prepared:
        return prepared
    with force_locale(language):
        return _(DEFAULT_REMOVAL_MESSAGE, rule=rule_title(rule_code))


ACTION_LABELS = {
    "auto_hide": _l("Hidden after several reports"),
    "claim": _l("Claimed the case"),
    "note": _l("Added a note"),
    "dismiss_case": _l("Dismissed the case"),
    "remove_content": _l("Removed the post"),
    "remove_thread": _l("Removed the thread"),
    "warning": _l("Warned the member"),
    "silence": _l("Silenced the member"),
    "suspension": _l("Suspended the member"),
    "escalate": _l("Escalated to the administrators"),
    "propose_dismissal": _l("Proposed dismissal from the portal"),
    "confirm_dismissal": _l("Confirmed the dismissal"),
    "reject_dismissal": _l("Rejected the proposed dismissal"),
    "dismiss_member_direct": _l("Dismissed the member directly"),
    "restore_content": _l("Restored the post"),
    "lift_warning": _l("Withdrew a warning"),
    "lift_silence": _l("Lifted a silence"),
    "lift_suspension": _l("Lifted a suspension"),
    "reinstate": _l("Reinstated the member"),
    "appeal": _l("Appealed the decision"),
    "grant_appeal": _l("Granted the appeal"),
    "uphold_appeal": _l("Upheld the decision on appeal"),
    "role_changed": _l("Changed the member's role"),
    "sessions_ended": _l("Signed the member out everywhere"),
    "bulk_sessions_ended": _l("Signed out the members matching a filter"),
}
LADDER_LABELS = {
    "warning": _l("a warning"),
    1: _l("a suspension of 1 day"),
    3: _l("a suspension of 3 days"),
    7: _l("a suspension of 7 days"),
    30: _l("a suspension of 30 days"),
    "dismissal": _l("dismissal from the portal"),
}


def template_helpers():
    """The moderation vocabulary for templates."""
    from .models import OUTCOMES

    def rule_options():
        version = current_conduct()
        return [(rule.code, _(rule.title)) for rule in (version.rules if version else [])]

    return {
        "rule_title": rule_title,
        "rule_options": rule_options,
        "action_label": lambda code: ACTION_LABELS.get(code, code),
        "action_labels": lambda: ACTION_LABELS,
        "outcome_labels": lambda: OUTCOMES,
        "ladder_label": lambda step: LADDER_LABELS.get(step, step),
    }
