"""CSV files the portal writes, made safe to open in a spreadsheet (CSV or formula injection).

Spreadsheets run a cell that starts with one of FORMULA_START as a formula, so a member's name or
e-mail address could run a command or leak data on the admin's machine. Every CSV the portal writes
goes through `writer`, which prefixes such text with an apostrophe (the OWASP rule); `unquoted`
takes it off again when a file the portal wrote comes back (a roster re-imported), so values
round-trip unchanged.
"""
import csv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """The value as a spreadsheet will read it as text, never as a formula. Numbers stay numbers."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)  # lazy translations too
    return "'" + text if text.startswith(FORMULA_START) else text


def unquoted(text):
    """A cell read back from a CSV: the apostrophe `cell` added is taken off."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def writer(stream):
    """Like csv.writer(stream), with every cell through `cell`."""
    return _SafeWriter(stream)


class _SafeWriter:
    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
