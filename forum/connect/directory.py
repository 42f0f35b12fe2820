"""The alumni directory: members finding each other by name, academy, class year, country and agency.

It lists only the members models.DIRECTORY_LISTED names (not hidden by their choice, not dismissed or
deleted) and never shows an e-mail. A page is the same few statements whatever the filter matches:
the countries for the filter, the count, the page's rows.
"""
import re

from sqlalchemy import func, or_, select, text

from forum.extensions import db
from forum.forms import FIRST_GRADUATION_YEAR
from forum.models import ACADEMIES, DIRECTORY_LISTED, User

PER_PAGE = 30


def filters_from(args):
    """The directory filters in a query string; unknown or malformed values are left out."""
    filters = {}
    for name, limit in (("q", 100), ("country", 80), ("agency", 120)):
        value = (args.get(name) or "").replace("\x00", "").strip()[:limit]
        if value:
            filters[name] = value
    if args.get("academy") in ACADEMIES:
        filters["academy"] = args.get("academy")
    year = (args.get("year") or "").strip()
    if re.fullmatch(r"[0-9]{4}", year) and int(year) >= FIRST_GRADUATION_YEAR:
        filters["year"] = int(year)
    return filters


def _listed():
    # The partial index's condition word for word, so the planner knows the index holds every row.
    return select(User).where(text(DIRECTORY_LISTED))


def page_of(filters, page):
    """One page of the listed members matching the filters, by name, with the total."""
    query = _listed()
    if needle := filters.get("q"):
        query = query.where(_named(needle))
    if needle := filters.get("agency", "").lower():
        query = query.where(func.lower(User.agency).contains(needle, autoescape=True))
    for name, column in (("academy", User.academy), ("year", User.graduation_year), ("country", User.country)):
        if name in filters:
            query = query.where(column == filters[name])
    query = query.order_by(User.stored_name, User.id)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def _named(needle):
    # A substring of the name or username, in any case: on PostgreSQL from the trigram index
    # (migration 0021) once the needle has three characters, else a scan of the listed members.
    needle = needle.lower()
    return or_(func.lower(User.stored_name).contains(needle, autoescape=True),
               User.username.contains(needle, autoescape=True))


NAMED_FROM = 3  # characters: fewer match too many names to list, and no trigram narrows them


def members_named(needle, limit):
    """Up to `limit` listed members whose name or username holds `needle`, by name (search shows them
    above the posts); none for a needle shorter than NAMED_FROM."""
    if len(needle.strip()) < NAMED_FROM:
        return []
    return db.session.scalars(_listed().where(_named(needle)).order_by(User.stored_name, User.id).limit(limit)).all()


SUGGESTED = 8  # usernames offered as a member types "@..."


def completions(prefix):
    """Up to SUGGESTED listed members whose username or a word of whose name starts with `prefix`: the
    composer's "@" suggestions (served by the trigram index from NAMED_FROM characters;
    none for fewer)."""
    prefix = prefix.strip().lstrip("@").lower()
    if len(prefix) < NAMED_FROM:
        return []
    name = func.lower(User.stored_name)
    return db.session.execute(_listed().with_only_columns(User.username, User.stored_name).where(or_(
        User.username.startswith(prefix, autoescape=True), name.startswith(prefix, autoescape=True),
        name.contains(" " + prefix, autoescape=True)))
        # Shortest usernames first: the closest to what was typed. (Ordered by the username alone, the
        # planner walks the username index and filters: 155 ms at 70,000 members, 12 ms this way.)
        .order_by(func.length(User.username), User.username).limit(SUGGESTED)).all()


def countries():
    """The countries of the listed members, for the filter: a hidden member's country is not named."""
    return db.session.scalars(_listed().with_only_columns(User.country).where(User.country.is_not(None))
                              .distinct().order_by(User.country)).all()
