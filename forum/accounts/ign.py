"""Sign-in with the ILEA Global Network (OpenID Connect).

The portal is a confidential client of the IGN's OpenID provider and uses the authorization code
flow with PKCE (S256). Authlib checks the state, sends the code verifier, and verifies the nonce
and the ID token's signature (keys from the provider's JWKS), issuer, audience and expiry; nothing
here handles keys or tokens by hand.

A member is found by their IGN subject; at the first sign-in, by the IGN account's e-mail address
if the provider says it is verified, which links the subject to the member for good.
"""
from urllib.parse import urlsplit

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import current_app, url_for
from joserfc.errors import JoseError
from requests import RequestException
from sqlalchemy import select, update

from forum.accounts import services
from forum.extensions import db
from forum.models import Invitation, User, utcnow

SCOPE = "openid email profile"
# What can go wrong between us and the provider: its answers (OAuth errors, a missing or wrong
# state), the ID token (signature, claims), the network, and answers that are not JSON.
PROVIDER_ERRORS = (AuthlibBaseError, JoseError, RequestException, ValueError)


class NoIdToken(AuthlibBaseError):
    error = "no_id_token"


def enabled():
    """IGN sign-in is offered when the issuer and the client's credentials are configured."""
    config = current_app.config
    return bool(config["IGN_OIDC_ISSUER"] and config["IGN_OIDC_CLIENT_ID"] and config["IGN_OIDC_CLIENT_SECRET"])


def provider_origin():
    """The provider's origin (scheme, host and port), where the sign-in form's redirect leads."""
    issuer = urlsplit(current_app.config["IGN_OIDC_ISSUER"])
    return f"{issuer.scheme}://{issuer.netloc}"


def _client():
    # One Authlib client per app, made from its configuration on first use; it keeps the
    # provider's metadata and keys (fetched again when the provider signs with a new key).
    app = current_app._get_current_object()
    if "ign" not in app.extensions:
        config = app.config
        oauth = OAuth(app)
        oauth.register(
            "ign", client_id=config["IGN_OIDC_CLIENT_ID"], client_secret=config["IGN_OIDC_CLIENT_SECRET"],
            server_metadata_url=config["IGN_OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": 10})
        app.extensions["ign"] = oauth.create_client("ign")
    return app.extensions["ign"]


def redirect_uri():
    """The callback address registered with the provider: from PORTAL_URL, so it holds behind proxies."""
    return current_app.config["PORTAL_URL"].rstrip("/") + url_for("auth.ign_callback")


def authorization_redirect():
    """The redirect to the provider's sign-in page; state, nonce and code verifier wait in the session."""
    return _client().authorize_redirect(redirect_uri())


def verified_claims():
    """The claims of the ID token the provider returned to the callback, once Authlib has checked
    the state, exchanged the code with the verifier and verified the token. Raises PROVIDER_ERRORS."""
    config = current_app.config
    token = _client().authorize_access_token(claims_options={
        "iss": {"essential": True, "value": config["IGN_OIDC_ISSUER"]},
        "aud": {"essential": True, "value": config["IGN_OIDC_CLIENT_ID"]},
    })
    if not token.get("userinfo"):
        raise NoIdToken(description="the token response carried no ID token")
    return token["userinfo"]


def member_for(claims):
    """The member the IGN account belongs to: by subject, else by a verified e-mail address of a
    member not yet linked to another IGN account. None if there is no such member."""
    member = db.session.scalar(select(User).where(User.ign_subject == claims["sub"]))
    if member is None and claims.get("email_verified") is True and claims.get("email"):
        member = db.session.scalar(select(User).where(User.email == claims["email"].strip().lower(),
                                                      User.ign_subject.is_(None)))
    return member


def sign_in(member, claims, language=None, invitation_id=None):
    """Record a sign-in through IGN: link the subject at the first one, spend the invitation the
    member came from, if any, and note the login (one commit)."""
    member.ign_subject = claims["sub"]
    if invitation_id is not None:
        db.session.execute(update(Invitation).where(Invitation.id == invitation_id, Invitation.user_id == member.id,
                                                    Invitation.used_at.is_(None)).values(used_at=utcnow()))
    services.record_login(member, "ign", language)
