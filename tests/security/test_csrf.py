"""Every state-changing request needs the CSRF token of its own, current session; GET changes nothing."""
import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.access import send
from tests.conftest import count_queries, login, signed_in
from tests.security.test_authorization import ROUTES


def example_path(rule):
    """A path that matches the rule: 1 for ids, the first choice of an any(), a word otherwise."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "general"
    return rule.build(values, append_unknown=False)[1]


def state_changing_paths(app):
    return sorted({example_path(rule) for rule in app.url_map.iter_rules()
                   if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and rule.endpoint != "static"})


def test_there_are_state_changing_routes_to_check(app):
    assert len(state_changing_paths(app)) > 30


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_every_state_changing_route_refuses_a_post_without_the_token(app, make_user, who):
    client = app.test_client()
    if who == "admin":
        make_user("boss", role="admin")
        client = signed_in(app, "boss")
    refused = {path: client.post(path, data={"reason": "x", "body": "x"}, csrf=False).status_code
               for path in state_changing_paths(app)}
    assert {path: status for path, status in refused.items() if status != 400} == {}


def test_a_token_from_before_sign_in_fails_after_it(app, client, member):
    token_before = client.csrf_token()
    login(client, member)
    response = client.post("/notifications/read", data={"csrf_token": token_before})
    assert response.status_code == 400
    assert client.post("/notifications/read", data={}).status_code == 302  # the new token works


def test_a_token_of_another_session_fails(app, make_user, member):
    make_user("bob")
    alice, bob = signed_in(app, member), signed_in(app, "bob")
    response = bob.post("/notifications/read", data={"csrf_token": alice.csrf_token()})
    assert response.status_code == 400


WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)
# Reading a thread counts a view and moves the reader's place in it (unread tracking), reading a
# conversation moves theirs there: the writes a GET may make. None changes anything a member made; a
# forged request could only mark something read.
ALLOWED_ON_GET = re.compile(r"^\s*(UPDATE threads SET view_count|INSERT INTO thread_reads"
                            r"|UPDATE conversation_members SET read_up_to)", re.I)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_no_get_route_changes_state(world, client_as, role):
    client = client_as(role)
    writes, views = {}, 0
    for _endpoint, method, path, data, _expected in ROUTES:
        if method != "GET":
            continue
        with count_queries() as statements:
            send(client, world, method, path, data)
        changed = [s for s in statements if WRITES.match(s) and not ALLOWED_ON_GET.match(s)]
        if changed:
            writes[path] = changed
        views += sum(1 for s in statements if ALLOWED_ON_GET.match(s))
    assert writes == {}
    assert views >= 2  # the control: the requests' statements are seen
