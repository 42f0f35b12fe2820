"""The ILEA Global Network's OpenID provider for the tests (tests/oidc_provider.py), served over
HTTP on 127.0.0.1, and the portal configured to sign in with it. Registered by tests/conftest.py."""
import pytest

from tests.conftest import HOST
from tests.oidc_provider import OpenIDProvider


@pytest.fixture
def ign_provider():
    """A running provider with no accounts yet (add them with .add_account(sub, email, ...))."""
    provider = OpenIDProvider(redirect_uris=[f"http://{HOST}/login/ign/callback"]).start()
    yield provider
    provider.stop()


@pytest.fixture
def ign_app(app, ign_provider):
    """The portal offering sign-in with the test's provider; its public address is the test host."""
    app.config.update(ign_provider.portal_config, PORTAL_URL=f"http://{HOST}")
    return app
