"""A closed portal: signing in and out, sessions, rate limits, the login page and the contact form."""
import re

import pytest

from forum.extensions import db
from forum.models import AccountRequest
from tests.conftest import HOST, PASSWORD, is_signed_in, login, page_text, signed_in, unescaped_page_text

NOT_ACTIVE = "This account is not active. Contact the portal administrators."
WRONG_LOGIN = "The username, e-mail or password is not correct."


def attempt(client, login_value, password="wrong password", ip="127.0.0.1"):
    return client.post("/login", data={"login": login_value, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize("path", ["/", "/c/general", "/u/x", "/admin/", "/account/profile"])
def test_anonymous_visitor_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location == "/login?next=" + path.replace("/", "%2F")


@pytest.mark.parametrize("path", ["/login", "/conduct", "/contact"])
def test_public_pages_need_no_account(client, path):
    assert client.get(path).status_code == 200


def test_stylesheet_is_served_to_anonymous_visitors(client):
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page_text(client.get("/login"))).group(1)
    assert stylesheet.startswith("/static/")
    assert client.get(stylesheet).status_code == 200


@pytest.mark.parametrize("login_value", ["alice", "ALICE", "alice@example.org", "Alice@Example.ORG"])
def test_login_by_username_or_email_in_any_case(client, member, login_value):
    response = client.post("/login", data={"login": login_value, "password": PASSWORD})
    assert (response.status_code, response.location) == (302, "/")
    assert is_signed_in(client)


def test_wrong_password_shows_error_and_keeps_login(client, member):
    response = attempt(client, "Alice")
    page = page_text(response)
    assert response.status_code == 200
    assert WRONG_LOGIN in page
    assert 'value="Alice"' in page
    assert "wrong password" not in page
    assert not is_signed_in(client)


@pytest.mark.parametrize("target, expected", [
    ("/c/general?kind=story", "/c/general?kind=story"),
    ("//evil.example", "/"),
    ("https://evil.example", "/"),
    ("/\\evil", "/"),
    ("/\t/evil.example", "/"),  # browsers drop tabs and newlines: this is //evil.example
    ("/\r\n/evil.example", "/"),
    ("/c/general\n", "/"),
])
def test_next_is_followed_only_to_local_paths(client, member, target, expected):
    form = page_text(client.get("/login", query_string={"next": target}))
    assert 'action="/login?next=' in form
    response = client.post("/login", query_string={"next": target},
                           data={"login": "alice", "password": PASSWORD})
    assert (response.status_code, response.location) == (302, expected)


@pytest.mark.parametrize("ticked", [True, False])
def test_remember_me_cookie_only_when_ticked(app, client, member, ticked):
    login(client, member, **({"remember": "y"} if ticked else {}))
    cookie = client.get_cookie("remember_token", domain=HOST)
    assert (cookie is not None) == ticked
    if ticked:  # the cookie alone signs the member in on a fresh browser session
        fresh = app.test_client()
        fresh.set_cookie("remember_token", cookie.value, domain=HOST)
        assert is_signed_in(fresh)


def test_logout_needs_post(member_client):
    assert member_client.get("/logout").status_code == 405
    assert is_signed_in(member_client)


def test_logout_ends_every_session_of_the_member(app, member, member_client):
    other = signed_in(app, member, remember="y")
    old_session = member_client.get_cookie("session", domain=HOST).value
    old_remember = other.get_cookie("remember_token", domain=HOST).value

    response = member_client.post("/logout", data={})
    assert (response.status_code, response.location) == (302, "/login")
    assert "You have signed out." in page_text(member_client.get("/login"))

    assert not is_signed_in(member_client)
    assert not is_signed_in(other)
    for name, value in (("session", old_session), ("remember_token", old_remember)):
        replay = app.test_client()
        replay.set_cookie(name, value, domain=HOST)
        response = replay.get("/")
        assert response.location.startswith("/login")
        assert "Sign in" in page_text(replay.get(response.location))


@pytest.mark.parametrize("status", ["suspended", "dismissed"])
def test_inactive_member_cannot_log_in(client, make_user, status):
    make_user("sam", status=status)
    response = attempt(client, "sam", password=PASSWORD)
    assert response.status_code == 200
    assert NOT_ACTIVE in page_text(response)
    assert not is_signed_in(client)


@pytest.mark.parametrize("status", ["suspended", "dismissed"])
def test_session_stops_working_when_member_is_suspended(member, member_client, status):
    assert is_signed_in(member_client)
    member.status = status
    db.session.commit()
    response = member_client.get("/c/general")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_post_without_csrf_token_is_refused(client, member, member_client):
    assert client.post("/login", data={"login": "alice", "password": PASSWORD}, csrf=False).status_code == 400
    assert member_client.post("/logout", data={}, csrf=False).status_code == 400
    assert is_signed_in(member_client)


def test_login_rate_limit_per_account(app, make_user):
    make_user("alice")
    make_user("bob")
    client = app.test_client()
    for i in range(10):
        assert attempt(client, "alice", ip=f"10.0.0.{i}").status_code == 200
    # Further attempts on that account are refused from anywhere, even with the right password.
    refused = attempt(client, "ALICE", password=PASSWORD, ip="10.0.1.1")
    assert refused.status_code == 429 and "Too many attempts" in page_text(refused)
    assert attempt(client, "bob", password=PASSWORD, ip="10.0.1.1").status_code == 302


def test_login_rate_limit_per_account_counts_username_and_email_together(app, member):
    client = app.test_client()
    for i in range(5):
        assert attempt(client, "alice", ip=f"10.0.0.{i}").status_code == 200
        assert attempt(client, "alice@example.org", ip=f"10.0.1.{i}").status_code == 200
    assert attempt(client, "alice", ip="10.0.2.1").status_code == 429


def test_login_rate_limit_per_address(app, member):
    client = app.test_client()
    for i in range(10):
        assert attempt(client, f"nobody{i}", ip="10.9.9.9").status_code == 200
    assert attempt(client, "alice", password=PASSWORD, ip="10.9.9.9").status_code == 429
    assert attempt(app.test_client(), "alice", password=PASSWORD, ip="10.9.9.10").status_code == 302


def test_successful_logins_do_not_count_towards_the_limit(app, member):
    for _ in range(9):
        assert attempt(app.test_client(), "alice").status_code == 200
    for _ in range(3):
        assert attempt(app.test_client(), "alice", password=PASSWORD).status_code == 302
    assert attempt(app.test_client(), "alice").status_code == 200  # the 10th failure
    assert attempt(app.test_client(), "alice", password=PASSWORD).status_code == 429


SEED_NOTICE = {"en": "you can reset your password in the", "es": "Para restablecer su contraseña",
               "fr": "Vous pouvez réinitialiser le mot de passe", "th": "หากท่านต้องการตั้งรหัสผ่านใหม่",
               "pt": "Para redefinir a sua palavra-passe"}


@pytest.mark.parametrize("lang", SEED_NOTICE)
def test_login_page_shows_the_seed_reset_notice_in_the_visitors_language(app, client, lang):
    # Passwords are reset in the IGN application when the portal signs in with the IGN.
    app.config.update(IGN_URL="https://ign.example.net/reset", IGN_OIDC_ISSUER="https://ign.example.net",
                      IGN_OIDC_CLIENT_ID="alumni-portal", IGN_OIDC_CLIENT_SECRET="secret")
    client.set_cookie("lang", lang, domain=HOST)
    page = unescaped_page_text(client.get("/login"))
    assert re.search(rf'<p>[^<]*{SEED_NOTICE[lang]}[^<]*<a href="https://ign\.example\.net/reset">', page)
    assert re.search(r'<p class="contact-link">[^<]*<a href="/contact">[^<]+</a>', page)


CONTACT = {"name": "Maria Lopez", "email": "Maria.Lopez@Example.org", "academy": "san-salvador",
           "graduation_year": "2012", "message": "I forgot my username."}


def test_contact_request_is_recorded_and_thanked(client):
    response = client.post("/contact", data=CONTACT)
    assert (response.status_code, response.location) == (302, "/login")
    assert "Thank you. The portal team will reply to you by e-mail." in page_text(client.get("/login"))
    request = db.session.scalar(db.select(AccountRequest))
    assert (request.name, request.email, request.academy, request.graduation_year, request.message) == (
        "Maria Lopez", "maria.lopez@example.org", "san-salvador", 2012, "I forgot my username.")


def test_contact_with_invalid_email_keeps_what_was_typed(client):
    response = client.post("/contact", data={**CONTACT, "email": "maria at example"})
    page = page_text(response)
    assert response.status_code == 200
    assert "Enter a valid e-mail address." in page
    assert 'value="Maria Lopez"' in page and "I forgot my username." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountRequest)) == 0


