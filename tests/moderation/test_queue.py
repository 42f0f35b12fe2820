"""The moderation queue and the case page: filters, sorting, pages, claiming, history, query counts."""
import re

import pytest

from forum import cache
from forum.discussions import services as forum_services
from forum.extensions import db
from forum.models import Category
from moderation import services
from moderation.models import Case
from tests.conftest import category, count_queries, nav_open_cases, signed_in, start_thread, unescaped_page_text


def listed(page):
    """Thread titles of the cases on a queue page, in order."""
    return re.findall(r"Post in “(.*?)”", page)


def reported_post(author, title, reporters, rules=("disrespect",), slug="general"):
    """A thread whose opening post each reporter reports (rules cycled); returns its case."""
    post = start_thread(author, title, f"Body of {title}", slug)
    for i, reporter in enumerate(reporters):
        services.report_post(reporter, post, rules[i % len(rules)], f"{reporter.username} on {title}")
    return db.session.scalar(db.select(Case).where(Case.post_id == post.id))


@pytest.fixture
def reporters(make_user):
    return [make_user(f"reporter{i}", display_name=f"Reporter Number{i}") for i in range(3)]


@pytest.fixture
def author(make_user):
    return make_user("author", display_name="Arthur Author", academy="budapest")


def test_queue_shows_each_case_with_its_report_count_and_rules(app, author, reporters, make_user, moderator_client):
    reported_post(author, "Heated exchange", reporters, rules=("disrespect", "threats", "disrespect"))
    services.report_member(reporters[0], make_user("carol", display_name="Carol Target"), "honor-code", "")
    page = unescaped_page_text(moderator_client.get("/moderation/"))
    assert listed(page) == ["Heated exchange"]
    assert "3 reports" in page and "by Arthur Author" in page
    assert "Disrespect × 2" in page and "Threats and incitement to violence × 1" in page
    assert "Profile of Carol Target" in page and "1 report" in page and "Honor Code violations × 1" in page


@pytest.fixture
def varied_cases(make_user, reporters):
    """Four cases differing in status, rule, category and the author's academy."""
    budapest = make_user("anna", academy="budapest")
    bangkok = make_user("somchai", academy="bangkok")
    decider = make_user("decider", role="moderator")
    reported_post(budapest, "Budapest rudeness", reporters[:1], rules=("disrespect",))
    reported_post(bangkok, "Bangkok threats", reporters[:1], rules=("threats",), slug="cybercrime")
    services.escalate_case(decider, reported_post(budapest, "Escalated matter", reporters[:1], rules=("discredit",)),
                           "Needs an administrator.")
    services.dismiss_case(decider, reported_post(bangkok, "Decided matter", reporters[:1]), "No violation.")


@pytest.mark.parametrize("query, expected", [
    ("", {"Budapest rudeness", "Bangkok threats"}),
    ("?status=open", {"Budapest rudeness", "Bangkok threats"}),
    ("?status=escalated", {"Escalated matter"}),
    ("?status=resolved", {"Decided matter"}),
    ("?rule=threats", {"Bangkok threats"}),
    ("?rule=disrespect", {"Budapest rudeness"}),
    ("?status=resolved&rule=disrespect", {"Decided matter"}),
    ("?rule=it-misuse", set()),
    ("?category={cybercrime}", {"Bangkok threats"}),
    ("?category={general}", {"Budapest rudeness"}),
    ("?academy=budapest", {"Budapest rudeness"}),
    ("?academy=bangkok", {"Bangkok threats"}),
    ("?status=escalated&academy=bangkok", set()),
])
def test_queue_filters(moderator_client, varied_cases, query, expected):
    query = query.format(cybercrime=category("cybercrime").id, general=category("general").id)
    response = moderator_client.get("/moderation/" + query)
    assert response.status_code == 200
    page = unescaped_page_text(response)
    assert set(listed(page)) == expected
    assert ("No cases here." in page) is (not expected)


