"""Importing academy rosters: validated row by row, idempotent by e-mail, from the CLI and the admin page."""
import csv
import io
from datetime import date
from pathlib import Path

from forum.accounts.roster import COLUMNS, import_roster
from forum.extensions import db
from forum.models import User
from tests.conftest import count_rows, page_text, unescaped_page_text, user_named

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster-sample.csv"
HEADER = ",".join(COLUMNS) + "\n"


def test_the_sample_roster_imports_all_but_its_bad_row_from_the_cli(app, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(SAMPLE.read_bytes())
    before = count_rows(User)
    result = app.test_cli_runner().invoke(args=["alumni", "import", str(roster)])
    assert result.exit_code == 0, result.output
    assert "9 created, 0 updated, 1 rejected." in result.output
    assert "line 9:" in result.output and "email is missing" in result.output
    assert (tmp_path / "roster.errors.csv").read_text().splitlines() == ["line,email,reason", "9,,email is missing."]
    assert count_rows(User) == before + 9
    maria = db.session.scalar(db.select(User).where(User.email == "maria.lopez@policia.example.sv"))
    assert (maria.username, maria.display_name, maria.academy, maria.graduation_year, maria.country,
            maria.preferred_language, maria.password_hash) == (
        "maria.lopez", "María López", "san-salvador", 2012, "El Salvador", "es", None)
    assert maria.imported_at is not None and maria.is_active


def test_a_second_import_updates_and_never_duplicates(app):
    import_roster(SAMPLE.read_text("utf-8"))
    somchai = user_named("somchai.w")
    somchai.last_login_at = somchai.created_at  # he has signed in: his name and language are his own
    somchai.display_name, somchai.preferred_language = "Somchai W.", "en"
    db.session.commit()
    changed = SAMPLE.read_text("utf-8").replace("Class 2019-2,2019", "Class 2019-3,2020").replace(
        "Somchai Wongsakul", "S. Wongsakul")
    total = count_rows(User)

    result = import_roster(changed)

    assert (result.created, result.updated, len(result.errors)) == (0, 9, 1)
    assert count_rows(User) == total
    somchai = user_named("somchai.w")
    assert (somchai.class_session, somchai.graduation_year) == ("Class 2019-3", 2020)
    assert (somchai.display_name, somchai.preferred_language) == ("Somchai W.", "en")


def test_each_bad_row_is_reported_with_its_line_and_reason_and_the_rest_imported(app, make_user):
    make_user("maria.lopez")  # the username the first row would take: the import picks another
    rows = [
        "Good One,good.one@example.org,bangkok,,2019,,,",
        "Bad Academy,bad.academy@example.org,Paris,,,,,",
        "Bad Year,bad.year@example.org,roswell,,1980,,,",
        "Bad Language,bad.language@example.org,roswell,,,,,de",
        "Good One Again,GOOD.ONE@example.org,budapest,,,,,",
        "Bad Mail,not-an-address,budapest,,,,,",
        "Long Agency,long.agency@example.org,budapest,,,,{},".format("x" * 121),
        "María Two,maria.lopez@other.example.org,budapest,,,,,",
    ]
    result = import_roster(HEADER + "\n".join(rows) + "\n")
    assert [(e.line, str(e.reason)) for e in result.errors] == [
        (3, "Unknown academy: Paris."),
        (4, f"The graduation year must be a year between 1995 and {date.today().year + 1}."),
        (5, "Unknown language: de (use en, es, fr, th or pt)."),
        (6, "The same e-mail address is on line 2."),
        (7, "The e-mail address is not valid."),
        (8, "agency is longer than 120 characters."),
    ]
    assert result.created == 2
    assert db.session.scalar(db.select(User.username).where(User.email == "maria.lopez@other.example.org")) == "maria.lopez2"


def test_a_roster_without_the_required_columns_is_refused_whole(app):
    result = import_roster("name,mail\nA,a@example.org\n")
    assert [(e.line, str(e.reason)) for e in result.errors] == [
        (1, "The file lacks the columns: full_name, email, academy.")]
    assert result.created == 0


def upload(client, content, name="roster.csv"):
    return client.post("/admin/roster", data={"roster": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_an_admin_uploads_a_roster_and_downloads_the_rejected_rows(app, admin_client, member_client):
    page = unescaped_page_text(upload(admin_client, SAMPLE.read_bytes()))
    assert "9 members created" in page and "0 members updated" in page and "1 row rejected" in page
    assert "<td>9</td><td></td><td>email is missing.</td>" in page
    link = page.split('href="/admin/roster/reports/')[1].split('"')[0]
    report = admin_client.get(f"/admin/roster/reports/{link}")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert "attachment" in report.headers["Content-Disposition"]
    assert report.get_data(as_text=True).splitlines()[1] == "9,,email is missing."
    assert member_client.get(f"/admin/roster/reports/{link}").status_code == 403
    assert admin_client.get("/admin/roster/reports/..%2F..%2Fsecret.csv").status_code == 404


def test_a_file_that_is_not_a_utf8_csv_gets_a_clear_message(app, admin_client):
    assert "The roster must be a CSV file." in unescaped_page_text(upload(admin_client, b"x", "roster.xlsx"))
    latin1 = (HEADER + "Jos\xe9,jose@example.org,budapest,,,,,\n").encode("latin-1")
    assert "The roster must be saved as UTF-8 text." in unescaped_page_text(upload(admin_client, latin1))
    assert "Choose the roster file." in page_text(admin_client.post("/admin/roster", data={}))


def test_an_address_that_would_run_as_a_formula_is_refused_and_reported_quoted(app, admin_client):
    rows = [
        "Formula,=2+3+cmd|x@example.org,bangkok,,,,,",
        "Plus,+1@example.org,bangkok,,,,,",
        "Minus,-1@example.org,bangkok,,,,,",
        "At,@x@example.org,bangkok,,,,,",
        "Quoted,'=x@example.org,bangkok,,,,,",  # a cell the portal's own export quoted
        '"Tab","\t=x@example.org",bangkok,,,,,',
        '"Bell","bell\x07@example.org",bangkok,,,,,',
        "Plain,plain+alumni@example.org,bangkok,,,,,",
    ]
    refused = "An e-mail address cannot start with =, +, - or @, nor contain control characters."

    page = unescaped_page_text(upload(admin_client, (HEADER + "\n".join(rows) + "\n").encode()))

    assert "1 member created" in page and "7 rows rejected" in page
    assert f"<td>2</td><td>=2+3+cmd|x@example.org</td><td>{refused}</td>" in page
    assert db.session.scalar(db.select(User.stored_name).where(User.email == "plain+alumni@example.org")) == "Plain"
    link = page.split('href="/admin/roster/reports/')[1].split('"')[0]
    report = list(csv.reader(io.StringIO(admin_client.get(f"/admin/roster/reports/{link}").get_data(as_text=True))))
    assert report == [["line", "email", "reason"],
                      ["2", "'=2+3+cmd|x@example.org", refused],
                      ["3", "'+1@example.org", refused],
                      ["4", "'-1@example.org", refused],
                      ["5", "'@x@example.org", refused],
                      ["6", "'=x@example.org", refused],
                      ["7", "'=x@example.org", refused],
                      ["8", "bell\x07@example.org", refused]]
