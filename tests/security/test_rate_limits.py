"""Rate limits hold where an attacker would push: across gunicorn workers, behind a spoofed
X-Forwarded-For, and while Redis is down (each process then counts on its own)."""
import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import CsrfClient, portal_config
from tests.mail_fixtures import sqlalchemy_url
from tests.processes import Gunicorn
from wsgi import create_app

LIMIT = "3 per 5 minutes"


def failed_login(client, login="nobody", **headers):
    return client.post("/login", data={"login": login, "password": "wrong"}, headers=headers).status_code


@pytest.fixture
def limited_app(database_url, redis_server):
    """The portal with its limits in the test's Redis, as in production."""
    app = create_app({**portal_config(database_url), "RATELIMIT_STORAGE_URI": redis_server.url, "LOGIN_LIMIT": LIMIT})
    app.test_client_class = CsrfClient
    return app


def test_a_spoofed_forwarded_for_does_not_reset_the_limit(limited_app):
    client = limited_app.test_client()
    # Different accounts each time: only the per-address limit can stop these.
    statuses = [failed_login(client, f"user{n}", **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_behind_a_proxy_only_the_address_the_proxy_saw_counts(limited_app):
    limited_app.config["PROXY_FIX_COUNT"] = 1
    app = create_app({**limited_app.config, "PROXY_FIX_COUNT": 1})  # ProxyFix is set up at creation
    app.test_client_class = CsrfClient
    client = app.test_client()
    # The client writes whatever it likes first; the proxy appends the address it saw.
    statuses = [failed_login(client, f"user{n}", **{"X-Forwarded-For": f"10.0.0.{n}, 203.0.113.7"})
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert failed_login(client, "user9", **{"X-Forwarded-For": "203.0.113.8"}) == 200  # another address


def test_with_redis_down_the_portal_answers_and_still_limits_per_process(limited_app, redis_server):
    client = limited_app.test_client()
    assert [failed_login(client, f"user{n}") for n in range(2)] == [200, 200]
    redis_server.stop()
    # No error page: the counts go on in this process's memory, from zero.
    assert [failed_login(client, f"other{n}") for n in range(4)] == [200, 200, 200, 429]
    assert client.get("/login").status_code == 200


def browser(base):
    """A cookie-keeping HTTP client that sends the form's CSRF token, against a real server."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def failed_login(login):
        page = opener.open(f"{base}/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "login": login, "password": "wrong"}).encode()
        try:
            return opener.open(f"{base}/login", data=data).status
        except urllib.error.HTTPError as error:
            return error.code
    return failed_login


def test_the_limit_holds_across_two_gunicorn_workers(database_url, redis_server, app, tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "SECRET_KEY": "test-secret-key",
           "DATABASE_URL": sqlalchemy_url(database_url), "RATELIMIT_STORAGE_URI": redis_server.url,
           "LOGIN_LIMIT": "6 per 5 minutes", "CELERY_BROKER_URL": "", "MAIL_SERVER": "",
           "MAIL_FILE_DIR": str(tmp_path / "mail")}
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    server.start()
    try:
        attempt = browser(server.url)
        attempt("warm-up")  # one session (and CSRF token) before the requests run side by side
        # Four at a time: a sync worker serves one request at once, so both workers must answer.
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda n: attempt(f"user{n}"), range(24)))
    finally:
        server.stop()
    posts = [(pid, status) for pid, method, path, status in server.served() if method == "POST"]
    assert len({pid for pid, _ in posts}) == 2, server.log()[-3000:]  # both workers answered
    # Only failures count, and they are counted after the answer: requests side by side may slip
    # through together (at most one per other thread). A count per process would let each worker
    # allow six on its own; shared, a worker refuses before it has let six through itself.
    allowed = statuses.count(200) + 1  # the warm-up failed too
    assert 6 <= allowed <= 6 + 3 and statuses.count(429) == 24 - (allowed - 1)
    let_through = Counter()
    for pid, status in posts:
        if status == "200":
            let_through[pid] += 1
        elif let_through[pid] < 6:
            break  # a refusal by a worker that had counted fewer than six itself: the count is shared
    else:
        raise AssertionError(f"no worker refused before its own sixth failure: {posts}")
