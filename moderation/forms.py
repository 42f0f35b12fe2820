"""Moderation forms. The rule choices come from the Code of Conduct in force."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from forum.conduct import current_conduct
from forum.forms import PortalForm

COMMENT_MAX = 1000
DURATIONS = [("1", _l("1 day")), ("3", _l("3 days")), ("7", _l("7 days")), ("30", _l("30 days")),
             ("date", _l("Until a chosen date"))]


def rule_choices():
    """(code, title) of the rules in force, titles translated on display."""
    from flask_babel import gettext
    version = current_conduct()
    return [SelectChoice(rule.code, gettext(rule.title)) for rule in (version.rules if version else [])]


class ReportForm(PortalForm):
    rule = RadioField(_l("Which rule of the Code of Conduct does it break?"),
                      validators=[InputRequired(message=_l("Choose the rule it breaks."))])
    comment = TextAreaField(_l("Anything the moderators should know (optional)"),
                            validators=[Optional(), Length(max=COMMENT_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices()


class NoteForm(PortalForm):
    body = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=4000)])


class CaseActionForm(PortalForm):
    """The fields of every decision; each action uses the ones it needs."""

    rule = SelectField(_l("Rule broken"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=4000)],
                           description=_l("The member sees this reason where they are told of the decision."))
    duration = SelectField(_l("Duration"), choices=[SelectChoice(value, label) for value, label in DURATIONS],
                           validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    remove = BooleanField(_l("Also remove the reported post"))
    # An opening post alone leaves the thread readable with a placeholder: the thread goes only by choice.
    whole_thread = BooleanField(_l("Remove the whole thread with its replies, not only the opening post"))
    hide_content = BooleanField(_l("Also hide all of the member's posts"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = rule_choices()


class DecisionForm(PortalForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=4000)])


class AppealForm(PortalForm):
    text = TextAreaField(_l("Your appeal"), validators=[DataRequired(), Length(max=4000)],
                         description=_l("You can appeal once. Someone other than the moderator who decided will review it."))


class RemovalMessageForm(PortalForm):
    text = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)],
                         description=_l("Leave empty to use the portal's default message."))
