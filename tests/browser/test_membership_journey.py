"""Membership end to end in Chromium against gunicorn, with Redis, a Celery worker and an SMTP
server: an admin imports the sample roster (one bad row), invites a member, who joins with the link
from the mail; an account request becomes a member."""
import re
from pathlib import Path
from urllib.parse import urlsplit

from forum.extensions import db
from forum.models import User
from tests.browser.test_journeys import sign_in, speaks
from tests.conftest import translated
from tests.mail_fixtures import parts
from tests.processes import wait_until

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster-sample.csv"
NEW_PASSWORD = "ตั้งรหัสผ่านที่ยาวพอ 2026"


def link_path(message, route):
    """The path of the portal link in a mail (the worker writes links to its own PORTAL_URL)."""
    return urlsplit(re.search(rf"http://\S+(/{route}/\S+)", parts(message)[0]).group(0)).path


def test_an_admin_imports_and_invites_and_the_member_joins_with_the_mailed_link(
        serve, new_page, make_user, redis_server, smtp_server, worker, mail_settings):
    make_user("chief", role="admin")
    base = serve(CELERY_BROKER_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url,
                 MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, **mail_settings)
    admin = new_page()
    sign_in(admin, base, "chief")
    admin.goto(f"{base}/admin/roster")
    admin.set_input_files("input[type=file]", str(SAMPLE))
    admin.click("main form button[type=submit]")
    status = admin.inner_text("[role=status]")
    assert "9 members created" in status and "1 row rejected" in status
    assert admin.locator("table tbody tr").count() == 1
    assert admin.locator("table tbody tr td").first.inner_text() == "9"  # the line of the bad row

    admin.goto(f"{base}/admin/invitations")
    admin.fill("input[name=member]", "somchai.w@police.example.th")
    admin.click("main form button[type=submit]")
    (invitation,) = wait_until(lambda: smtp_server.to("somchai.w@police.example.th"), 15, "the invitation mail")
    assert invitation["Subject"] == translated("th", "Your invitation to the ILEA Alumni Portal")
    path = link_path(invitation, "invitation")

    member = new_page(locale="th-TH")
    member.goto(base + path)
    assert speaks(member, "th")
    member.fill("input[name=new_password]", NEW_PASSWORD)
    member.fill("input[name=confirm]", NEW_PASSWORD)
    member.click("main form button[type=submit]")
    member.wait_for_url("**/conduct**")
    assert speaks(member, "th") and member.locator("form[action='/logout']").count() == 1  # signed in

    again = new_page(locale="th-TH")
    response = again.goto(base + path)
    assert response.status == 410
    assert translated("th", "This invitation link has already been used. Sign in with your password, or ask for a "
                            "new invitation.") in again.inner_text("main")
    again.goto(f"{base}/login")
    again.fill("#login", "somchai.w")
    again.fill("#password", NEW_PASSWORD)
    again.click("form[action^='/login'] button[type=submit]")
    again.wait_for_url(lambda url: "/login" not in url)  # the password set with the link works
    assert db.session.scalar(db.select(User.last_login_at).where(User.username == "somchai.w")) is not None


def test_an_account_request_is_approved_and_becomes_a_member(serve, new_page, make_user, redis_server,
                                                             smtp_server, worker, mail_settings):
    make_user("chief", role="admin")
    base = serve(CELERY_BROKER_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url,
                 MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, **mail_settings)
    visitor = new_page(locale="fr-FR")
    visitor.goto(f"{base}/contact")
    visitor.fill("input[name=name]", "Awa Ndiaye")
    visitor.fill("input[name=email]", "awa.ndiaye@police.example.sn")
    visitor.select_option("select[name=academy]", "gaborone")
    visitor.fill("input[name=graduation_year]", "2020")
    visitor.click("main form button[type=submit]")
    visitor.wait_for_url("**/login")
    assert speaks(visitor, "fr")

    admin = new_page()
    sign_in(admin, base, "chief")
    admin.goto(f"{base}/admin/requests")
    assert "Awa Ndiaye" in admin.inner_text("main")
    admin.get_by_role("button", name="Approve and invite").click()
    admin.wait_for_load_state()
    (mail,) = wait_until(lambda: smtp_server.to("awa.ndiaye@police.example.sn"), 15, "the invitation mail")
    assert mail["Subject"] == translated("fr", "Your invitation to the ILEA Alumni Portal")
    member = db.session.scalar(db.select(User).where(User.email == "awa.ndiaye@police.example.sn"))
    assert (member.display_name, member.academy, member.graduation_year, member.preferred_language) == \
        ("Awa Ndiaye", "gaborone", 2020, "fr")

    joining = new_page(locale="fr-FR")
    joining.goto(base + link_path(mail, "invitation"))
    joining.fill("input[name=new_password]", "un mot de passe assez long")
    joining.fill("input[name=confirm]", "un mot de passe assez long")
    joining.click("main form button[type=submit]")
    joining.wait_for_url("**/conduct**")
    assert speaks(joining, "fr")