@pytest.mark.parametrize("query, order", [
    ("", ["Reported first", "Reported most"]),
    ("?sort=oldest", ["Reported first", "Reported most"]),
    ("?sort=most_reported", ["Reported most", "Reported first"]),
])
def test_queue_sorts_oldest_first_or_most_reported_first(app, author, reporters, moderator_client, query, order):
    app.config["MODERATION_HIDE_THRESHOLD"] = 100
    reported_post(author, "Reported first", reporters[:1])
    reported_post(author, "Reported most", reporters)
    assert listed(unescaped_page_text(moderator_client.get("/moderation/" + query))) == order


def test_queue_shows_25_cases_a_page(author, reporters, moderator_client):
    for i in range(26):
        reported_post(author, f"Topic {i:02d}", reporters[:1])
    first = unescaped_page_text(moderator_client.get("/moderation/?rule=disrespect"))
    assert listed(first) == [f"Topic {i:02d}" for i in range(25)] and "Page 1 of 2" in first
    next_page = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    assert "rule=disrespect" in next_page  # the filter carries over
    second = unescaped_page_text(moderator_client.get(next_page))
    assert listed(second) == ["Topic 25"] and "Page 2 of 2" in second


def test_navigation_shows_the_open_case_count_to_moderators_only(
        author, reporters, make_user, moderator_client, member_client):
    for title in ("One", "Two", "Three"):
        case = reported_post(author, f"Topic {title}", reporters[:1])
    services.dismiss_case(make_user("decider", role="moderator"), case, "Fine.")
    assert nav_open_cases(moderator_client.get("/").get_data(as_text=True)) == 2
    page = member_client.get("/").get_data(as_text=True)
    assert nav_open_cases(page) is None and 'href="/moderation/' not in page


def test_the_open_case_count_comes_from_the_cache_until_a_case_changes(author, reporters, make_user, moderator_client):
    case = reported_post(author, "Topic One", reporters[:1])
    assert nav_open_cases(moderator_client.get("/").get_data(as_text=True)) == 1
    with count_queries() as statements:
        assert nav_open_cases(moderator_client.get("/").get_data(as_text=True)) == 1
    assert not [s for s in statements if "count(cases.id)" in s]
    reported_post(author, "Topic Two", reporters[:1])
    assert nav_open_cases(moderator_client.get("/").get_data(as_text=True)) == 2
    services.dismiss_case(make_user("decider", role="moderator"), case, "Fine.")
    assert nav_open_cases(moderator_client.get("/").get_data(as_text=True)) == 1


@pytest.mark.parametrize("subject_first", [True, False])
def test_a_moderator_never_sees_the_case_about_them_in_a_shared_queue(app, make_user, reporters, subject_first):
    subject = make_user("mona", role="moderator", display_name="Mona Moderator")
    reported_post(subject, "About Mona", reporters[:1])
    reported_post(make_user("author"), "About a member", reporters[:1])
    peer = signed_in(app, make_user("pete", role="moderator"))
    mona = signed_in(app, subject)
    pages = {}
    for name, client in [("mona", mona), ("peer", peer)][::1 if subject_first else -1] * 2:
        pages[name] = unescaped_page_text(client.get("/moderation/"))
    assert "About Mona" in pages["peer"] and "About a member" in pages["peer"]
    assert "About Mona" not in pages["mona"] and "About a member" in pages["mona"]
    with count_queries() as statements:
        assert "About Mona" in unescaped_page_text(peer.get("/moderation/"))
    assert not [s for s in statements if "FROM cases" in s]  # the shared queue, from the cache


def test_a_claimed_case_shows_who_holds_it(app, make_user, author, reporters):
    case = reported_post(author, "Claimed topic", reporters[:1])
    holder = signed_in(app, make_user("maria", role="moderator", display_name="Maria Holder"))
    other = signed_in(app, make_user("omar", role="moderator", display_name="Omar Other"))
    assert "Claim this case" in unescaped_page_text(other.get(f"/moderation/cases/{case.id}"))
    response = holder.post(f"/moderation/cases/{case.id}/claim", data={})
    assert (response.status_code, response.location) == (302, f"/moderation/cases/{case.id}")
    assert "held by Maria Holder" in unescaped_page_text(other.get("/moderation/"))
    page = unescaped_page_text(other.get(f"/moderation/cases/{case.id}"))
    assert "Held by Maria Holder since" in page
    assert "Claim this case" not in unescaped_page_text(holder.get(f"/moderation/cases/{case.id}"))


