"""A small but real OpenID provider for the tests, standing in for the ILEA Global Network.

Built on Authlib's server side: an AuthorizationServer with the authorization code grant, the
OpenID Connect extension (ID tokens signed RS256 with a key made at start, nonce required) and
PKCE (an S256 code challenge required on every authorization request, its verifier checked at
the token endpoint). It publishes a discovery document and its keys (JWKS), and shows a tiny
sign-in page (an e-mail field, "Sign in" and "Cancel") that a test or a real browser fills in.
It serves HTTP on 127.0.0.1 on a free port, from a thread of the test process.

On request it misbehaves, for the negative tests: `provider.misbehave = "foreign_key"` (ID token
signed by another key under the same key id), "audience" (issued to another client, with our
client as authorized party), "nonce" (not the nonce we were sent), "issuer" (another issuer),
"no_id_token" (an access token alone)."""
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo
from flask import Flask, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from markupsafe import escape
from werkzeug.serving import make_server

SCOPES = ("openid", "email", "profile")
SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ILEA Global Network: sign in</title></head>
<body><h1>ILEA Global Network</h1>{problem}
<form method="post">
  <label for="email">E-mail</label> <input id="email" name="email" type="email" autofocus>
  <button type="submit" name="decision" value="allow">Sign in</button>
  <button type="submit" name="decision" value="deny">Cancel</button>
</form></body></html>"""


@dataclass
class Account:
    sub: str
    email: str
    email_verified: bool = True
    name: str = ""


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(name for name in (scope or "").split() if name in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(self.client_secret, client_secret or "")

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint != "token" or method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    account: Account
    nonce: str
    code_challenge: str
    code_challenge_method: str
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, request):
        data = request.payload.data
        self.server.provider.codes[code] = AuthorizationCode(
            code=code, client_id=request.client.client_id, redirect_uri=request.payload.redirect_uri,
            scope=request.scope, account=request.user, nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"))

    def query_authorization_code(self, code, client):
        found = self.server.provider.codes.get(code)
        return found if found is not None and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code):
        self.server.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.account


class S256Only(CodeChallenge):
    """PKCE as the IGN asks it of every client: an S256 challenge on every authorization request."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        if grant.request.payload.data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("An S256 'code_challenge' is required.")
        super().validate_code_challenge(grant, redirect_uri)


class IdTokens(OpenIDCode):
    """ID tokens with the provider's key and claims, or with the fault a test asked for."""

    def __init__(self, provider):
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce, request):
        return any(code.nonce == nonce for code in self.provider.codes.values())

    def resolve_client_private_key(self, client):
        return self.provider.foreign_key if self.provider.misbehave == "foreign_key" else self.provider.key

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": self.provider.key.kid}

    def get_client_claims(self, client):
        claims = {"iss": self.provider.issuer, "aud": [client.client_id]}
        if self.provider.misbehave == "audience":
            claims.update(aud=["another-client"], azp=client.client_id)
        if self.provider.misbehave == "issuer":
            claims["iss"] = "http://127.0.0.1:1/another-issuer"
        return claims

    def get_authorization_code_claims(self, authorization_code):
        claims = super().get_authorization_code_claims(authorization_code)
        if self.provider.misbehave == "nonce":
            claims["nonce"] = "not-the-nonce-you-sent"
        return claims

    def process_token(self, grant, response):
        if self.provider.misbehave == "no_id_token":
            return response[1]
        return super().process_token(grant, response)

    def generate_user_info(self, account, scope):
        info = UserInfo(sub=account.sub)
        if "email" in scope.split():
            info.update(email=account.email, email_verified=account.email_verified)
        if "profile" in scope.split():
            info["name"] = account.name
        return info


class OpenIDProvider:
    """The provider: start() serves it; accounts, clients and faults are set by the test."""

    def __init__(self, redirect_uris=("http://portal.test/login/ign/callback",)):
        self.client_id = "alumni-portal"
        self.client_secret = secrets.token_urlsafe(24)
        self.accounts = {}  # by e-mail
        self.codes = {}
        self.authorization_requests = []  # the query of each sign-in page opened, for the tests to read
        self.misbehave = None
        self.key = RSAKey.generate_key(2048, parameters={"kid": "ign-1", "use": "sig", "alg": "RS256"})
        self.foreign_key = RSAKey.generate_key(2048, parameters={"kid": "ign-1", "use": "sig", "alg": "RS256"})
        self.client = Client(self.client_id, self.client_secret, list(redirect_uris))
        self.server = None
        self.app = self._build_app()

    @property
    def issuer(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def portal_config(self):
        """The portal's settings for signing in with this provider."""
        return {"IGN_OIDC_ISSUER": self.issuer, "IGN_OIDC_CLIENT_ID": self.client_id,
                "IGN_OIDC_CLIENT_SECRET": self.client_secret}

    def add_account(self, sub, email, email_verified=True, name=""):
        self.accounts[email.lower()] = Account(sub, email, email_verified, name or email.split("@")[0].title())
        return self.accounts[email.lower()]

    def start(self):
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(target=self.server.serve_forever, name="oidc-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self._thread.join(timeout=10)

    def sign_in(self, authorization_url, email, decision="allow"):
        """Be the browser on the provider's sign-in page; returns where the provider sends it next
        (the portal's callback, with a code or an error)."""
        page = requests.get(authorization_url, timeout=10)
        assert page.status_code == 200, page.text
        answer = requests.post(authorization_url, data={"email": email, "decision": decision},
                               allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def _build_app(self):
        app = Flask("oidc_provider")
        server = AuthorizationServer(app, query_client=self._query_client, save_token=lambda token, request: None)
        server.provider = self
        server.register_grant(CodeGrant, [S256Only(required=True), IdTokens(self)])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": list(SCOPES),
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified", "name"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            try:
                grant = server.get_consent_grant(end_user=None)
            except OAuth2Error as error:
                return jsonify(error=error.error, error_description=error.description), 400
            if request.method == "GET":
                self.authorization_requests.append(request.args.to_dict())
                return SIGN_IN_PAGE.format(problem="")
            if request.form.get("decision") != "allow":
                return server.create_authorization_response(grant=grant, grant_user=None)  # access_denied
            account = self.accounts.get(request.form.get("email", "").strip().lower())
            if account is None:
                return SIGN_IN_PAGE.format(problem=f"<p>No account for {escape(request.form.get('email'))}.</p>"), 200
            return server.create_authorization_response(grant=grant, grant_user=account)

        @app.post("/token")
        def token():
            return server.create_token_response()

        return app

    def _query_client(self, client_id):
        return self.client if client_id == self.client_id else None
