"""Input shape and validation. Forms never write."""
import re
import secrets
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from forum.i18n import TIMEZONES, CatalogTranslations, current_language
from forum.models import ACADEMIES, LANGUAGES, THREAD_KINDS
from forum.params import coerce_id
from forum.spreadsheets import FORMULA_START

BODY_MAX = 20000
FIRST_GRADUATION_YEAR = 1995  # ILEA Budapest opened in 1995


def _without_nul(value):
    # NUL cannot be stored in PostgreSQL text and means nothing in a post: drop it at the door.
    return value.replace("\x00", "") if isinstance(value, str) else value


class _CatalogMeta:
    def get_translations(self, form):
        return CatalogTranslations()

    def bind_field(self, form, unbound_field, options):
        if issubclass(unbound_field.field_class, (FieldList, FormField)):  # their inner fields filter
            return unbound_field.bind(form=form, **options)
        filters = (_without_nul, *unbound_field.kwargs.get("filters", ()))
        return unbound_field.bind(form=form, filters=filters, **options)


class PortalForm(FlaskForm):
    """Every form of the portal: CSRF-protected, its messages in the member's language."""

    class Meta(_CatalogMeta):
        pass


class SubForm(Form):
    """A form nested in a PortalForm (FormField); the CSRF token is the outer form's."""

    class Meta(_CatalogMeta):
        pass


def _choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def _academy_choices(blank):
    return _choices([("", blank), *ACADEMIES.items()])


def _graduation_year():
    return IntegerField(_l("Graduation year"), validators=[
        Optional(),
        NumberRange(min=FIRST_GRADUATION_YEAR, max=date.today().year + 1,
                    message=_l("Enter a year between %(min)s and %(max)s.")),
    ])


def email_refusal(address):
    """Why the portal refuses an address that may otherwise be valid, or None.

    An address starting like a formula (= + - @ tab CR) would run in the spreadsheet an admin opens
    the members' CSV in; control characters have no place in an address. Every form and import that
    takes an address to keep applies this rule (forms with `refuse_unsafe_email`, the roster import).
    """
    if address.lstrip(" ").startswith(FORMULA_START) or any(unicodedata.category(ch) == "Cc" for ch in address):
        return _l("An e-mail address cannot start with =, +, - or @, nor contain control characters.")
    return None


def refuse_unsafe_email(form, field):
    if field.data and (reason := email_refusal(field.data)):
        raise StopValidation(reason)  # this message alone says what to change


class LoginForm(PortalForm):
    login = StringField(_l("Username or e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ContactForm(PortalForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("E-mail"), validators=[
        DataRequired(), refuse_unsafe_email, Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])
    academy = SelectField(_l("Academy"), choices=_academy_choices(_l("Choose your academy")),
                          validators=[Optional()])
    graduation_year = _graduation_year()
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)])


class AcceptConductForm(PortalForm):
    version = HiddenField(validators=[DataRequired()])


class ProfileForm(PortalForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80)])
    academy = SelectField(_l("Academy"), choices=_academy_choices(_l("Not set")), validators=[Optional()])
    class_session = StringField(_l("Class or session"), validators=[Optional(), Length(max=80)])
    graduation_year = _graduation_year()
    country = StringField(_l("Country"), validators=[Optional(), Length(max=80)])
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=120)])
    preferred_language = SelectField(_l("Preferred language"), choices=_choices(LANGUAGES.items()))
    timezone = SelectField(_l("Time zone"), choices=TIMEZONES, default="UTC",
                           description=_l("Dates and times on the portal and in e-mails are shown in this time zone."))
    bio = TextAreaField(_l("Short bio"), validators=[Optional(), Length(max=2000)],
                        description=_l("Markdown is supported."))
    directory_hidden = BooleanField(
        _l("Hide my profile from the alumni directory"),
        description=_l("Members can still see your posts and open your profile page from them."))


class PasswordForm(PortalForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=12, max=1024, message=_l("Use at least %(min)d characters."))])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two passwords do not match."))])


class DeleteAccountForm(PortalForm):
    # Members who sign in with IGN only have no password here: the checkbox is their confirmation.
    password = PasswordField(_l("Your password"), validators=[Optional(), Length(max=1024)])
    understood = BooleanField(_l("I understand that my account is deleted for good and cannot be restored."),
                              validators=[DataRequired(message=_l("Tick the box to confirm."))])


def _body(label):
    return TextAreaField(label, validators=[DataRequired(), Length(max=BODY_MAX)],
                         description=_l("Markdown is supported: **bold**, *italic*, lists, > quotes, links."))


def _language():
    # Defaults to the language the author is using the portal in.
    return SelectField(_l("Language of this post"), choices=_choices(LANGUAGES.items()),
                       default=current_language)


class SubmissionTokenField(HiddenField):
    """A fresh random token each time the form is rendered: it names this one sending of the form
    (models.Submission). A form sent without one, or with a malformed one (a page opened before
    the field existed), gives None: it still posts, only without the protection against a double
    sending."""

    _SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")

    def __init__(self, **kwargs):
        super().__init__(default=self.fresh, **kwargs)

    @staticmethod
    def fresh():
        return secrets.token_urlsafe(32)

    def process_formdata(self, valuelist):
        token = valuelist[0] if valuelist else ""
        self.data = token if self._SHAPE.fullmatch(token) else None


