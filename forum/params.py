"""Integers from the path, the query string and forms, kept within what the database can compare.

Every id column is an INTEGER: int4 on PostgreSQL, so no row has an id above 2**31-1, and a larger
number in a query fails the whole statement (NumericValueOutOfRange; SQLite overflows past 2**63-1).
A number out of range is therefore answered like any id that names no row: not found, or ignored.
"""
from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
# Past a million pages no list of ours has rows; a link that far was edited by hand.
MAX_PAGE = 10**6
_MAX_DIGITS = 32  # past every bound here: longer text is out of range without converting it


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: a row id, 1..MAX_ID, so a larger one is a plain 404."""

    regex = r"[0-9]+"  # ASCII digits only: \d would also take other scripts' digits

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)


def to_int(text, high=MAX_ID):
    """`text` as an integer in 0..high when it is plain ASCII digits, else None (negative, signed,
    decimal, other scripts' digits, out of range)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        return None
    value = int(text)
    return value if value <= high else None


def int_arg(name, default=None, source=None):
    """The integer `name` of the query string (or of `source`, e.g. request.form), 0..MAX_ID;
    `default` when it is missing or anything else."""
    value = to_int((request.args if source is None else source).get(name))
    return default if value is None else value


def page_arg(source=None):
    """`?page=`: 1..MAX_PAGE; page 1 for anything else (zero, negative, malformed, too far)."""
    page = to_int((request.args if source is None else source).get("page"), high=MAX_PAGE)
    return page or 1


def coerce_id(value):
    """A form field's `coerce` for ids: ValueError (the field's "not a valid choice") unless 1..MAX_ID."""
    number = to_int(str(value))
    if not number:
        raise ValueError(value)
    return number
