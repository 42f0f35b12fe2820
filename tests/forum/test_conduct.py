"""The Code of Conduct: its page, accepting it before posting, and publishing new versions."""
import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from forum.discussions import services
from forum.extensions import db
from forum.models import ConductAcceptance, ConductRule, ConductVersion, Thread
from tests.conftest import category, count_rows, page_text, signed_in

# Reports and moderation cite rules by these ids: they must never change.
RULE_IDS = ["rule-honor-code", "rule-intellectual-property", "rule-disrespect", "rule-discredit",
            "rule-it-misuse", "rule-threats"]
CLOSING = ("Any violation of the rules of conduct, and/or conduct unbecoming of law enforcement officials "
           "may result in your immediate dismissal from the Alumni Portal.")
THREAD = {"title": "Greetings from Gaborone", "kind": "discussion", "body": "Glad to be here, colleagues."}


class FormFields(HTMLParser):
    """The values a browser would submit from the page's form (inputs and textareas)."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.values, self._textarea = {}, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            # Browsers drop the newline that follows <textarea>.
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\r\n").removeprefix("\n")
            self._textarea = None


def rule_ids(page):
    return re.findall(r'<li id="(rule-[a-z0-9-]+)">', page)


def publish_new_version(admin_client, **changes):
    """Open the admin form, change some fields and publish, as an administrator would."""
    fields = FormFields(page_text(admin_client.get("/admin/conduct"))).values
    response = admin_client.post("/admin/conduct", data={**fields, **changes})
    assert (response.status_code, response.location) == (302, "/conduct")
    return response


def acceptances(user):
    return db.session.scalars(db.select(ConductAcceptance).where(ConductAcceptance.user_id == user.id)).all()


@pytest.fixture
def newcomer(make_user):
    return make_user("nkosi", accepted=False)


@pytest.fixture
def newcomer_client(app, newcomer):
    return signed_in(app, newcomer)


def test_conduct_page_shows_the_six_rules_and_closing(client):
    response = client.get("/conduct")
    page = page_text(response)
    assert response.status_code == 200
    assert rule_ids(page) == RULE_IDS
    assert "Cheating or violating the ILEA Honor Code" in page
    assert CLOSING in page
    assert "I accept the Code of Conduct" not in page  # nothing to accept without an account


def test_member_who_has_not_accepted_cannot_post_and_keeps_the_draft(newcomer_client):
    response = newcomer_client.post("/c/general/new", data=THREAD)
    page = page_text(response)
    assert response.status_code == 200
    assert "The Code of Conduct has changed: accept it, then send your post again." in page
    assert 'value="Greetings from Gaborone"' in page and "Glad to be here, colleagues." in page
    assert count_rows(Thread) == 0


def test_member_is_sent_to_the_code_accepts_it_and_can_then_post(newcomer_client, newcomer):
    response = newcomer_client.get("/c/general/new")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/conduct"
    assert parse_qs(urlsplit(response.location).query)["next"][0].rstrip("?") == "/c/general/new"
    page = page_text(newcomer_client.get(response.location))
    assert "Please read and accept the Code of Conduct before you post." in page
    assert "I accept the Code of Conduct" in page

    accept_action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    response = newcomer_client.post(accept_action, data={"version": "1"})
    assert response.status_code == 302 and response.location.rstrip("?") == "/c/general/new"
    [acceptance] = acceptances(newcomer)
    assert acceptance.accepted_at is not None
    assert db.session.get(ConductVersion, acceptance.version_id).number == 1
    assert "You have accepted this version of the Code of Conduct." in page_text(newcomer_client.get("/conduct"))

    assert newcomer_client.get("/c/general/new").status_code == 200
    assert newcomer_client.post("/c/general/new", data=THREAD).status_code == 302
    assert count_rows(Thread) == 1


def test_accepting_a_stale_version_is_refused(newcomer_client, newcomer, admin_client):
    publish_new_version(admin_client)
    response = newcomer_client.post("/conduct/accept", data={"version": "1"})
    assert response.status_code == 302 and response.location.startswith("/conduct")
    page = page_text(newcomer_client.get(response.location))
    assert "The Code of Conduct has changed since you opened it. Please read it again." in page
    assert acceptances(newcomer) == []
    assert newcomer_client.post("/c/general/new", data=THREAD).status_code == 200
    assert count_rows(Thread) == 0


def test_new_version_must_be_accepted_again_and_keeps_rule_codes(member, member_client, admin_client):
    general = category("general")
    thread = services.create_thread(member, general, "Cross-border cases", "discussion", "Let us compare.")
    assert f'action="/t/{thread.id}/reply"' in page_text(member_client.get(f"/t/{thread.id}"))

    publish_new_version(admin_client, **{"rules-2-text": "Disrespect towards anyone on the Portal."})

    page = page_text(member_client.get(f"/t/{thread.id}"))
    assert "Accept the Code of Conduct to reply." in page
    assert f'action="/t/{thread.id}/reply"' not in page
    conduct = page_text(member_client.get("/conduct"))
    assert "Version 2" in conduct and "Disrespect towards anyone on the Portal." in conduct
    assert rule_ids(conduct) == RULE_IDS
    codes = db.session.scalars(db.select(ConductRule.code).join(ConductVersion)
                               .where(ConductVersion.number == 2).order_by(ConductRule.position)).all()
    assert ["rule-" + code for code in codes] == RULE_IDS

    member_client.post("/conduct/accept", data={"version": "2"})
    assert f'action="/t/{thread.id}/reply"' in page_text(member_client.get(f"/t/{thread.id}"))


def test_member_cannot_publish_the_code(member_client):
    response = member_client.post("/admin/conduct", data={
        "title": "Our rules", "introduction": "Be nice.", "closing": "Or else.",
        "rules-0-code": "honor-code", "rules-0-title": "Honor", "rules-0-text": "Be honest."})
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.max(ConductVersion.number))) == 1
