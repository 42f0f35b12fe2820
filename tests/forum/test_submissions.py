"""A composer form sent twice (a double click, a retried request) creates one post: each rendering of
the new-thread and reply forms carries a one-time token. Reports need none: a member has one report
per case, and two identical reports at once file one."""
import re

import pytest

from forum.discussions import services
from forum.extensions import db
from forum.models import Post, Thread
from moderation.models import Report
from tests.conftest import category, count_rows, page_text, signed_in, start_thread
from tests.moderation.test_race import run_together

ROUNDS = 3


@pytest.fixture
def thread(member):
    return services.create_thread(member, category(), "Evidence handling", "discussion", "Photograph it.")


def token_in(response):
    """The one-time token of the form on the page."""
    return re.search(r'name="submission" type="hidden" value="([^"]+)"', page_text(response)).group(1)


def posts_saying(body):
    return db.session.scalars(db.select(Post).where(Post.body_source == body)).all()


@pytest.mark.parametrize("url", ["/t/{thread}", "/t/{thread}/reply", "/c/general/new"])
def test_every_composer_form_carries_a_fresh_token_each_time_it_is_rendered(member_client, thread, url):
    url = url.format(thread=thread.id)
    assert token_in(member_client.get(url)) != token_in(member_client.get(url))


def test_the_same_reply_form_sent_twice_posts_once_and_both_land_on_it(member_client, thread):
    data = {"body": "Log the hashes too.", "submission": token_in(member_client.get(f"/t/{thread.id}"))}
    first = member_client.post(f"/t/{thread.id}/reply", data=data)
    second = member_client.post(f"/t/{thread.id}/reply", data=data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert second.location == first.location and first.location.endswith(f"/t/{thread.id}#post-2")
    assert len(posts_saying("Log the hashes too.")) == 1
    db.session.refresh(thread)
    assert (thread.post_count, thread.reply_count, category().post_count) == (2, 1, 2)
    assert page_text(member_client.get(f"/t/{thread.id}")).count("Log the hashes too.") == 1


def test_the_same_new_thread_form_sent_twice_starts_one_thread(member_client):
    data = {"title": "Border checkpoint lessons", "kind": "story", "body": "What we learned.",
            "submission": token_in(member_client.get("/c/general/new"))}
    first = member_client.post("/c/general/new", data=data)
    second = member_client.post("/c/general/new", data=data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert second.location == first.location
    assert count_rows(Thread) == 1 and count_rows(Post) == 1
    assert category().thread_count == 1
    assert "Border checkpoint lessons" in page_text(member_client.get(second.location))


def test_the_same_text_from_two_renderings_posts_twice(member_client, thread):
    """Saying the same thing again on purpose is two sendings of two forms, not one sent twice."""
    for _ in range(2):
        token = token_in(member_client.get(f"/t/{thread.id}/reply"))
        assert member_client.post(f"/t/{thread.id}/reply", data={"body": "+1", "submission": token}).status_code == 302
    assert [post.number for post in posts_saying("+1")] == [2, 3]


def test_a_form_sent_without_a_token_still_posts(member_client, thread):
    """A page opened before the token existed (or a hand-made request) posts as before, unprotected."""
    for token in (None, "", "not a token!"):
        data = {"body": "From an old page."} | ({"submission": token} if token is not None else {})
        assert member_client.post(f"/t/{thread.id}/reply", data=data).status_code == 302
    assert len(posts_saying("From an old page.")) == 3


def test_a_refused_form_keeps_its_token_so_the_corrected_one_posts_once(member_client, thread):
    token = token_in(member_client.get(f"/t/{thread.id}/reply"))
    refused = member_client.post(f"/t/{thread.id}/reply", data={"body": "", "submission": token})
    assert refused.status_code == 200 and token_in(refused) == token
    for _ in range(2):
        member_client.post(f"/t/{thread.id}/reply", data={"body": "Corrected.", "submission": token})
    assert len(posts_saying("Corrected.")) == 1


def test_another_members_token_is_not_theirs(app, member_client, thread, make_user):
    token = token_in(member_client.get(f"/t/{thread.id}"))
    member_client.post(f"/t/{thread.id}/reply", data={"body": "Mine.", "submission": token})
    other = signed_in(app, make_user("bob"))
    assert other.post(f"/t/{thread.id}/reply", data={"body": "Bob's.", "submission": token}).status_code == 302
    assert [post.author.username for post in posts_saying("Bob's.")] == ["bob"]


def sent_together(app, client, url, data):
    """POST the same form from two browsers of the member at the same moment (real threads, each with
    its own session); the responses, each followed to the page it leads to (which shows its message)."""
    browsers = [client, signed_in(app, "alice")]
    responses = [None, None]

    def send(index):
        def job():
            form = {**data, "csrf_token": browsers[index].csrf_token()}
            return lambda: responses.__setitem__(index, browsers[index].post(url, data=form))
        return job
    assert run_together(app, [send(0), send(1)]) == ["ok", "ok"]
    assert [response.status_code for response in responses] == [302, 302]
    return responses, [page_text(browser.get(r.location)) for browser, r in zip(browsers, responses)]


@pytest.mark.postgresql_only
def test_the_same_reply_sent_twice_at_once_posts_once(app, member_client, thread):
    for round_ in range(ROUNDS):
        body = f"Sent twice, round {round_}."
        token = token_in(member_client.get(f"/t/{thread.id}"))
        responses, pages = sent_together(app, member_client, f"/t/{thread.id}/reply",
                                         {"body": body, "submission": token})

        assert responses[0].location == responses[1].location
        assert all("Your reply is published." in page and page.count(body) == 1 for page in pages)
        assert len(posts_saying(body)) == 1
    db.session.refresh(thread)
    assert (thread.post_count, thread.reply_count, category().post_count) == (1 + ROUNDS, ROUNDS, 1 + ROUNDS)


@pytest.mark.postgresql_only
def test_the_same_new_thread_sent_twice_at_once_starts_one(app, member_client):
    token = token_in(member_client.get("/c/general/new"))
    responses, pages = sent_together(app, member_client, "/c/general/new",
                                     {"title": "Sent twice at once", "kind": "discussion", "body": "Once.",
                                      "submission": token})
    assert responses[0].location == responses[1].location
    assert all("Your thread is published." in page for page in pages)
    assert (count_rows(Thread), count_rows(Post), category().thread_count) == (1, 1, 1)


@pytest.mark.postgresql_only
@pytest.mark.parametrize("target", ["post", "profile"])
def test_the_same_report_sent_twice_at_once_files_one(app, member_client, make_user, target):
    author = make_user("author")
    post = start_thread(author)
    url = f"/p/{post.id}/report" if target == "post" else "/u/author/report"
    _, pages = sent_together(app, member_client, url, {"rule": "disrespect", "comment": ""})

    assert count_rows(Report) == 1
    thanked = ["Thank you. The moderators will review your report." in page for page in pages]
    told = ["You have already reported this." in page for page in pages]
    assert sorted(thanked) == [False, True] and told == [not thanks for thanks in thanked]