class ThreadForm(PortalForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)])
    kind = RadioField(_l("Kind"), choices=_choices(THREAD_KINDS.items()), default="discussion",
                      validators=[InputRequired()])
    body = _body(_l("Message"))
    language = _language()
    submission = SubmissionTokenField()


class NewThreadForm(ThreadForm):
    """A thread started from Latest: the member picks the category (choices: where they may start one)."""

    category = SelectField(_l("Category"), validators=[InputRequired()])


class ReplyForm(PortalForm):
    body = _body(_l("Your reply"))
    language = _language()
    submission = SubmissionTokenField()


class ConversationForm(PortalForm):
    """A new direct conversation (forum/messages)."""
    to = StringField(_l("To"), validators=[DataRequired(), Length(max=1000)],
                     description=_l("Usernames, separated by commas: ana.silva, somchai.p"))
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = _body(_l("Message"))


class MessageForm(PortalForm):
    body = _body(_l("Your message"))


class EditPostForm(PortalForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(min=5, max=200)])
    body = _body(_l("Message"))
    language = _language()


class CategoryForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Address"), validators=[
        DataRequired(), Length(max=60),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lowercase letters, digits and hyphens."))],
        description=_l("Appears in the link: /c/<address>"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    group = SelectField(_l("Group"), choices=_choices([
        ("subject", _l("Subject areas")), ("academy", _l("Academies")), ("general", _l("General"))]))
    staff_only = BooleanField(_l("Only moderators and admins start threads here"))
    moderators = StringField(_l("Category moderators"), validators=[Optional(), Length(max=1000)],
                             description=_l("Usernames of moderators who look after this category, "
                                            "separated by commas. Moderators without any category "
                                            "moderate the whole portal."))


class NewPasswordForm(PortalForm):
    new_password = PasswordField(_l("Choose a password"), validators=[
        DataRequired(), Length(min=12, max=1024, message=_l("Use at least %(min)d characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two passwords do not match."))])


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class ResetRequestForm(PortalForm):
    email = StringField(_l("E-mail"), filters=[_stripped], validators=[
        DataRequired(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])


class InviteForm(PortalForm):
    member = StringField(_l("One member (username or e-mail)"), validators=[Optional(), Length(max=254)])
    academy = SelectField(_l("Or every member of an academy"), choices=_academy_choices(_l("Any academy")),
                          validators=[Optional()])
    graduation_year = _graduation_year()
    resend = BooleanField(_l("Invite again those already invited"))


class RosterForm(PortalForm):
    roster = FileField(_l("Roster (CSV)"), validators=[
        FileRequired(message=_l("Choose the roster file.")),
        FileAllowed(["csv", "txt"], message=_l("The roster must be a CSV file."))])


class ConductRuleForm(SubForm):
    title = StringField(_l("Rule"), validators=[DataRequired(), Length(max=200)])
    text = TextAreaField(_l("Explanation"), validators=[DataRequired(), Length(max=2000)])


class ConductForm(PortalForm):
    """A new Code of Conduct version: the rules keep their codes, their wording may change."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    introduction = TextAreaField(_l("Introduction"), validators=[DataRequired(), Length(max=10000)])
    closing = TextAreaField(_l("Closing statement"), validators=[DataRequired(), Length(max=5000)])
    rules = FieldList(FormField(ConductRuleForm), min_entries=1)


class MemberRoleForm(PortalForm):
    """An admin gives a member a role; category scopes apply to moderators only."""

    role = SelectField(_l("Role"), choices=_choices([
        ("member", _l("Member")), ("moderator", _l("Moderator")), ("admin", _l("Administrator"))]))
    categories = SelectMultipleField(
        _l("Categories this moderator looks after"), coerce=coerce_id, validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("For moderators only. Tick none and the moderator moderates every category."))
    note = StringField(_l("Note for the audit log"), validators=[Optional(), Length(max=500)])


def _web_link(form, field):
    """Only plain http and https links: no javascript:, data: or other schemes, however written."""
    from urllib.parse import urlsplit

    from wtforms.validators import ValidationError

    value = field.data or ""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class ResourceForm(PortalForm):
    """A resource of the library: a link or a file (checked by forum/connect/uploads.py), a subject, a language."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    subject = SelectField(_l("Subject area"), coerce=int, validators=[InputRequired()])
    language = SelectField(_l("Language of the resource"), choices=_choices(LANGUAGES.items()),
                           default=current_language)
    url = StringField(_l("Link"), filters=[_stripped], validators=[Optional(), Length(max=2000), _web_link],
                      description=_l("A web address (https://...), or upload a file below."))
    file = FileField(_l("File"))  # its description, with the size limit, is set by the view
    announce = BooleanField(_l("Announce it to the members who watch this subject area"))
