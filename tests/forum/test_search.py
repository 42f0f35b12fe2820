"""Full-text search (/search): words in five languages, filters, what each reader may see, snippets,
any input, a constant number of queries per page. Runs on SQLite (FTS5) and PostgreSQL (tsvector)."""
from datetime import datetime
from urllib.parse import quote

import pytest

from forum.discussions import services
from forum.extensions import db
from forum.models import Category, Post, Thread
from moderation.models import Case  # noqa: F401 (the moderation tables exist for the services)
from tests.conftest import category, count_queries, page_text, signed_in

FRENCH = "Les contrôles routiers exigent une interpellation calme et documentée."
THAI = "การสอบสวนอาชญากรรมต้องเก็บหลักฐานดิจิทัลอย่างระมัดระวัง"


def opening(thread):
    return db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def link(post):
    """How a result links to its post."""
    return f'href="/t/{post.thread_id}#post-{post.number}"'


def search(client, **args):
    response = client.get("/search", query_string=args)
    assert response.status_code == 200
    return page_text(response)


def found(page, *posts):
    return [link(post) in page for post in posts]


@pytest.fixture
def authors(make_user):
    return (make_user("somchai", academy="bangkok", preferred_language="th"),
            make_user("zsofia", academy="budapest"))


def test_a_best_practice_is_found_by_a_french_or_thai_word_in_its_body_filtered_by_academy(app, authors,
                                                                                        member_client):
    bangkok, budapest = authors
    french = opening(services.create_thread(bangkok, category(), "Contrôles routiers", "best_practice", FRENCH, "fr"))
    thai = opening(services.create_thread(bangkok, category(), "หลักฐานดิจิทัล", "best_practice", THAI, "th"))
    elsewhere = opening(services.create_thread(budapest, category(), "Même sujet", "best_practice",
                                               FRENCH + " " + THAI, "fr"))
    discussion = opening(services.create_thread(bangkok, category(), "Autre chose", "discussion", FRENCH, "fr"))

    page = search(member_client, q="interpellation", kind="best_practice", academy="bangkok")
    assert found(page, french, thai, elsewhere, discussion) == [True, False, False, False]
    # A word inside a Thai sentence without spaces, and French without its accents.
    page = search(member_client, q="หลักฐาน", kind="best_practice", academy="bangkok")
    assert found(page, french, thai, elsewhere, discussion) == [False, True, False, False]
    assert "<mark>หลักฐาน</mark>" in page
    page = search(member_client, q="CONTROLES documentee", kind="best_practice")
    assert found(page, french, thai, elsewhere, discussion) == [True, False, True, False]
    assert "<mark>contrôles</mark>" in page and "<mark>documentée</mark>" in page


def test_every_filter_narrows_the_results(app, authors, make_user, member_client):
    bangkok, budapest = authors
    posts = {
        "story": opening(services.create_thread(bangkok, category(), "Patrol story", "story", "checkpoint night", "en")),
        "cyber": opening(services.create_thread(budapest, category("cybercrime"), "Cyber case", "discussion",
                                                "checkpoint logs", "es")),
        "old": opening(services.create_thread(budapest, category(), "Old notes", "discussion", "checkpoint 2019", "pt")),
    }
    posts["reply"] = services.reply(bangkok, posts["cyber"].thread, "A checkpoint reply", "th")
    db.session.execute(db.update(Post).where(Post.id == posts["old"].id).values(created_at=datetime(2025, 1, 10)))
    db.session.commit()
    everything = search(member_client, q="checkpoint")
    assert all(found(everything, *posts.values()))

    def only(names, **filters):
        page = search(member_client, q="checkpoint", **filters)
        assert {name for name, post in posts.items() if link(post) in page} == set(names), filters

    only({"cyber", "reply"}, category="cybercrime")
    only({"story"}, kind="story")
    only({"cyber", "old"}, author="zsofia")
    only({"story", "reply"}, academy="bangkok")
    only({"cyber"}, lang="es")
    only({"reply"}, lang="th")
    only({"old"}, to="2025-01-10")
    only({"story", "cyber", "reply"}, **{"from": "2025-01-11"})
    only({"old"}, **{"from": "2025-01-10", "to": "2025-01-10"})
    only({"reply"}, category="cybercrime", academy="bangkok", lang="th", kind="discussion", author="somchai")
    only(set(), author="nobody")