def test_account_requests_are_listed_for_admins_only(client, admin_client, member_client):
    client.post("/contact", data=CONTACT)
    page = page_text(admin_client.get("/admin/requests"))
    assert "Maria Lopez" in page and "maria.lopez@example.org" in page and "I forgot my username." in page
    assert member_client.get("/admin/requests").status_code == 403


@pytest.mark.parametrize("signed_in", [False, True])
def test_security_headers(client, member, signed_in):
    if signed_in:
        login(client, member)
    response = client.get("/" if signed_in else "/login")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_response_errors_included_carries_the_security_headers(app, client, member_client):
    for response in (client.get("/login"), client.get("/no-such-page"), member_client.get("/no-such-page"),
                     member_client.get("/admin/"), client.post("/login", data={}, headers={"X-CSRF-Token": ""})):
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "object-src 'none'" in policy and "base-uri 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests


def test_hsts_is_sent_when_served_over_https(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True  # the production default
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_session_cookie_replayed_from_another_browser_is_emptied(app, member, member_client):
    stolen = member_client.get_cookie("session", domain=HOST).value
    same_browser = app.test_client()
    same_browser.set_cookie("session", stolen, domain=HOST)
    assert same_browser.get("/").status_code == 200  # the control: the cookie itself is valid

    thief = app.test_client()
    thief.set_cookie("session", stolen, domain=HOST)
    response = thief.get("/", headers={"User-Agent": "Mozilla/5.0 (elsewhere)"})
    assert response.location.startswith("/login")
    assert thief.get("/").location.startswith("/login")  # and the session stays empty afterwards


def test_sign_ins_and_denied_requests_are_logged_with_account_and_ip(app, client, member, member_client, caplog):
    caplog.set_level("INFO", logger=app.logger.name)
    attempt(app.test_client(), "alice", ip="10.1.2.3")
    attempt(app.test_client(), "alice", password=PASSWORD, ip="10.1.2.4")
    member_client.get("/admin/")
    log = "\n".join(record.getMessage() for record in caplog.records)
    assert "login failed for 'alice' from 10.1.2.3" in log
    assert "login succeeded for alice from 10.1.2.4" in log
    assert "403 GET /admin/ by alice from 127.0.0.1" in log
    assert all(record.created for record in caplog.records)  # each line carries its time


def test_session_and_remember_cookies_are_httponly_lax_and_secure_over_https(app, member):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = app.test_client().post("/login", data={"login": "alice", "password": PASSWORD, "remember": "y"})
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        flags = cookies[name]
        assert "HttpOnly" in flags and "SameSite=Lax" in flags and "Secure" in flags, flags


def test_production_configuration_defaults_to_secure_cookies(monkeypatch):
    from forum.config import from_environment
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    config = from_environment()
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(RuntimeError):
        from_environment()
