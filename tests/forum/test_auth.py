from flask import g
from tests.conftest import login


def test_probe(app, member_client, make_user):
    other = app.test_client()
    print("g keys", list(g))
    r = other.get("/")
    print("anon other", r.status_code, list(g))
    login(other, make_user("bob"))
    print(member_client.get("/u/alice").get_data(as_text=True).count("Bob"))
