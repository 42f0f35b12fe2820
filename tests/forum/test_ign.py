"""Signing in with the ILEA Global Network: OpenID Connect against a real provider over HTTP
(tests/oidc_provider.py), the portal through the test client."""
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from forum.accounts import invitations
from forum.extensions import db
from forum.models import Invitation, LoginEvent, utcnow
from tests.conftest import HOST, is_signed_in, page_text, unescaped_page_text, user_named

BUTTON = "Sign in with the ILEA Global Network"
FAILED = "Signing in with the ILEA Global Network did not work. Please try again later."
CANCELLED = "Signing in with the ILEA Global Network was cancelled."
UNVERIFIED = ("The ILEA Global Network has not verified the e-mail address of your account, "
              "so the portal cannot tell which member you are.")
CONTACT_LINK = '<a href="/contact">Contact us</a>'


def start(client, next_page=None, **form):
    """Press the button on the login page: the portal sends the browser to the provider."""
    response = client.post("/login/ign" + (f"?next={next_page}" if next_page else ""), data=form)
    assert response.status_code == 302
    return response.location


def sign_in(client, provider, email, **form):
    """The whole round trip: portal, provider's sign-in page, back to the portal's callback."""
    return client.get(provider.sign_in(start(client, **form), email))


def shown_after(client, response):
    """The page the browser lands on after the redirect, with the flashed messages."""
    assert response.status_code == 302
    return unescaped_page_text(client.get(response.location))


def events(user):
    return [(event.method, event.outcome) for event in db.session.scalars(
        db.select(LoginEvent).where(LoginEvent.user_id == user.id).order_by(LoginEvent.id))]


def test_the_login_page_offers_ign_only_when_configured(app, client, ign_provider):
    page = page_text(client.get("/login"))
    assert BUTTON not in page
    assert "form-action 'self';" in client.get("/login").headers["Content-Security-Policy"]
    app.config.update(ign_provider.portal_config)
    response = client.get("/login?next=/c/general")
    assert BUTTON in page_text(response)
    assert 'action="/login/ign?next=/c/general"' in page_text(response)
    # The button's form redirects to the provider: the policy lets that redirect through.
    assert f"form-action 'self' {ign_provider.issuer};" in response.headers["Content-Security-Policy"]


def test_the_ign_routes_are_not_found_when_ign_is_not_configured(client):
    assert client.post("/login/ign", data={}).status_code == 404
    assert client.get("/login/ign/callback?code=abc&state=def").status_code == 404


def test_starting_needs_the_csrf_token(ign_app, client):
    assert client.post("/login/ign", data={}, csrf=False).status_code == 400


def test_a_member_signs_in_through_ign_and_is_linked_by_verified_email(ign_app, client, make_user, ign_provider,
                                                                        caplog):
    caplog.set_level("INFO", logger=ign_app.logger.name)
    alice = make_user("alice", email="alice@example.org")
    ign_provider.add_account("ign-0001", "Alice@Example.org")
    authorization = start(client, next_page="/c/general")
    assert authorization.startswith(f"{ign_provider.issuer}/authorize?")
    query = parse_qs(urlsplit(authorization).query)
    assert query["redirect_uri"] == [f"http://{HOST}/login/ign/callback"]
    assert query["client_id"] == [ign_provider.client_id]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["state"] and query["nonce"]

    response = client.get(ign_provider.sign_in(authorization, "alice@example.org"))
    assert (response.status_code, response.location) == (302, "/c/general")
    assert is_signed_in(client)
    assert user_named("alice").ign_subject == "ign-0001"
    assert events(alice) == [("ign", "ok")]
    assert "login through IGN succeeded for alice from 127.0.0.1" in caplog.text


def test_a_linked_member_is_found_by_subject_after_changing_email(ign_app, client, make_user, ign_provider):
    alice = make_user("alice", email="alice@example.org", ign_subject="ign-0001")
    ign_provider.add_account("ign-0001", "alice.new@elsewhere.example", email_verified=False)
    response = sign_in(client, ign_provider, "alice.new@elsewhere.example")
    assert (response.status_code, response.location) == (302, "/")
    assert is_signed_in(client)
    assert events(alice) == [("ign", "ok")]


def test_the_language_chosen_before_signing_in_becomes_the_members(ign_app, client, make_user, ign_provider):
    make_user("alice")
    ign_provider.add_account("ign-0001", "alice@example.org")
    client.post("/language", data={"language": "fr"})
    sign_in(client, ign_provider, "alice@example.org")
    assert user_named("alice").preferred_language == "fr"


