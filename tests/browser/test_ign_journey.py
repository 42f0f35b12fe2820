"""Signing in with the ILEA Global Network in Chromium: the portal under gunicorn, the provider's
sign-in page (tests/oidc_provider.py), both over HTTP on 127.0.0.1."""
import pytest

from forum.extensions import db
from tests.conftest import user_named

BUTTON = "Sign in with the ILEA Global Network"


@pytest.fixture
def portal(serve, ign_provider):
    """The portal's address, served by gunicorn and registered with the provider."""
    base = serve(**ign_provider.portal_config)
    ign_provider.client.redirect_uris.append(f"{base}/login/ign/callback")
    return base


def sign_in_at_the_provider(page, base, provider, email):
    page.goto(f"{base}/login?next=/c/general")
    page.get_by_role("button", name=BUTTON).click()
    page.wait_for_url(f"{provider.issuer}/authorize?**")
    page.fill("#email", email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: url.startswith(base))


def test_a_member_signs_in_with_the_ilea_global_network(portal, new_page, make_user, ign_provider):
    make_user("alice", email="alice@example.org", display_name="Alice Agent")
    ign_provider.add_account("ign-0001", "alice@example.org")
    page = new_page()
    sign_in_at_the_provider(page, portal, ign_provider, "alice@example.org")
    assert page.url == f"{portal}/c/general"
    assert "Alice Agent" in page.inner_text("header")
    db.session.expire_all()
    assert user_named("alice").ign_subject == "ign-0001"


def test_a_stranger_is_refused_and_shown_the_contact_form(portal, new_page, make_user, ign_provider):
    make_user("alice")
    ign_provider.add_account("ign-0099", "stranger@example.org")
    page = new_page()
    sign_in_at_the_provider(page, portal, ign_provider, "stranger@example.org")
    assert page.url == f"{portal}/login"
    assert "No member of the portal has the e-mail address stranger@example.org." in page.inner_text(".flashes")
    page.locator(".flashes").get_by_role("link", name="Contact us").click()
    page.wait_for_url(f"{portal}/contact")
    assert page.get_by_role("button", name=BUTTON).count() == 0
