"""Member administration: finding members, a member's page, roles, and bulk actions on a filter."""
import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from forum.accounts import invitations, members
from forum.accounts.roster import COLUMNS, import_roster
from forum.audit import ModerationAction, log_action
from forum.discussions.services import reply
from forum.extensions import db
from forum.models import CategoryModerator, LoginEvent, User, utcnow
from moderation import services as moderation
from tests.access import reported
from tests.conftest import (
    PASSWORD,
    category,
    count_queries,
    is_signed_in,
    login,
    page_text,
    signed_in,
    start_thread,
    unescaped_page_text,
    user_named,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster-sample.csv"
REFUSED_ADDRESS = "An e-mail address cannot start with =, +, - or @, nor contain control characters."
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def listed(response):
    """Usernames of the members in the list, in order."""
    assert response.status_code == 200
    ids = [int(i) for i in re.findall(r'<td><a href="/admin/members/(\d+)">', page_text(response))]
    return [db.session.get(User, i).username for i in ids]


def role_changes():
    return db.session.scalars(db.select(ModerationAction.reason).where(ModerationAction.action == "role_changed")
                              .order_by(ModerationAction.id)).all()


def test_each_filter_narrows_the_list(app, make_user):
    admin_client = signed_in(app, make_user("boss", role="admin"))  # through the form: "signed in" below
    make_user("ana", display_name="Ana Pereira", email="ana@pj.example.pt", academy="budapest",
              graduation_year=2010, country="Portugal")
    make_user("bo", display_name="Bo Chen", academy="bangkok", graduation_year=2015, country="Thailand")
    make_user("carl", role="moderator", academy="bangkok", graduation_year=2010, country="Thailand")
    make_user("dee", status="dismissed", academy="gaborone")
    make_user("eve", suspended_until=utcnow() + timedelta(days=2), academy="roswell")
    make_user("fay", suspended_until=utcnow() - timedelta(days=2), academy="roswell")  # served her time
    make_user("gone", status="deleted", display_name="Gone Member")
    make_user("ivy", password_hash=None, invited_at=utcnow())
    make_user("newbie", password_hash=None)
    everyone = {"boss", "ana", "bo", "carl", "dee", "eve", "fay", "gone", "ivy", "newbie"}

    def filtered(query):
        return set(listed(admin_client.get(f"/admin/members?{query}")))

    assert filtered("") == everyone
    assert filtered("academy=bangkok") == {"bo", "carl"}
    assert filtered("year=2010") == {"ana", "carl"}
    assert filtered("academy=bangkok&year=2010") == {"carl"}
    assert filtered("country=Thailand") == {"bo", "carl"}
    assert filtered("role=moderator") == {"carl"}
    assert filtered("role=admin") == {"boss"}
    assert filtered("status=dismissed") == {"dee"}
    assert filtered("status=suspended") == {"eve"}
    assert filtered("status=deleted") == {"gone"}
    assert filtered("status=active") == everyone - {"dee", "eve", "gone"}
    assert filtered("invitation=invited") == {"ivy"}
    assert filtered("invitation=signed_in") == {"boss"}  # signed in through the form
    assert filtered("invitation=not_invited") == everyone - {"ivy", "boss"}
    assert filtered("role=emperor&status=asleep&year=abc&academy=atlantis") == everyone  # unknown: ignored

    page = unescaped_page_text(admin_client.get("/admin/members?academy=bangkok&status=suspended"))
    assert "0 members match." in page and "No member matches this filter." in page
    page = unescaped_page_text(admin_client.get("/admin/members?status=suspended"))
    assert "1 member matches." in page
    assert '<option selected>Thailand</option>' in page_text(admin_client.get("/admin/members?country=Thailand"))
    row = page_text(admin_client.get("/admin/members?q=gone"))
    assert "Former member" in row and "Gone Member" not in row  # deleted accounts read as such


def test_search_by_name_username_or_email_ignores_case(app, make_user, admin_client):
    make_user("ana", display_name="Ana Pereira", email="ana@pj.example.pt")
    make_user("bo", display_name="Bo Chen", email="bo@rtp.example.th")
    make_user("percent", display_name="Hundred Percent")

    def found(q):
        return set(listed(admin_client.get("/admin/members", query_string={"q": q})))

    assert found("PEREIRA") == {"ana"}
    assert found("chen") == {"bo"}
    assert found("PJ.EXAMPLE") == {"ana"}
    assert found("rtp.example.th") == {"bo"}
    assert found("percen") == {"percent"}  # the username
    assert found("%") == set()  # LIKE wildcards are plain characters
    assert found("a_a") == set()


def test_the_list_is_paginated_and_the_pages_keep_the_filter(app, make_user, admin_client, monkeypatch):
    monkeypatch.setattr(members, "PER_PAGE", 3)
    for n in range(7):
        make_user(f"m{n}", display_name=f"Member {n}", academy="bangkok")
    make_user("other", academy="roswell")
    first = admin_client.get("/admin/members?academy=bangkok")
    assert listed(first) == ["m0", "m1", "m2"]  # by name
    page = unescaped_page_text(first)
    assert "7 members match." in page and "Page 1 of 3" in page
    next_link = re.search(r'<a rel="next" href="([^"]+)"', page).group(1)
    assert "academy=bangkok" in next_link and "page=2" in next_link
    assert listed(admin_client.get(next_link)) == ["m3", "m4", "m5"]
    assert listed(admin_client.get("/admin/members?academy=bangkok&page=3")) == ["m6"]
    assert listed(admin_client.get("/admin/members?academy=bangkok&page=9")) == []


def measure(client, url):
    client.get(url)  # warm-up: the first request of a client loads what later ones reuse
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_list_costs_the_same_queries_for_5_and_30_members(app, make_user, admin_client):
    counts = []
    for start, stop in ((0, 5), (5, 30)):
        for n in range(start, stop):
            member = make_user(f"m{n:02}", role="moderator" if n % 3 == 0 else "member", academy="bangkok",
                               country=f"Country {n % 4}", last_login_at=utcnow())
            if n % 3 == 0:
                db.session.add(CategoryModerator(user_id=member.id, category_id=category().id))
                db.session.commit()
        counts.append(measure(admin_client, "/admin/members"))
    assert len(listed(admin_client.get("/admin/members"))) == 31
    assert counts[0] == counts[1]


def test_the_member_page_costs_the_same_queries_with_5_and_30_of_everything(app, make_user, admin_client):
    member = make_user("busy", academy="bangkok")
    boss = user_named("boss")
    thread = start_thread(member, "Busy thread").thread
    counts = []
    for start, stop in ((0, 5), (5, 30)):
        for n in range(start, stop):
            reply(member, thread, f"Reply {n}")
            db.session.add(LoginEvent(user_id=member.id, method="password", outcome="ok", ip="10.0.0.1",
                                      user_agent=FIREFOX))
            log_action(boss, "note", member=member, reason=f"Note {n}")
        db.session.commit()
        counts.append(measure(admin_client, f"/admin/members/{member.id}"))
    assert counts[0] == counts[1]


def test_the_member_page_shows_profile_activity_moderation_and_invitation(app, make_user, admin_client):
    author = make_user("author", display_name="Arthur Author", academy="gaborone", graduation_year=2016,
                       country="Ghana", agency="Ghana Police Service")
    post, case = reported(author, make_user("tipster"), "Heated thread")
    moderation.warn_member(make_user("decider", role="moderator"), case, "disrespect", "Mind your words.")
    reply(author, post.thread, "A calmer reply.")
    page = unescaped_page_text(admin_client.get(f"/admin/members/{author.id}"))
    for fact in ("Arthur Author", "@author", "author@example.org", "ILEA Gaborone", "2016", "Ghana",
                 "Ghana Police Service", "Never invited", "1 thread started", "2 posts", "Heated thread",
                 "Mind your words.", "Warned the member"):
        assert fact in page, fact
    assert f'href="/p/{post.id}"' in page
    assert 'href="/moderation/members/author"' in page
    assert "Send the invitation" not in page  # has a password

    newcomer = make_user("newcomer", password_hash=None)
    page = unescaped_page_text(admin_client.get(f"/admin/members/{newcomer.id}"))
    assert "Never invited" in page and "Send the invitation" in page
    assert admin_client.get("/admin/members/999999").status_code == 404


def test_the_member_page_shows_the_login_history(app, make_user, admin_client):
    lena = make_user("lena")
    browser = app.test_client()
    failed = browser.post("/login", data={"login": "lena", "password": "not the password"},
                          headers={"User-Agent": FIREFOX})
    assert failed.status_code == 200
    assert browser.post("/login", data={"login": "lena", "password": PASSWORD},
                        headers={"User-Agent": FIREFOX}).status_code == 302
    page = unescaped_page_text(admin_client.get(f"/admin/members/{lena.id}"))
    history = page[page.index("Login history"):]
    rows = re.findall(r"<tr>(.*?)</tr>", history.split("<tbody>")[1], re.S)
    assert len(rows) == 2
    newest, oldest = (re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows)
    assert "Password Signed in 127.0.0.1 Firefox · Windows" in newest
    assert "Password Wrong password 127.0.0.1 Firefox · Windows" in oldest
    assert f'title="{FIREFOX}"' in history


def test_role_changes_are_recorded_in_the_audit_log(app, make_user, admin_client):
    member = make_user("carla", display_name="Carla Cruz")
    cyber, general = category("cybercrime"), category("general")
    response = admin_client.post(f"/admin/members/{member.id}/role",
                                 data={"role": "moderator", "categories": [str(cyber.id), str(general.id)],
                                       "note": "Knows the field."})
    assert response.status_code == 302 and response.location == f"/admin/members/{member.id}"
    member = user_named("carla")
    assert (member.role, member.moderated_category_ids) == ("moderator", {cyber.id, general.id})

    page = unescaped_page_text(admin_client.get(f"/admin/members/{member.id}"))
    assert "The role of Carla Cruz is changed." in page
    assert re.search(rf'value="{cyber.id}"[^>]*checked|checked[^>]*value="{cyber.id}"', page)

    admin_client.post(f"/admin/members/{member.id}/role", data={"role": "moderator", "categories": [str(cyber.id)]})
    admin_client.post(f"/admin/members/{member.id}/role", data={"role": "admin", "categories": [str(cyber.id)]})
    member = user_named("carla")
    assert (member.role, member.moderated_category_ids) == ("admin", set())  # scopes are for moderators
    admin_client.post(f"/admin/members/{member.id}/role", data={"role": "member"})
    assert user_named("carla").role == "member"
    unchanged = admin_client.post(f"/admin/members/{member.id}/role", data={"role": "member"}, follow_redirects=True)
    assert "Nothing changed." in unescaped_page_text(unchanged)

    assert role_changes() == ["member → moderator: cybercrime, general\nKnows the field.",
                              "moderator: cybercrime, general → moderator: cybercrime",
                              "moderator: cybercrime → admin", "admin → member"]
    actors = set(db.session.scalars(db.select(ModerationAction.actor_id).where(ModerationAction.action == "role_changed")))
    assert actors == {user_named("boss").id}
    log = unescaped_page_text(admin_client.get("/moderation/log?action=role_changed"))
    assert log.count("Changed the member's role") == 4 + 1  # the rows, and the filter's option
    assert "moderator: cybercrime → admin" in log and "Carla Cruz" in log
    assert "Changed the member's role" in unescaped_page_text(admin_client.get(f"/admin/members/{member.id}"))
    assert admin_client.post(f"/admin/members/{member.id}/role", data={"role": "emperor"}).status_code == 302
    assert user_named("carla").role == "member"


def test_the_last_active_admin_cannot_be_demoted(app, make_user, admin_client):
    boss = user_named("boss")
    make_user("resting", role="admin", suspended_until=utcnow() + timedelta(days=1))
    make_user("former", role="admin", status="dismissed")
    refused = admin_client.post(f"/admin/members/{boss.id}/role", data={"role": "moderator"}, follow_redirects=True)
    assert "Boss is the last active administrator: make another member an administrator first." \
        in unescaped_page_text(refused)
    assert user_named("boss").role == "admin" and role_changes() == []

    deputy = make_user("deputy", role="admin")
    stepped_down = admin_client.post(f"/admin/members/{boss.id}/role", data={"role": "member"})
    assert stepped_down.status_code == 302 and stepped_down.location == "/"  # no admin pages for them now
    assert user_named("boss").role == "member"
    assert admin_client.get("/admin/members").status_code == 403
    deputy_client = signed_in(app, deputy)
    refused = deputy_client.post(f"/admin/members/{deputy.id}/role", data={"role": "member"}, follow_redirects=True)
    assert "Deputy is the last active administrator" in unescaped_page_text(refused)


def test_a_moderator_scoped_by_an_admin_sees_only_the_cases_of_their_categories(app, make_user, admin_client):
    moderator = make_user("watcher", role="moderator")
    author, reporter = make_user("author"), make_user("tipster")
    reported(author, reporter, "Matter in general", slug="general")
    reported(author, reporter, "Matter in cybercrime", slug="cybercrime")
    moderator_client = signed_in(app, moderator)
    queue = unescaped_page_text(moderator_client.get("/moderation/"))
    assert "Matter in general" in queue and "Matter in cybercrime" in queue
    admin_client.post(f"/admin/members/{moderator.id}/role",
                      data={"role": "moderator", "categories": [str(category("cybercrime").id)]})
    queue = unescaped_page_text(moderator_client.get("/moderation/"))
    assert "Matter in cybercrime" in queue and "Matter in general" not in queue


def test_bulk_invite_reaches_only_the_matching_members_never_invited(app, mailbox, make_user, admin_client):
    import_roster(SAMPLE.read_text("utf-8"))
    thabo = user_named("thabo.mokoena")
    sent = admin_client.post(f"/admin/members/{thabo.id}/invite", data={}, follow_redirects=True)
    assert "The invitation is on its way to thabo.mokoena@saps.example.za." in unescaped_page_text(sent)
    make_user("has.password", academy="gaborone")

    confirm = admin_client.post("/admin/members/bulk", data={"action": "invite", "academy": "gaborone"})
    page = unescaped_page_text(confirm)
    assert confirm.status_code == 200 and "Invite 2 members" in page
    assert 'name="confirmed" value="2"' in page and 'name="academy" value="gaborone"' in page
    assert len(mailbox.messages) == 1  # nothing sent before the confirmation

    stale = admin_client.post("/admin/members/bulk", data={"action": "invite", "academy": "gaborone", "confirmed": "5"})
    assert "The matching members changed since you looked" in unescaped_page_text(stale)
    assert len(mailbox.messages) == 1

    done = admin_client.post("/admin/members/bulk", data={"action": "invite", "academy": "gaborone", "confirmed": "2"})
    assert done.status_code == 302 and done.location == "/admin/members?academy=gaborone"
    assert sorted(m["To"] for m in mailbox.messages) == ["a.diallo@police.example.sn",
                                                          "d.mensah@ghanapolice.example.gh",
                                                          "thabo.mokoena@saps.example.za"]
    again = admin_client.post("/admin/members/bulk", data={"action": "invite", "academy": "gaborone"},
                              follow_redirects=True)
    assert "Nobody to invite" in unescaped_page_text(again)
    assert len(mailbox.messages) == 3
    page = unescaped_page_text(admin_client.get(f"/admin/members/{thabo.id}"))
    assert "Send a new invitation" in page and "valid until" in page


def test_the_csv_export_reimports_cleanly(app, make_user, admin_client):
    import_roster(SAMPLE.read_text("utf-8"))
    make_user("staff")  # no academy: not a roster row
    make_user("mischief", academy="roswell", display_name="=HYPERLINK(\"http://evil.example\")",
              agency="+cmd", email="mischief@example.org")

    response = admin_client.get("/admin/members.csv?academy=gaborone")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == COLUMNS
    assert sorted(row["email"] for row in rows) == ["a.diallo@police.example.sn", "d.mensah@ghanapolice.example.gh",
                                                    "thabo.mokoena@saps.example.za"]
    result = import_roster(text)
    assert (result.created, result.updated, result.errors) == (0, 3, [])

    everything = admin_client.get("/admin/members.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(everything.lstrip("\ufeff"))))
    assert len(rows) == 10  # the sample's 9 valid rows and the mischief; staff accounts have no academy
    mischief = next(row for row in rows if row["email"] == "mischief@example.org")
    assert mischief["full_name"].startswith("'=") and mischief["agency"] == "'+cmd"  # no formulas
    maria = next(row for row in rows if row["email"] == "maria.lopez@policia.example.sv")
    assert maria == {"full_name": "María López", "email": "maria.lopez@policia.example.sv", "academy": "san-salvador",
                     "class_session": "Session 41", "graduation_year": "2012", "country": "El Salvador",
                     "agency": "Policía Nacional Civil", "preferred_language": "es"}
    before = db.session.scalars(db.select(User.email).order_by(User.email)).all()
    result = import_roster(everything)
    assert (result.created, result.updated, result.errors) == (0, 10, [])
    assert db.session.scalars(db.select(User.email).order_by(User.email)).all() == before


def test_every_text_cell_that_would_run_as_a_formula_reaches_the_csv_quoted(app, make_user, admin_client):
    starts = {"equals": "=", "plus": "+", "minus": "-", "at": "@", "tab": "\t", "cr": "\r"}
    for name, start in starts.items():  # addresses from before the portal refused them
        make_user(name, academy="roswell", email=f"{start}{name}@example.org", display_name=f"{start}{name}",
                  country=f"{start}1+1", agency=f"{start}cmd|' /C calc'!A0")
    make_user("plain", academy="roswell", email="plain+alumni@example.org", display_name="Ana-Maria = Plain",
              class_session="Session 41 - Roswell", graduation_year=2012, country="El Salvador")
    make_user("sums", academy="roswell", email="sums@example.org", display_name="=SUM(A1:A9)")

    text = admin_client.get("/admin/members.csv").get_data(as_text=True)
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}

    for name, start in starts.items():
        row = rows[f"'{start}{name}@example.org"]
        assert (row["full_name"], row["country"], row["agency"]) == (
            f"'{start}{name}", f"'{start}1+1", f"'{start}cmd|' /C calc'!A0")
    assert rows["plain+alumni@example.org"] == {
        "full_name": "Ana-Maria = Plain", "email": "plain+alumni@example.org", "academy": "roswell",
        "class_session": "Session 41 - Roswell", "graduation_year": "2012", "country": "El Salvador",
        "agency": "", "preferred_language": "en"}
    assert rows["sums@example.org"]["full_name"] == "'=SUM(A1:A9)"

    # Imported again, the quoting comes off: names keep their text, unsafe addresses are refused.
    result = import_roster(text)
    assert (result.created, result.updated) == (0, 2)
    assert sorted((error.email, str(error.reason)) for error in result.errors) == sorted(
        (f"'{start}{name}@example.org", REFUSED_ADDRESS) for name, start in starts.items())
    assert (user_named("sums").stored_name, user_named("plain").stored_name) == ("=SUM(A1:A9)", "Ana-Maria = Plain")


def test_signing_a_member_out_everywhere_ends_their_sessions(app, make_user, admin_client):
    member = make_user("roamer")
    phone, laptop = signed_in(app, member), signed_in(app, member, remember="y")
    assert is_signed_in(phone) and is_signed_in(laptop)
    response = admin_client.post(f"/admin/members/{member.id}/sign-out", data={}, follow_redirects=True)
    assert "Roamer is signed out everywhere." in unescaped_page_text(response)
    assert not is_signed_in(phone) and not is_signed_in(laptop)
    assert is_signed_in(admin_client)
    assert db.session.scalar(db.select(ModerationAction.action).where(
        ModerationAction.member_id == member.id)) == "sessions_ended"
    login(phone, member)  # signing in again works
    assert is_signed_in(phone)


def test_bulk_sign_out_ends_the_sessions_of_the_matching_members_but_not_the_admins(app, make_user):
    chief = make_user("chief", role="admin", academy="bangkok")
    admin = signed_in(app, chief)
    bangkok = [signed_in(app, make_user(name, academy="bangkok")) for name in ("b1", "b2")]
    roswell = signed_in(app, make_user("r1", academy="roswell"))
    tokens = dict(db.session.execute(db.select(User.username, User.session_token)).all())

    confirm = unescaped_page_text(admin.post("/admin/members/bulk", data={"action": "sign_out", "academy": "bangkok"}))
    assert "Sign out 2 members" in confirm and "You stay signed in." in confirm
    with count_queries() as statements:
        done = admin.post("/admin/members/bulk", data={"action": "sign_out", "academy": "bangkok", "confirmed": "2"})
    assert done.status_code == 302
    assert sum(1 for s in statements if s.lstrip().upper().startswith("UPDATE USERS")) == 1
    assert not any(is_signed_in(client) for client in bangkok)
    assert is_signed_in(roswell) and is_signed_in(admin)
    after = dict(db.session.execute(db.select(User.username, User.session_token)).all())
    assert after["b1"] != tokens["b1"] and after["b2"] != tokens["b2"] and after["b1"] != after["b2"]
    assert len(after["b1"]) == 64 and after["r1"] == tokens["r1"] and after["chief"] == tokens["chief"]
    entry = db.session.scalar(db.select(ModerationAction).where(ModerationAction.action == "bulk_sessions_ended"))
    assert (entry.actor_id, entry.member_id, entry.reason) == (chief.id, None, "2 · academy=bangkok")
    for name in ("b1", "b2"):
        login(app.test_client(), name)  # the new tokens are valid sessions again after signing in


def test_bulk_actions_need_a_known_action(app, admin_client):
    assert admin_client.post("/admin/members/bulk", data={"action": "delete", "academy": "bangkok"}).status_code == 400


def test_invitations_are_refused_to_members_with_a_password(app, mailbox, make_user, admin_client):
    member = make_user("settled")
    response = admin_client.post(f"/admin/members/{member.id}/invite", data={}, follow_redirects=True)
    assert "This member has a password and signs in with it" in unescaped_page_text(response)
    assert mailbox.messages == []
    gone = make_user("gone", password_hash=None, status="dismissed")
    response = admin_client.post(f"/admin/members/{gone.id}/invite", data={}, follow_redirects=True)
    assert "Only active members can be invited." in unescaped_page_text(response)
    assert invitations.counts()["not_invited"] == 0