def test_case_page_shows_reports_comments_notes_timeline_and_the_members_history(
        app, make_user, author, reporters, moderator_client):
    decider = make_user("decider", role="moderator", display_name="Dora Decider")
    earlier = reported_post(author, "Earlier topic", reporters[:1])
    services.warn_member(decider, earlier, "discredit", "First and last warning.")
    case = reported_post(author, "Current topic", reporters[:2], rules=("disrespect", "threats"))
    response = moderator_client.post(f"/moderation/cases/{case.id}/note", data={"body": "Checked the context."})
    assert response.status_code == 302
    page = unescaped_page_text(moderator_client.get(f"/moderation/cases/{case.id}"))
    plain = re.sub(r"<[^>]+>", "", page)
    assert "Body of Current topic" in page  # the reported content
    for reporter, rule in zip(reporters[:2], ("Disrespect", "Threats and incitement to violence")):
        assert f"{reporter.display_name} · {rule}" in plain  # the report
        assert f"{reporter.username} on Current topic" in page  # its comment
        assert f"{reporter.display_name} reported it ({rule})" in page  # the timeline
    assert "Mod: Checked the context." in plain
    assert "Added a note · Mod" in page
    assert re.search(rf'<a href="/moderation/cases/{earlier.id}">Case {earlier.id}</a> · Member warned', page)
    assert "Warning · Discredit to the ILEA" in page


def measure(client, url):
    client.get(url)  # warm-up: the first request of a client loads what later ones reuse
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_queue_page_costs_the_same_queries_for_2_and_12_cases(app, make_user, moderator_client):
    app.config["MODERATION_HIDE_THRESHOLD"] = 100
    slugs = [c.slug for c in db.session.scalars(db.select(Category).where(Category.staff_only.is_(False)))]
    counts = []
    for start, stop in ((0, 2), (2, 12)):
        for i in range(start, stop):
            author = make_user(f"author{i}", academy="bangkok")
            reporters = [make_user(f"reporter{i}x{j}") for j in range(2)]
            case = reported_post(author, f"Topic {i}", reporters, rules=("disrespect", "threats"),
                                 slug=slugs[i % len(slugs)])
            services.claim_case(make_user(f"claimer{i}", role="moderator"), case)
        counts.append(measure(moderator_client, "/moderation/"))
    assert len(listed(unescaped_page_text(moderator_client.get("/moderation/")))) == 12
    assert counts[0] == counts[1]


def cached(client, url):
    """The page, and whether it came from the shared store (no report was read from the database)."""
    with count_queries() as statements:
        page = unescaped_page_text(client.get(url))
    return page, not [s for s in statements if "FROM reports" in s]


@pytest.mark.parametrize("holder_first", [True, False])
def test_a_shared_case_page_keeps_each_moderator_s_own_claim_button_and_name(app, make_user, author, reporters,
                                                                            holder_first):
    case = reported_post(author, "Shared case", reporters[:1])
    maria = make_user("maria", role="moderator", display_name="Maria Holder")
    services.claim_case(maria, case)
    holder, other = signed_in(app, maria), signed_in(app, make_user("omar", role="moderator", display_name="Omar Other"))
    url = f"/moderation/cases/{case.id}"
    for client in [holder, other][::1 if holder_first else -1]:
        client.get(url)
    (holder_page, from_store), (other_page, other_from_store) = cached(holder, url), cached(other, url)
    assert from_store and other_from_store
    assert "Claim this case" not in holder_page and "Claim this case" in other_page
    assert "Held by Maria Holder since" in holder_page and "Held by Maria Holder since" in other_page
    assert ">Omar Other<" in other_page and ">Omar Other<" not in holder_page  # each one's own header