def test_signing_in_starts_a_fresh_session(ign_app, client, make_user, ign_provider):
    make_user("alice")
    ign_provider.add_account("ign-0001", "alice@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    callback = ign_provider.sign_in(start(client), "alice@example.org")
    token_before = client.csrf_token()
    client.get(callback)
    with client.session_transaction() as session:
        assert "planted" not in session
    assert client.csrf_token() != token_before


def test_an_unverified_email_does_not_link(ign_app, client, make_user, ign_provider):
    make_user("alice", email="alice@example.org")
    ign_provider.add_account("ign-0001", "alice@example.org", email_verified=False)
    page = shown_after(client, sign_in(client, ign_provider, "alice@example.org"))
    assert f"{UNVERIFIED} {CONTACT_LINK}" in page
    assert not is_signed_in(client)
    assert user_named("alice").ign_subject is None


def test_a_stranger_is_refused_with_a_link_to_the_contact_form(ign_app, client, make_user, ign_provider, caplog):
    make_user("alice")
    ign_provider.add_account("ign-0099", "stranger@example.org")
    response = sign_in(client, ign_provider, "stranger@example.org")
    assert response.location == "/login"
    page = page_text(client.get(response.location))
    assert f"No member of the portal has the e-mail address stranger@example.org. {CONTACT_LINK}" in page
    assert not is_signed_in(client)
    assert "IGN sign-in refused: no member for ign-0099 (stranger@example.org" in caplog.text


def test_an_email_linked_to_another_ign_account_does_not_link_again(ign_app, client, make_user, ign_provider):
    make_user("alice", email="alice@example.org", ign_subject="ign-0001")
    ign_provider.add_account("ign-0002", "alice@example.org")
    page = shown_after(client, sign_in(client, ign_provider, "alice@example.org"))
    assert "No member of the portal has the e-mail address alice@example.org." in page
    assert not is_signed_in(client)
    assert user_named("alice").ign_subject == "ign-0001"


@pytest.mark.parametrize("status, message", [
    ("suspended", "This account is suspended until"),
    ("dismissed", "This account is not active. Contact the portal administrators."),
])
def test_suspended_and_dismissed_members_are_refused(ign_app, client, make_user, ign_provider, status, message):
    fields = {"suspended_until": utcnow() + timedelta(days=3)} if status == "suspended" else {"status": status}
    sam = make_user("sam", **fields)
    ign_provider.add_account("ign-0007", "sam@example.org")
    page = shown_after(client, sign_in(client, ign_provider, "sam@example.org"))
    assert message in page
    assert not is_signed_in(client)
    assert events(sam) == [("ign", "refused")]
    # As after a right password: a link to read the decision and appeal it.
    record = page.split('<a href="/account/record/', 1)[1].split('"', 1)[0]
    assert "Read the decision about your account and appeal it" in page
    assert client.get(f"/account/record/{record}").status_code == 200


def test_a_tampered_or_missing_state_is_refused(ign_app, client, make_user, ign_provider, caplog):
    make_user("alice")
    ign_provider.add_account("ign-0001", "alice@example.org")
    callback = ign_provider.sign_in(start(client), "alice@example.org")
    query = parse_qs(urlsplit(callback).query)
    tampered = client.get(f"/login/ign/callback?code={query['code'][0]}&state=forged-state")
    assert FAILED in shown_after(client, tampered)
    assert FAILED in shown_after(client, client.get(f"/login/ign/callback?code={query['code'][0]}"))
    assert not is_signed_in(client)
    assert "IGN sign-in failed from 127.0.0.1" in caplog.text
    assert user_named("alice").ign_subject is None


def test_a_callback_cannot_be_replayed_in_another_browser(ign_app, client, make_user, ign_provider):
    make_user("alice")
    ign_provider.add_account("ign-0001", "alice@example.org")
    callback = ign_provider.sign_in(start(client), "alice@example.org")
    other_browser = ign_app.test_client()
    assert FAILED in shown_after(other_browser, other_browser.get(callback))
    assert not is_signed_in(other_browser)


@pytest.mark.parametrize("fault", ["foreign_key", "audience", "nonce", "issuer", "no_id_token"])
def test_an_id_token_that_fails_verification_is_refused(ign_app, client, make_user, ign_provider, fault):
    """Signed by another key under the provider's key id, issued to another client (naming us as
    authorized party), for another nonce, by another issuer, or no ID token at all."""
    make_user("alice")
    ign_provider.add_account("ign-0001", "alice@example.org")
    ign_provider.misbehave = fault
    response = sign_in(client, ign_provider, "alice@example.org")
    assert FAILED in shown_after(client, response)
    assert not is_signed_in(client)
    assert user_named("alice").ign_subject is None


def test_the_member_cancelling_at_the_provider(ign_app, client, ign_provider):
    callback = ign_provider.sign_in(start(client), "", decision="deny")
    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]
    assert CANCELLED in shown_after(client, client.get(callback))
    assert not is_signed_in(client)


