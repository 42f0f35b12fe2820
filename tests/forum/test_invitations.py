"""Inviting imported alumni: one-time links in the member's language, through the outbox."""
import re
from datetime import timedelta
from pathlib import Path

from forum.accounts import invitations
from forum.accounts.roster import import_roster
from forum.extensions import db
from forum.models import Invitation, User, utcnow
from forum.notifications.models import Delivery
from tests.conftest import is_signed_in, login, page_text, translated, unescaped_page_text, user_named
from tests.mail_fixtures import parts

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster-sample.csv"


def link_in(message):
    return re.search(r"http://portal\.test(/invitation/\S+)", parts(message)[0]).group(1)


def test_an_invited_member_sets_a_password_once_and_is_signed_in(app, mailbox, admin_client):
    import_roster(SAMPLE.read_text("utf-8"))
    response = admin_client.post("/admin/invitations", data={"member": "somchai.w@police.example.th"})
    assert response.status_code == 302
    (message,) = mailbox.messages
    assert message["To"] == "somchai.w@police.example.th"
    assert message["Subject"] == translated("th", "Your invitation to the ILEA Alumni Portal")
    assert "somchai.w" in parts(message)[0]
    link = link_in(message)

    browser = app.test_client()
    form = unescaped_page_text(browser.get(link))
    assert translated("th", "Set my password") in form
    short = browser.post(link, data={"new_password": "short", "confirm": "short"})
    assert translated("th", "Use at least %(min)d characters.") % {"min": 12} in unescaped_page_text(short)
    done = browser.post(link, data={"new_password": "a long enough password", "confirm": "a long enough password"})
    assert done.status_code == 302 and done.location.startswith("/conduct")
    assert is_signed_in(browser)
    login(app.test_client(), "somchai.w", password="a long enough password")  # the password works

    again = app.test_client().get(link)
    assert again.status_code == 410
    assert translated("th", "This invitation link has already been used. Sign in with your password, or ask for a "
                            "new invitation.") in unescaped_page_text(again)
    assert app.test_client().post(link, data={"new_password": "another long password",
                                              "confirm": "another long password"}).status_code == 410


def test_links_that_are_forged_or_expired_do_not_work(app, mailbox, make_user, admin_client):
    member = make_user("kate", password_hash=None, preferred_language="en")
    invitations.invite(user_named("boss"), [member])
    link = link_in(mailbox.messages[0])
    assert app.test_client().get(link[:-3] + "abc").status_code == 404
    assert app.test_client().get("/invitation/garbage").status_code == 404
    db.session.execute(db.update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 410 and "has expired" in page_text(response)


def test_a_filter_invites_only_the_matching_members_and_nobody_twice(app, mailbox, admin_client):
    import_roster(SAMPLE.read_text("utf-8"))
    admin_client.post("/admin/invitations", data={"academy": "gaborone"})
    assert sorted(m["To"] for m in mailbox.messages) == ["a.diallo@police.example.sn",
                                                          "d.mensah@ghanapolice.example.gh",
                                                          "thabo.mokoena@saps.example.za"]
    page = unescaped_page_text(admin_client.get("/admin/invitations"))
    assert "9 members have no password yet" in page and "6 of them were never invited" in page

    response = admin_client.post("/admin/invitations", data={"academy": "gaborone"}, follow_redirects=True)
    assert "Nobody to invite" in unescaped_page_text(response)
    assert len(mailbox.messages) == 3
    admin_client.post("/admin/invitations", data={"academy": "gaborone", "resend": "y"})
    assert len(mailbox.messages) == 6  # asked for: invited again, with new links
    admin_client.post("/admin/invitations", data={})  # everyone not yet invited
    assert len(mailbox.messages) == 12


def test_with_a_broker_a_large_batch_is_spread_at_the_configured_rate(app, mailbox, make_user):
    app.config.update(CELERY_BROKER_URL="redis://127.0.0.1:1/0", INVITATIONS_PER_MINUTE=2)
    members = [make_user(f"m{n}", password_hash=None) for n in range(5)]
    assert invitations.invite(make_user("chief", role="admin"), members) == 5
    rows = db.session.scalars(db.select(Delivery).order_by(Delivery.id)).all()
    # The first minute's share goes at once (this app still runs tasks in-process); the rest wait
    # for the outbox sweep, each at its minute.
    assert [row.status for row in rows] == ["sent", "sent", "pending", "pending", "pending"]
    waits = [(row.next_attempt_at - row.created_at).total_seconds() / 60 for row in rows[2:]]
    assert [round(wait) for wait in waits] == [1, 1, 2]
    assert all(db.session.get(User, m.id).invited_at is not None for m in members)


def test_members_who_have_a_password_or_are_dismissed_are_not_invited_by_filter(app, mailbox, make_user, admin_client):
    make_user("has.password", academy="roswell")
    make_user("gone", academy="roswell", password_hash=None, status="dismissed")
    make_user("new.one", academy="roswell", password_hash=None)
    admin_client.post("/admin/invitations", data={"academy": "roswell"})
    assert [m["To"] for m in mailbox.messages] == ["new.one@example.org"]
    unknown = admin_client.post("/admin/invitations", data={"member": "nobody@example.org"})
    assert "No member has this username or e-mail address." in unescaped_page_text(unknown)