def test_a_shared_case_page_shows_each_note_decision_and_edit_at_once(moderator_client, make_user, author, reporters):
    case = reported_post(author, "Cached case", reporters[:1])
    url = f"/moderation/cases/{case.id}"
    moderator_client.get(url)
    assert cached(moderator_client, url)[1]
    services.add_note(make_user("nora", role="moderator", display_name="Nora Noter"), case, "Checked the thread.")
    page, from_store = cached(moderator_client, url)
    assert "<strong>Nora Noter</strong>: Checked the thread." in page and not from_store
    forum_services.edit_post(author, case.post, "Body, edited after the report")
    assert "Body, edited after the report" in cached(moderator_client, url)[0]
    services.warn_member(make_user("wes", role="moderator", display_name="Wes Warner"), case, "disrespect",
                         "Warned for the tone.")
    page = cached(moderator_client, url)[0]
    assert "Warned for the tone." in page and "Resolved by Wes Warner" in page


@pytest.mark.parametrize("proposer_first", [True, False])
def test_the_proposer_of_a_dismissal_never_gets_the_shared_confirm_button(app, make_user, author, reporters,
                                                                         proposer_first):
    case = reported_post(author, "Proposed case", reporters[:1])
    ada, bea = make_user("ada", role="admin"), make_user("bea", role="admin")
    services.propose_dismissal(ada, case, "threats", "Threatened a colleague", hide_content=False)
    clients = {"proposer": signed_in(app, ada), "other": signed_in(app, bea)}
    pages = {}
    for name in ["proposer", "other"][::1 if proposer_first else -1] * 2:
        pages[name] = unescaped_page_text(clients[name].get(f"/moderation/cases/{case.id}"))
    assert "Confirm the dismissal" in pages["other"]
    assert "Confirm the dismissal" not in pages["proposer"]
    assert "An administrator other than the proposer decides." in pages["proposer"]


def test_a_case_page_showing_a_suspension_is_kept_for_its_minute_only(monkeypatch, moderator_client, make_user,
                                                                       author, reporters):
    case = reported_post(author, "Suspended author", reporters[:1])
    services.suspend_member(make_user("sam", role="moderator"), case, "disrespect", "Suspended.",
                            services.suspension_end(days=1), False)
    url = f"/moderation/cases/{case.id}"
    moderator_client.get(url)
    assert cached(moderator_client, url)[1]
    later = cache._minute() + 1
    monkeypatch.setattr(cache, "_minute", lambda: later)
    assert not cached(moderator_client, url)[1]  # the suspension may have ended: rendered again


def test_case_page_costs_the_same_queries_for_2_and_12_reports(app, make_user, author, moderator_client):
    app.config["MODERATION_HIDE_THRESHOLD"] = 100
    thread = forum_services.create_thread(author, category(), "Busy case", "discussion", "Opening words")
    post = forum_services.reply(author, thread, "The reported reply")
    forum_services.reply(make_user("neighbour"), thread, "A reply after it")
    counts = []
    for start, stop in ((0, 2), (2, 12)):
        for i in range(start, stop):
            services.report_post(make_user(f"reporter{i}"), post, "disrespect", f"comment {i}")
            case = db.session.scalar(db.select(Case).where(Case.post_id == post.id))
            services.add_note(make_user(f"noter{i}", role="moderator"), case, f"note {i}")
            earlier = reported_post(author, f"Earlier {i}", [make_user(f"witness{i}")])
            services.warn_member(make_user(f"warner{i}", role="moderator"), earlier, "disrespect", "Warned.")
        counts.append(measure(moderator_client, f"/moderation/cases/{case.id}"))
    page = unescaped_page_text(moderator_client.get(f"/moderation/cases/{case.id}"))
    assert "12 reports" in page and "note 11" in page and "Earlier 11" not in page
    assert counts[0] == counts[1]
