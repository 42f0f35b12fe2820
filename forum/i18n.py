"""Translation helpers shared by the forum and moderation packages.

The portal keeps one catalog (translations/<lang>/LC_MESSAGES/messages.po). WTForms emits some
messages of its own (a field left empty, a choice that is not offered); rather than rely on WTForms'
catalogs, which lack Thai and speak Brazilian Portuguese, its lookups go through ours.
"""
import re
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

import pytz
from babel import dates
from flask import current_app, g, has_request_context, request
from flask_babel import format_timedelta, get_locale, get_timezone, get_translations, gettext, refresh
from flask_login import current_user
from markupsafe import Markup

from forum import cache

# The catalogs are per language; dates and numbers follow a country's usage. The portal writes
# European Portuguese ("palavra-passe"), so Portuguese dates are formatted as in Portugal.
BABEL_LOCALES = {"pt": "pt_PT"}
TIMEZONES = pytz.common_timezones  # the profile's choices, in order
_KNOWN_ZONES = frozenset(TIMEZONES)  # looked up on every request
RELATIVE_UNTIL_DAYS = 7  # newer times read "3 hours ago"; older ones show the date


def N_(text):
    """Mark a string for extraction; it is translated where it is displayed."""
    return text


def Nn_(singular, plural):
    """Mark a singular/plural pair for extraction (looked up with ngettext where displayed)."""
    return singular, plural


def catalog():
    """The translations of the language in use, found once per request and language: flask_babel
    looks the locale, domain and catalog up again on every call, and a page makes dozens."""
    if not g:
        return get_translations()
    locale = get_locale()
    found = g.get("_portal_catalog")
    if found is None or found[0] is not locale:  # a new request, refresh() or force_locale()
        found = g._portal_catalog = (locale, get_translations())
    return found[1]


def install_template_gettext(app):
    """Templates' _(), ngettext() and their context forms, through `catalog()`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
        newstyle=True)


class CatalogTranslations:
    """The gettext interface WTForms expects, answered from the portal's catalog.

    WTForms formats the placeholders itself, so the raw translation is returned.
    """

    def gettext(self, string):
        return catalog().ugettext(string)

    def ngettext(self, singular, plural, n):
        return catalog().ungettext(singular, plural, n)


# What WTForms itself can say about the fields the portal uses.
WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Not a valid choice."),
    N_("Not a valid integer value."),
    N_("Not a valid date value."),
    N_("Invalid email address."),
    N_("Invalid input."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    Nn_("Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long."),
    Nn_("Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters."),
    Nn_("Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long."),
)


def babel_locale(language):
    return BABEL_LOCALES.get(language, language)


def _member():
    """Whose language and time zone apply: the recipient of a mail being rendered, else the reader."""
    member = g.get("locale_member") if g else None
    if member is None and has_request_context() and current_user.is_authenticated:
        member = current_user
    return member


def select_locale():
    """A member's preferred language, else the visitor's cookie, else the browser's, else English."""
    languages = current_app.config["LANGUAGES"]
    member = _member()
    if member is not None and member.preferred_language in languages:
        return babel_locale(member.preferred_language)
    if not has_request_context():
        return None  # tasks and the CLI speak the default language unless rendering for a member
    if request.cookies.get("lang") in languages:
        return babel_locale(request.cookies["lang"])
    return babel_locale(request.accept_languages.best_match(languages) or "en")


def select_timezone():
    member = _member()
    return member.timezone if member is not None and member.timezone in _KNOWN_ZONES else None


@contextmanager
def member_locale(member):
    """Render in `member`'s language and time zone (an e-mail to them, whoever triggered it)."""
    previous = g.get("locale_member")
    g.locale_member = member
    refresh()
    try:
        yield
    finally:
        g.locale_member = previous
        refresh()


def current_language():
    """The portal language code (en, es, fr, th, pt) in use."""
    return get_locale().language if get_locale() else "en"


def html_lang():
    return str(get_locale() or "en").replace("_", "-")


def time_tag(moment):
    """A stored (naive UTC) time as people say it: "3 hours ago" when recent, else the local date;
    the exact local time is in the tooltip and the machine-readable time in the attribute."""
    age = datetime.now(UTC).replace(tzinfo=None) - moment
    locale, zone = get_locale(), get_timezone()
    if age.total_seconds() < 60:  # also absorbs clock skew: never "in 2 seconds"
        text = gettext("just now")
        cache.note_relative_time()
    elif age.days < RELATIVE_UNTIL_DAYS:
        text = format_timedelta(-age, add_direction=True, threshold=1)
        cache.note_relative_time()
    else:
        text = _local_time(moment, "medium", locale, zone)
    return Markup('<time datetime="{}Z" title="{}">{}</time>').format(
        moment.isoformat(timespec="seconds"), _local_time(moment, "full", locale, zone), text)


def format_datetime(moment, style="medium"):
    """flask_babel.format_datetime of a stored (naive UTC) time (None: now), remembered per language and zone."""
    moment = moment or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return _local_time(moment, style, get_locale(), get_timezone())


@lru_cache(maxsize=20_000)
def _local_time(moment, style, locale, zone):
    """Babel's date and time of the style, remembered (a list shows the same times to every reader,
    and formatting one costs ~50 µs), with two local usages: "medium" times without seconds, which
    nobody reads, and Thai years in the Buddhist era, as Thai officials write them."""
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    date_text = dates.format_date(local, _date_pattern(style, locale, local.year), locale=locale)
    time_text = dates.format_time(local, "short" if style == "medium" else style, tzinfo=zone, locale=locale)
    return locale.datetime_formats[style].replace("'", "").replace("{0}", time_text).replace("{1}", date_text)


def _date_pattern(style, locale, year):
    pattern = locale.date_formats[style].pattern
    if locale.language != "th":
        return pattern
    buddhist = year + 543  # the era's name (G) and the year (y, yy) written out as literal text

    def literal(match):
        if match.group()[0] == "G":
            return "'พ.ศ.'"
        return f"'{buddhist % 100:02d}'" if match.group() == "yy" else f"'{buddhist}'"
    return re.sub(r"G+|y+", literal, pattern)
