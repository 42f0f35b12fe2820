"""Oversized, negative and malformed integers never answer 5xx (issue 15).

Every route's id in the path, the lists' `?page=` and cursors, the other integer query parameters
and the forms' id fields get huge (past PostgreSQL's int4 and SQLite's 64 bits), negative, zero,
decimal, other scripts' digits and plain garbage, from an admin (who reaches every route) and a
member. An id out of range names no row (404); a page out of range is page 1; a form id out of
range is no choice at all. The routes come from app.url_map, so a new route is covered unasked.
"""
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter, IntegerConverter

from forum.accounts.services import record_token
from forum.extensions import db
from forum.models import ConductAcceptance
from forum.params import IdConverter
from moderation.models import Appeal
from tests.conftest import page_text, user_named

# One of each kind; the Hypothesis test below draws any others.
NASTY = [
    str(10**20), str(2**63), str(2**31),  # past PostgreSQL's int8, SQLite's INTEGER (the same), int4
    "-1", "0", "1e3", "1_000", " 123456 ", "", "٣", "²", "9" * 5000,  # int() takes "1_000" and "٣"
]
# The integers the pages read from the query string; `after`/`before` are the thread lists' cursors.
INTEGER_PARAMS = ("page", "category", "subject", "quote", "year", "confirmed", "case_id", "cursor")
CURSOR_SHAPES = ("{v}.1.1", "1.{v}.1", "1.1.{v}", "{v}")

PLACEHOLDER = 7654321  # a valid id, swapped for the fuzzed text once the path is built
STRING_ARGS = {"slug": "general", "username": "author", "rule": "disrespect", "language": "en"}
WORLD_IDS = {"thread_id": "thread", "post_id": "reply", "case_id": "open_case", "proposal_id": "proposal",
             "penalty_id": "penalty", "appeal_id": "appeal", "notification_id": "authors_notification",
             "resource_id": "resource", "category_id": "category"}


def _has_id(rule):
    return any(isinstance(converter, IdConverter) for converter in rule._converters.values())


def _path(rule, world, id_text=None):
    """A path matching `rule`: the world's rows, or `id_text` in every id position."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IdConverter):
            values[name] = PLACEHOLDER if id_text is not None else _world_id(name, world)
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name == "token":
            values[name] = record_token(world.author)
        else:
            values[name] = STRING_ARGS.get(name, "general")
    path = rule.build(values, append_unknown=False)[1]
    return path if id_text is None else path.replace(str(PLACEHOLDER), quote(id_text, safe=""))


def _world_id(name, world):
    if name == "member_id":
        return world.author.id
    return getattr(world, WORLD_IDS.get(name, ""), 1)


def _routes(app, method, with_id=False):
    return [rule for rule in app.url_map.iter_rules()
            if method in rule.methods and rule.endpoint != "static" and (_has_id(rule) or not with_id)]


def _query(value, shape=0):
    return {**{name: value for name in INTEGER_PARAMS},
            "before" if shape % 2 else "after": CURSOR_SHAPES[shape % len(CURSOR_SHAPES)].format(v=value)}


def _status(send):
    """The response's status, or the exception a failing view raised (tests propagate them)."""
    try:
        return send().status_code
    except Exception as error:  # whatever it is, it is the failure to report
        return repr(error)[:200]


def _shown(value):
    return repr(value if len(value) <= 30 else value[:12] + f"...({len(value)} characters)")


def _failures(answers):
    return {request: status for request, status in answers.items() if not isinstance(status, int) or status >= 500}


@pytest.fixture(params=["admin", "member"])
def visitor(request, world, client_as):
    client = client_as(request.param)
    client.token = client.csrf_token()  # sent explicitly: one token for the hundreds of POSTs
    return client


def test_every_integer_in_a_path_is_a_bounded_id(app):
    """A route written with <int:...> would take ids the database cannot compare, and escape the fuzzing."""
    unbounded = [rule.rule for rule in app.url_map.iter_rules() for converter in rule._converters.values()
                 if isinstance(converter, IntegerConverter) and not isinstance(converter, IdConverter)]
    assert unbounded == []
    assert len(_routes(app, "GET", with_id=True)) >= 10 and len(_routes(app, "POST", with_id=True)) >= 20