def test_removed_hidden_and_deleted_posts_appear_only_to_moderators_who_ask(app, make_user, member_client):
    author = make_user("writer")
    moderator = signed_in(app, make_user("mod", role="moderator"))
    scoped = make_user("scoped", role="moderator")
    services.save_category(make_user("boss", role="admin"), category("cybercrime"),
                           {"name": "Cybercrime", "slug": "cybercrime", "description": "", "group": "subject",
                            "staff_only": False}, [scoped])
    scoped_client = signed_in(app, scoped)
    live = opening(services.create_thread(author, category(), "Live", "discussion", "evidence live"))
    removed = services.reply(author, live.thread, "evidence removed")
    pending = services.reply(author, live.thread, "evidence pending")
    deleted = services.reply(author, live.thread, "evidence deleted")
    hidden_thread = opening(services.create_thread(author, category(), "Hidden", "discussion", "evidence hidden"))
    services.delete_post(author, deleted)
    db.session.execute(db.update(Post).where(Post.id == removed.id).values(moderation_state="removed"))
    db.session.execute(db.update(Post).where(Post.id.in_([pending.id, hidden_thread.id]))
                       .values(moderation_state="pending"))
    db.session.execute(db.update(Thread).where(Thread.id == hidden_thread.thread_id).values(hidden=True))
    db.session.commit()
    concealed = (removed, pending, deleted, hidden_thread)

    for client, args in ((member_client, {}), (member_client, {"hidden": "1"}), (moderator, {}),
                         (scoped_client, {"hidden": "1"})):  # the scoped moderator looks after Cybercrime only
        page = search(client, q="evidence", **args)
        assert found(page, live, *concealed) == [True, False, False, False, False], args
        assert 'name="hidden"' in page if client is not member_client else 'name="hidden"' not in page
    page = search(moderator, q="evidence", hidden="1")
    assert all(found(page, live, *concealed))
    assert "Deleted by its author" in page and "Hidden by moderation" in page


def test_categories_the_reader_cannot_see_stay_out(app, make_user, member_client):
    author = make_user("writer")
    archived = opening(services.create_thread(author, category("cybercrime"), "Old board", "discussion", "ransomware"))
    db.session.execute(db.update(Category).where(Category.slug == "cybercrime").values(archived=True))
    db.session.commit()
    assert found(search(member_client, q="ransomware"), archived) == [False]
    assert found(search(member_client, q="ransomware", category="cybercrime"), archived) == [False]
    moderator = signed_in(app, make_user("mod", role="moderator"))
    assert found(search(moderator, q="ransomware"), archived) == [True]


def test_snippets_highlight_the_words_and_escape_the_text(app, make_user, member_client):
    author = make_user("writer")
    post = opening(services.create_thread(author, category(), "Checkpoint <b>tips</b>", "discussion",
                                          "Never <script>alert('x')</script> at a **checkpoint**, ever. " + "word " * 200))
    page = search(member_client, q="checkpoint")
    assert found(page, post) == [True]
    assert "<mark>Checkpoint</mark> &lt;b&gt;tips&lt;/b&gt;" in page
    assert "<mark>checkpoint</mark>, ever." in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "word word…" in page  # cut to a snippet, after a whole word


@pytest.mark.parametrize("query", [
    '"', "'", '"unbalanced', "a AND b", "OR", "NOT x", "NEAR(a b)", "a NEAR b", "*", "check*", "^start",
    "col:word", "search_document:x", "(", ")", "{a b}", "a -b", "a & b | !c", "<->", "x:*", "\\", "%_",
    "x" * 10_000, "word " * 3000, "nul\x00byte", "😀 emoji 👮", "\u200b\u200d", "e\u0301tude", "\u0301",
    "\u0e48\u0e48", "ไทย" * 500, "",
])
def test_any_input_is_answered(member_client, make_user, query):
    services.create_thread(make_user("writer"), category(), "Checkpoint", "discussion", "checkpoint word")
    assert member_client.get("/search", query_string={"q": query}).status_code == 200


@pytest.mark.parametrize("raw", [
    "q=%ED%A0%80", "q=%00", "q=%FF%FE", "q=a&author=%00x&category=../etc&kind=x&lang=zz&academy=%00",
    "q=a&from=2025-13-45&to=yesterday", "q=a&from=0001-01-01&to=9999-12-31", "q=a&page=-5", "q=a&page=999999",
    "q=a&page=x", "q=" + quote("a\ud800b", errors="surrogatepass"), "q=a&hidden=yes",
])
def test_any_query_string_is_answered(member_client, raw):
    assert member_client.get("/search?" + raw).status_code == 200


