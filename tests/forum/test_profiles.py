"""Alumni profiles: reading them, editing one's own, changing the password."""
import re

import pytest

from forum.extensions import db
from forum.models import User
from tests.conftest import HOST, PASSWORD, is_signed_in, login, page_text, signed_in

NEW_PASSWORD = "a much longer new passphrase"
PROFILE = {"display_name": "Alice Martin", "academy": "budapest", "class_session": "Session 101",
           "graduation_year": "2008", "country": "Hungary", "agency": "Interpol liaison office",
           "preferred_language": "en", "bio": "I work on **cross-border** cases."}


def reloaded(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_member_reads_another_members_profile_with_sanitized_bio(app, make_user, member_client):
    bob = make_user("bob")
    bob_client = signed_in(app, bob)
    bob_client.post("/account/profile", data={
        **PROFILE, "display_name": "Bob Chaiyaporn", "academy": "bangkok", "country": "Thailand",
        "agency": "Royal Thai Police", "bio": "I lead **cyber** units.\n\n<script>alert('x')</script>"})

    response = member_client.get("/u/bob")
    page = page_text(response)
    assert response.status_code == 200
    for shown in ("Bob Chaiyaporn", "ILEA Bangkok", "Thailand", "Royal Thai Police", "<strong>cyber</strong>"):
        assert shown in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # the portal's own script has a src
    assert "Edit profile" not in page  # only on one's own profile


def test_member_edits_own_profile(member, member_client):
    form = page_text(member_client.get("/account/profile"))
    assert 'value="Alice"' in form
    response = member_client.post("/account/profile", data=PROFILE)
    assert (response.status_code, response.location) == (302, "/u/alice")
    saved = reloaded(member)
    assert (saved.display_name, saved.academy, saved.class_session, saved.graduation_year, saved.country,
            saved.agency, saved.bio_source) == ("Alice Martin", "budapest", "Session 101", 2008, "Hungary",
                                                "Interpol liaison office", "I work on **cross-border** cases.")
    page = page_text(member_client.get("/u/alice"))
    assert "ILEA Budapest" in page and "<strong>cross-border</strong>" in page
    assert "I work on **cross-border** cases." in page_text(member_client.get("/account/profile"))


@pytest.mark.parametrize("year, error", [("1990", "Enter a year between 1995 and"),
                                         ("abc", "Not a valid integer value.")])
def test_invalid_graduation_year_is_refused_and_typing_kept(member, member_client, year, error):
    response = member_client.post("/account/profile", data={**PROFILE, "graduation_year": year})
    page = page_text(response)
    assert response.status_code == 200
    assert error in page
    assert 'value="Alice Martin"' in page and 'value="Interpol liaison office"' in page
    assert "I work on **cross-border** cases." in page
    saved = reloaded(member)
    assert (saved.display_name, saved.graduation_year) == ("Alice", None)


def test_profile_form_cannot_change_role_status_or_username(member, member_client):
    response = member_client.post("/account/profile", data={
        **PROFILE, "role": "admin", "status": "dismissed", "username": "mallory", "email": "m@evil.example"})
    assert response.status_code == 302
    saved = reloaded(member)
    assert (saved.role, saved.status, saved.username, saved.email) == (
        "member", "active", "alice", "alice@example.org")
    assert saved.display_name == "Alice Martin"


def test_wrong_current_password_changes_nothing(app, member, member_client):
    response = member_client.post("/account/password", data={
        "current_password": "not my password", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert "The current password is not correct." in page_text(response)
    login(app.test_client(), member, PASSWORD)


def test_password_change_signs_out_other_devices_only(app, member, member_client):
    other = signed_in(app, member)
    response = member_client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (response.status_code, response.location) == (302, "/u/alice")
    assert is_signed_in(member_client)
    assert not is_signed_in(other)
    login(app.test_client(), member, NEW_PASSWORD)
    old = app.test_client().post("/login", data={"login": "alice", "password": PASSWORD})
    assert old.status_code == 200 and "The username, e-mail or password is not correct." in page_text(old)


def test_password_change_keeps_this_browser_remembered(app, member):
    browser = signed_in(app, member, remember="y")
    browser.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    reopened = app.test_client()  # the browser restarted: the session cookie is gone, the remember cookie kept
    reopened.set_cookie("remember_token", browser.get_cookie("remember_token", domain=HOST).value, domain=HOST)
    assert is_signed_in(reopened)


def test_unknown_profile_is_404(member_client):
    assert member_client.get("/u/nobody").status_code == 404