def test_the_provider_being_down_when_signing_in_starts(ign_app, client, ign_provider):
    ign_provider.stop()
    response = client.post("/login/ign", data={})
    assert response.location == "/login"
    assert FAILED in shown_after(client, response)


def test_the_provider_going_down_before_the_code_is_exchanged(ign_app, client, make_user, ign_provider):
    make_user("alice")
    ign_provider.add_account("ign-0001", "alice@example.org")
    callback = ign_provider.sign_in(start(client), "alice@example.org")
    ign_provider.stop()
    assert FAILED in shown_after(client, client.get(callback))
    assert not is_signed_in(client)


def test_pkce_the_code_is_worthless_without_the_portals_verifier(ign_app, client, make_user, ign_provider):
    make_user("alice")
    ign_provider.add_account("ign-0001", "alice@example.org")
    authorization = start(client)
    query = parse_qs(urlsplit(authorization).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    callback = ign_provider.sign_in(authorization, "alice@example.org")
    code = parse_qs(urlsplit(callback).query)["code"][0]

    def exchange(**verifier):
        return requests.post(f"{ign_provider.issuer}/token", timeout=10, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": query["redirect_uri"][0],
            "client_id": ign_provider.client_id, "client_secret": ign_provider.client_secret, **verifier})

    # Someone holding the code and even the client's secret gets nothing without the verifier.
    assert exchange().json()["error_description"] == "Missing 'code_verifier'"
    assert exchange(code_verifier="x" * 43).json()["error"] == "invalid_grant"
    response = client.get(callback)  # the portal has the verifier
    assert response.location == "/" and is_signed_in(client)


def test_the_provider_refuses_a_client_without_pkce(ign_provider):
    response = requests.get(f"{ign_provider.issuer}/authorize", timeout=10, params={
        "response_type": "code", "client_id": ign_provider.client_id, "scope": "openid email",
        "redirect_uri": f"http://{HOST}/login/ign/callback", "state": "s", "nonce": "n"})
    assert response.status_code == 400


def test_an_invited_member_signing_in_with_ign_spends_the_invitation(ign_app, client, make_user, ign_provider):
    kate = make_user("kate", password_hash=None, accepted=False)
    invitation = Invitation(user_id=kate.id, nonce="0" * 32, created_at=utcnow(),
                            expires_at=utcnow() + timedelta(days=14))
    db.session.add(invitation)
    db.session.commit()
    link = f"/invitation/{invitations.token_for(invitation)}"
    page = page_text(client.get(link))
    assert BUTTON in page and 'action="/login/ign?next=/conduct"' in page
    token = link.rsplit("/", 1)[1]
    ign_provider.add_account("ign-0042", "kate@example.org")
    response = client.get(ign_provider.sign_in(start(client, next_page="/conduct", invitation=token),
                                               "kate@example.org"))
    assert response.location == "/conduct"
    assert is_signed_in(client)
    assert db.session.get(Invitation, invitation.id).used_at is not None
    assert ign_app.test_client().get(link).status_code == 410


def test_an_invitation_is_not_spent_by_another_members_sign_in(ign_app, client, make_user, ign_provider):
    kate = make_user("kate", password_hash=None)
    make_user("alice")
    invitation = Invitation(user_id=kate.id, nonce="1" * 32, created_at=utcnow(),
                            expires_at=utcnow() + timedelta(days=14))
    db.session.add(invitation)
    db.session.commit()
    ign_provider.add_account("ign-0001", "alice@example.org")
    sign_in(client, ign_provider, "alice@example.org", invitation=invitations.token_for(invitation))
    assert is_signed_in(client)
    assert db.session.get(Invitation, invitation.id).used_at is None