def test_ids_out_of_range_in_paths_are_not_found(app, world, visitor):
    answers = {}
    for rule in _routes(app, "GET", with_id=True) + _routes(app, "POST", with_id=True):
        for value in NASTY:
            path = _path(rule, world, value)
            if "GET" in rule.methods:
                answers[f"GET {rule.rule} {_shown(value)}"] = _status(lambda: visitor.get(path))
            else:
                answers[f"POST {rule.rule} {_shown(value)}"] = _status(
                    lambda: visitor.post(path, data={"csrf_token": visitor.token}))
    assert _failures(answers) == {}
    # Routing refuses them before any view runs: not found, whoever asks (an empty id leaves "//",
    # which is redirected to one slash).
    assert set(answers.values()) <= {404, 308}


def test_integer_query_parameters_never_fail_a_page(app, world, visitor):
    answers = {}
    for rule in _routes(app, "GET"):
        path = _path(rule, world)
        if visitor.get(path).status_code != 200:
            continue  # a page this visitor may not open reads no query
        for shape, value in enumerate(NASTY):
            query = _query(value, shape)
            answers[f"{path} {_shown(value)}"] = _status(lambda: visitor.get(path, query_string=query))
    assert _failures(answers) == {}


# Any integer, those around int4's, int8's and 64 bits' bounds, floats as text, other scripts' digits, any text.
INTEGER_TEXT = st.one_of(
    st.integers().map(str),
    st.sampled_from([2**31, 2**63, 2**64]).flatmap(lambda bound: st.integers(bound - 2, bound + 1)).map(str),
    st.floats().map(str),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=12),
    st.text(max_size=24),
)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), value=INTEGER_TEXT)
def test_any_integer_text_in_a_path_or_query_never_fails(app, world, visitor, data, value):
    """Hypothesis draws the value and the route; derandomized, so every run asks the same questions."""
    rule = data.draw(st.sampled_from(_routes(app, "GET")), label="route")
    if _has_id(rule):
        path = _path(rule, world, value)
        assert _failures({path: _status(lambda: visitor.get(path))}) == {}
    path = _path(rule, world)
    query = _query(value, data.draw(st.integers(0, 7), label="cursor shape"))
    assert _failures({path: _status(lambda: visitor.get(path, query_string=query))}) == {}


def test_form_ids_out_of_range_change_nothing(app, world, client_as):
    admin, newcomer, signed_out = client_as("admin"), client_as("unaccepted"), client_as("anonymous")
    tokens = {client: client.csrf_token() for client in (admin, newcomer, signed_out)}
    author, session_token = world.author, world.author.session_token
    record = f"/account/record/{record_token(author)}"
    answers = {}
    for value in NASTY:
        for client, path, form in (
                (admin, "/admin/members/bulk", {"action": "sign_out", "q": "author", "confirmed": value}),
                (admin, f"/admin/members/{author.id}/role", {"role": "moderator", "categories": value}),
                (newcomer, "/conduct/accept", {"version": value}),
                (signed_out, record, {"case_id": value, "text": "Please reconsider."})):
            answers[f"{path} {_shown(value)}"] = _status(
                lambda: client.post(path, data={**form, "csrf_token": tokens[client]}))
    assert _failures(answers) == {}
    assert author.session_token == session_token and author.role == "member"
    assert db.session.scalar(db.select(db.func.count()).select_from(Appeal)) == 1  # the world's own
    newcomer_id = user_named("unaccepted").id
    assert db.session.scalar(db.select(ConductAcceptance).where(ConductAcceptance.user_id == newcomer_id)) is None


def test_a_thread_or_post_id_past_the_database_range_is_not_found(member_client):
    assert member_client.get("/t/99999999999999999999").status_code == 404
    assert member_client.get(f"/t/{2**31}-a-title").status_code == 404
    assert member_client.get("/p/99999999999999999999").status_code == 404


def test_a_page_past_the_range_shows_the_first_page(world, client_as):
    response = client_as("admin").get("/moderation/?page=99999999999999999999")
    assert response.status_code == 200
    assert "Open matter" in page_text(response)


def test_a_cursor_out_of_range_reads_as_the_first_page(world, client_as):
    member = client_as("member")
    for query in ("after=1.1.99999999999999999999", f"before=0.1.{2**31}", "after=1.99999999999999999999.1",
                  "after=7.1.1", "cursor=99999999999999999999&page=99999999999999999999"):
        response = member.get(f"/?{query}")
        assert response.status_code == 200
        assert "Plain matter" in page_text(response), query  # the latest thread, atop the first page
