"""Roster import: the academies' lists of graduates become portal members, in bulk.

Rows are validated one by one; valid rows are imported, invalid ones reported with their line and
reason, so one bad row never loses the others. Idempotent by e-mail: a re-import updates the
member, never duplicates. No passwords: imported alumni are invited (they set one, or use IGN).
Inserts and updates go in batches (executemany), not one ORM object at a time: 70,000 rows must
import in well under a minute.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from forum import spreadsheets
from forum.extensions import db
from forum.forms import FIRST_GRADUATION_YEAR, email_refusal
from forum.models import ACADEMIES, LANGUAGES, User, new_session_token, utcnow
from forum.notifications.outbox import commit

COLUMNS = ("full_name", "email", "academy", "class_session", "graduation_year", "country", "agency",
           "preferred_language")
REQUIRED = ("full_name", "email", "academy")
ROSTER_FACTS = ("academy", "class_session", "graduation_year", "country", "agency")
MAX_LENGTHS = {"full_name": 80, "class_session": 80, "country": 80, "agency": 120}
BATCH = 2000
# "ILEA Bangkok", "Bangkok" or "bangkok" all name the academy "bangkok".
ACADEMY_NAMES = {name: slug for slug in ACADEMIES
                 for name in (slug, slug.replace("-", " "), f"ilea {slug.replace('-', ' ')}")}

ERRORS = {
    "columns": _l("The file lacks the columns: %(columns)s."),
    "missing": _l("%(column)s is missing."),
    "email": _l("The e-mail address is not valid."),
    "duplicate": _l("The same e-mail address is on line %(line)s."),
    "academy": _l("Unknown academy: %(value)s."),
    "year": _l("The graduation year must be a year between %(min)s and %(max)s."),
    "language": _l("Unknown language: %(value)s (use en, es, fr, th or pt)."),
    "long": _l("%(column)s is longer than %(max)s characters."),
}


@dataclass
class RowError:
    line: int
    email: str
    reason: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)

    def error_report(self):
        """The rejected rows as CSV (line, e-mail, reason), for the admin to correct and re-import."""
        out = io.StringIO()
        writer = spreadsheets.writer(out)
        writer.writerow(["line", "email", "reason"])
        writer.writerows((error.line, error.email, error.reason) for error in self.errors)
        return out.getvalue()


def _clean_row(raw, line, seen):
    """(fields, None) for a valid row, (None, reason) otherwise."""
    # A file the portal exported comes back with its formula quoting (forum/spreadsheets.py): off it comes.
    row = {column: spreadsheets.unquoted((raw.get(column) or "").replace("\x00", "").strip()) for column in COLUMNS}
    for column in REQUIRED:
        if not row[column]:
            return None, ERRORS["missing"] % {"column": column}
    if reason := email_refusal(row["email"]):
        return None, reason
    try:
        email = validate_email(row["email"], check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None, ERRORS["email"]
    if email in seen:
        return None, ERRORS["duplicate"] % {"line": seen[email]}
    academy = ACADEMY_NAMES.get(row["academy"].lower())
    if academy is None:
        return None, ERRORS["academy"] % {"value": row["academy"]}
    year = None
    if row["graduation_year"]:
        last = date.today().year + 1
        if not re.fullmatch(r"\d{4}", row["graduation_year"]) or not FIRST_GRADUATION_YEAR <= int(row["graduation_year"]) <= last:
            return None, ERRORS["year"] % {"min": FIRST_GRADUATION_YEAR, "max": last}
        year = int(row["graduation_year"])
    language = row["preferred_language"].lower() or "en"
    if language not in LANGUAGES:
        return None, ERRORS["language"] % {"value": row["preferred_language"]}
    for column, limit in MAX_LENGTHS.items():
        if len(row[column]) > limit:
            return None, ERRORS["long"] % {"column": column, "max": limit}
    seen[email] = line
    return {"stored_name": row["full_name"], "email": email, "academy": academy,
            "class_session": row["class_session"] or None, "graduation_year": year,
            "country": row["country"] or None, "agency": row["agency"] or None,
            "preferred_language": language}, None


def username_base(email):
    return re.sub(r"[^a-z0-9._-]+", "", email.split("@")[0].lower())[:28] or "alumnus"


def unique_username(email, taken):
    """A username from the e-mail's local part not in `taken` (then added): maria.lopez, maria.lopez2..."""
    base = username_base(email)
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base[:28 - len(str(number))]}{number}"
    taken.add(name)
    return name


def import_roster(text, progress=None):
    """Import a roster (CSV text with a header row); `progress(n)` is told of every n rows done."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(name or "").strip().lower() for name in reader.fieldnames or []}
    result = ImportResult()
    if missing := [column for column in REQUIRED if column not in header]:
        result.errors.append(RowError(1, "", ERRORS["columns"] % {"columns": ", ".join(missing)}))
        return result
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]

    valid, seen = [], {}
    for raw in reader:
        fields, reason = _clean_row(raw, reader.line_num, seen)
        if reason is not None:
            result.errors.append(RowError(reader.line_num, (raw.get("email") or "").strip(), reason))
        else:
            valid.append(fields)
        if progress:
            progress(1)

    existing = {email: (member_id, signed_in) for email, member_id, signed_in in db.session.execute(
        select(User.email, User.id, User.last_login_at.is_not(None)))}
    taken = set(db.session.scalars(select(User.username)))
    now = utcnow()
    new_rows, roster_facts, first_names = [], [], []
    for fields in valid:
        if fields["email"] not in existing:
            new_rows.append({**fields, "username": unique_username(fields["email"], taken),
                             "session_token": new_session_token(), "role": "member", "status": "active",
                             "timezone": "UTC", "bio_source": "", "bio_html": "", "digest_minutes": 60,
                             "created_at": now, "imported_at": now})
            continue
        member_id, signed_in = existing[fields["email"]]
        roster_facts.append({"id": member_id, "imported_at": now, **{name: fields[name] for name in ROSTER_FACTS}})
        if not signed_in:  # the name and language are the member's own once they have signed in
            first_names.append({"id": member_id, "stored_name": fields["stored_name"],
                                "preferred_language": fields["preferred_language"]})
    for rows, statement in ((new_rows, insert(User)), (roster_facts, update(User)), (first_names, update(User))):
        for start in range(0, len(rows), BATCH):
            db.session.execute(statement, rows[start:start + BATCH])
    commit()
    result.created, result.updated = len(new_rows), len(roster_facts)
    return result