def test_the_page_costs_the_same_queries_for_5_or_30_results(app, make_user, member_client):
    authors = [make_user(f"writer{n}", academy="roswell") for n in range(6)]
    for n in range(5):
        services.create_thread(authors[n], category(), f"Rare topic {n}", "discussion", "rarely seen word")
    for n in range(30):
        services.create_thread(authors[n % 6], category("cybercrime" if n % 2 else "general"), f"Common {n}",
                               "story", "commonly seen word")
    member_client.get("/search?q=rarely")  # warm up: the first request loads more than the later ones
    counts = []
    for query in ("rarely", "commonly"):
        with count_queries() as statements:
            page = search(member_client, q=query)
        counts.append(len(statements))
        assert page.count('class="search-result"') == (5 if query == "rarely" else 20)
    assert counts[0] == counts[1]


def test_pages_follow_one_another(app, make_user, member_client):
    author = make_user("writer")
    posts = [opening(services.create_thread(author, category(), f"Report {n}", "discussion", "pager word"))
             for n in range(25)]
    first, second = search(member_client, q="pager"), search(member_client, q="pager", page="2")
    assert found(first, posts[-1], posts[5], posts[4]) == [True, True, False]  # newest first
    assert found(second, posts[4], posts[0], posts[5]) == [True, True, False]
    assert 'rel="next"' in first and 'rel="prev"' in second and 'rel="next"' not in second


def test_edits_update_the_index(app, make_user, member_client):
    author = make_user("writer")
    post = opening(services.create_thread(author, category(), "Original title", "discussion", "alpha words"))
    reply = services.reply(author, post.thread, "gamma words")
    services.edit_post(author, post, "omega words", title="Renamed heading")
    services.edit_post(author, reply, "delta words")
    assert found(search(member_client, q="alpha"), post) == [False]
    assert found(search(member_client, q="original"), post) == [False]
    assert found(search(member_client, q="omega"), post) == [True]
    assert found(search(member_client, q="renamed"), post) == [True]
    assert found(search(member_client, q="gamma"), reply) == [False]
    assert found(search(member_client, q="delta"), reply) == [True]
    assert found(search(member_client, q="renamed"), reply) == [False]  # titles index the opening post only


def test_the_header_has_a_search_box_for_members(client, member_client):
    assert 'action="/search"' in page_text(member_client.get("/"))
    assert 'action="/search"' not in page_text(client.get("/login"))


def test_a_long_thai_post_shows_the_part_around_the_match():
    from forum.connect import search

    text = (THAI + " ") * 100 + "ตำรวจ" + (" " + THAI) * 100
    snippet = search.highlight(text, search.search_terms("ตำรวจ"))
    assert "<mark>ตำรวจ</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) < 300


def test_a_thai_word_is_found_with_or_without_its_abbreviation_mark(app, authors, member_client):
    bangkok = authors[0]
    marked = opening(services.create_thread(bangkok, category(), "ประชุมที่กรุงเทพฯ", "discussion",
                                            "การฝึกอบรมที่กรุงเทพฯ เร็วๆ นี้", "th"))
    plain = opening(services.create_thread(bangkok, category(), "ประชุม", "discussion", "เดินทางไปกรุงเทพ", "th"))
    for query in ("กรุงเทพ", "กรุงเทพฯ"):
        assert found(search(member_client, q=query), marked, plain) == [True, True], query
    assert found(search(member_client, q="เร็ว"), marked, plain) == [True, False]


def test_members_are_found_by_their_display_name(app, make_user, member_client):
    somchai = make_user("somchai.p", display_name="Somchai Prasert", academy="bangkok")
    make_user("hidden.one", display_name="Somchai Hidden", directory_hidden=True)
    post = opening(services.create_thread(somchai, category(), "Checkpoint drills", "discussion", "Drills at dawn"))
    page = search(member_client, q="somchai")
    assert 'href="/u/somchai.p"' in page and "Somchai Prasert" in page
    assert "Somchai Hidden" not in page  # the directory's own rule: hidden members are not listed
    assert 'href="/u/somchai.p"' in search(member_client, q="Pra")  # any part of the name, any case
    assert 'href="/u/somchai.p"' not in search(member_client, q="so")  # two letters match too many to list
    # The author filter takes a display name as well as a username.
    assert found(search(member_client, q="drills", author="Somchai Prasert"), post) == [True]
    assert found(search(member_client, q="drills", author="somchai.p"), post) == [True]
    assert found(search(member_client, q="drills", author="Somchai"), post) == [False]


def test_a_snippet_keeps_the_breaks_of_a_list(app, make_user, member_client):
    services.create_thread(make_user("lister"), category(), "Checklist", "best_practice",
                           "Before a raid:\n\n- brief the team\n- check the warrant\n- radio silence")
    page = search(member_client, q="warrant")
    assert "brief the team\ncheck the <mark>warrant</mark>\nradio silence" in page

