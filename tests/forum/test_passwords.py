"""Password reset: the portal's own expiring one-time link, or the ILEA Global Network's page."""
import re
import time

from forum.extensions import db
from forum.models import LoginEvent
from tests.conftest import (
    PASSWORD,
    is_signed_in,
    login,
    page_text,
    signed_in,
    translated,
    unescaped_page_text,
    user_named,
)
from tests.mail_fixtures import parts

NEW = "a brand new long password"


def reset_link(message):
    return re.search(r"http://portal\.test(/password/reset/\S+)", parts(message)[0]).group(1)


def ask(client, email):
    return client.post("/password/reset", data={"email": email})


def test_a_member_resets_the_password_with_the_mailed_link_once(app, mailbox, make_user):
    member = make_user("rosa", email="rosa@police.example.sv", preferred_language="es")
    elsewhere = signed_in(app, member)  # another device, signed in before the reset
    response = ask(app.test_client(), " Rosa@Police.example.SV ")
    assert response.status_code == 302 and response.location == "/login"
    (message,) = mailbox.messages
    assert message["To"] == "rosa@police.example.sv"
    assert message["Subject"] == translated("es", "Choose a new password for the ILEA Alumni Portal")
    assert "rosa" in parts(message)[0]
    link = reset_link(message)

    browser = app.test_client()
    mismatch = browser.post(link, data={"new_password": NEW, "confirm": NEW + "!"})
    assert translated("es", "The two passwords do not match.") in unescaped_page_text(mismatch)
    done = browser.post(link, data={"new_password": NEW, "confirm": NEW})
    assert done.status_code == 302 and is_signed_in(browser)
    assert not is_signed_in(elsewhere)  # the other device is signed out
    old = app.test_client().post("/login", data={"login": "rosa", "password": PASSWORD})
    assert old.status_code == 200  # the old password no longer works
    login(app.test_client(), "rosa", password=NEW)
    history = db.session.execute(db.select(LoginEvent.method, LoginEvent.outcome).where(
        LoginEvent.user_id == member.id).order_by(LoginEvent.id)).all()
    assert history == [("password", "ok"), ("reset", "ok"), ("password", "failed"), ("password", "ok")]

    again = app.test_client().get(link)
    assert again.status_code == 410
    assert translated("es", "Ask for a new link") in unescaped_page_text(again)
    assert app.test_client().post(link, data={"new_password": "yet another password", "confirm":
                                              "yet another password"}).status_code == 410


def test_the_form_says_the_same_for_strangers_and_mails_nobody(app, mailbox, make_user):
    make_user("ghost", email="ghost@example.org", status="dismissed")
    for email in ("nobody@example.org", "ghost@example.org"):
        response = ask(app.test_client(), email)
        assert response.status_code == 302 and response.location == "/login"
    assert mailbox.messages == []
    invalid = ask(app.test_client(), "not an address")
    assert invalid.status_code == 200 and "Enter a valid e-mail address." in page_text(invalid)
    assert 'value="not an address"' in page_text(invalid)  # what was typed stays


def test_an_expired_or_forged_link_does_not_work(app, mailbox, make_user):
    make_user("kim", email="kim@example.org")
    ask(app.test_client(), "kim@example.org")
    link = reset_link(mailbox.messages[0])
    assert app.test_client().get(link[:-4] + "AAAA").status_code == 404
    assert app.test_client().get("/password/reset/garbage").status_code == 404
    app.config["PASSWORD_RESET_HOURS"] = 0
    time.sleep(1.1)  # signed timestamps have a one-second resolution
    expired = app.test_client().get(link)
    assert expired.status_code == 410 and "This link has expired" in page_text(expired)


def test_a_link_stops_working_once_the_password_changes_another_way(app, mailbox, make_user):
    member = make_user("lee", email="lee@example.org")
    ask(app.test_client(), "lee@example.org")
    link = reset_link(mailbox.messages[0])
    browser = signed_in(app, member)
    browser.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW})
    assert app.test_client().get(link).status_code == 410


def test_requests_for_one_address_are_limited(app, mailbox, make_user):
    make_user("max", email="max@example.org")
    for _ in range(3):
        assert ask(app.test_client(), "max@example.org").status_code == 302
    assert ask(app.test_client(), "max@example.org").status_code == 429
    assert len(mailbox.messages) == 3


def test_with_ign_the_login_page_and_the_reset_address_point_to_ign(app, client):
    assert re.search(r'<a href="/password/reset">', page_text(client.get("/login")))
    app.config.update(IGN_OIDC_ISSUER="http://127.0.0.1:9/", IGN_OIDC_CLIENT_ID="portal",
                      IGN_OIDC_CLIENT_SECRET="secret", IGN_URL="https://ign.example.net/reset")
    page = page_text(client.get("/login"))
    assert "/password/reset" not in page and 'href="https://ign.example.net/reset"' in page
    response = client.get("/password/reset")
    assert response.status_code == 302 and response.location == "https://ign.example.net/reset"
    assert user_named("nobody") is None
