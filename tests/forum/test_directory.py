"""The alumni directory (finding members, respecting their choice to stay out) and the activity on profiles."""
import re
from datetime import timedelta

import pytest

from forum.discussions.services import reply
from forum.extensions import db
from forum.models import Category, Post, Thread, User, utcnow
from tests.conftest import PASSWORD, count_queries, page_text, signed_in, start_thread, unescaped_page_text, user_named

PROFILE = {"display_name": "Alice Martin", "academy": "budapest", "preferred_language": "en", "timezone": "UTC"}


def listed(client, query=""):
    """The usernames the directory lists for the query string, in the order shown."""
    response = client.get(f"/directory{query}")
    assert response.status_code == 200
    page = page_text(response)
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r'href="/u/([^"]+)"', body)


@pytest.fixture
def alumni(make_user):
    """Alumni of three academies and years, and the reader (alice, no academy)."""
    make_user("somchai", display_name="Somchai Prasert", academy="bangkok", graduation_year=2019,
              class_session="Session 88", country="Thailand", agency="Royal Thai Police")
    make_user("napat", display_name="Napat Wong", academy="bangkok", graduation_year=2018, country="Thailand",
              agency="Department of Special Investigation")
    make_user("maria", display_name="María López", academy="san-salvador", graduation_year=2019,
              country="El Salvador", agency="Policía Nacional Civil")
    make_user("janos", display_name="János Kovács", academy="budapest", graduation_year=2008, country="Hungary",
              agency="National Police of Hungary")


def test_the_directory_finds_bangkok_alumni_of_2019(alumni, member_client):
    assert listed(member_client, "?academy=bangkok&year=2019") == ["somchai"]
    page = unescaped_page_text(member_client.get("/directory?academy=bangkok&year=2019"))
    for shown in ("Somchai Prasert", "ILEA Bangkok", "Session 88", "2019", "Thailand", "Royal Thai Police"):
        assert shown in page


@pytest.mark.parametrize("query, expected", [
    ("", ["alice", "janos", "maria", "napat", "somchai"]),  # everyone, by name
    ("?q=NAPAT", ["napat"]),  # the username, in any case
    ("?q=l%C3%B3pez", ["maria"]),  # a piece of the display name
    ("?q=wong", ["napat"]),
    ("?academy=bangkok", ["napat", "somchai"]),
    ("?year=2019", ["maria", "somchai"]),
    ("?country=Thailand", ["napat", "somchai"]),
    ("?agency=police", ["janos", "somchai"]),  # a substring of the agency, in any case
    ("?agency=police&country=Hungary", ["janos"]),
    ("?academy=nowhere&year=19x&country=", ["alice", "janos", "maria", "napat", "somchai"]),  # ignored
    ("?q=100%25", []),  # LIKE wildcards are searched for, not obeyed
])
def test_each_filter(alumni, member_client, query, expected):
    assert listed(member_client, query) == expected


def test_the_country_choices_come_from_the_listed_members(alumni, make_user, member_client):
    make_user("kept", country="Botswana", directory_hidden=True)
    page = page_text(member_client.get("/directory"))
    assert "<option>El Salvador</option>" in page and "<option>Thailand</option>" in page
    assert "Botswana" not in page  # a hidden member's country would point at them


def test_hidden_dismissed_and_deleted_members_are_absent_suspended_ones_present(make_user, member_client):
    make_user("shy", academy="gaborone", directory_hidden=True)
    make_user("gone", academy="gaborone", status="dismissed")
    make_user("erased", academy="gaborone", status="deleted")
    make_user("benched", academy="gaborone", suspended_until=utcnow() + timedelta(days=3))
    make_user("open", academy="gaborone")
    assert listed(member_client, "?academy=gaborone") == ["benched", "open"]
    assert listed(member_client, "?q=shy") == [] and listed(member_client, "?q=gone") == []


def test_the_directory_never_shows_an_email(alumni, member_client):
    page = page_text(member_client.get("/directory"))
    assert "@example.org" not in page and "mailto:" not in page
    assert listed(member_client, "?q=somchai%40example.org") == []  # nor finds members by it


def test_a_member_hides_their_profile_and_it_stays_reachable(app, member, member_client, make_user):
    form = page_text(member_client.get("/account/profile"))
    assert "Hide my profile from the alumni directory" in form
    assert "Members can still see your posts" in form

    assert member_client.post("/account/profile", data={**PROFILE, "directory_hidden": "y"}).status_code == 302
    assert db.session.get(User, member.id).directory_hidden is True
    box = re.search(r'<input[^>]*name="directory_hidden"[^>]*>', page_text(member_client.get("/account/profile")))
    assert "checked" in box.group(0)
    reader = signed_in(app, make_user("reader"))
    assert "alice" not in listed(reader, "")
    profile = page_text(reader.get("/u/alice"))
    assert "Alice Martin" in profile and "ILEA Budapest" in profile  # from a post's link, as before
    assert "hidden from the alumni directory" in page_text(member_client.get("/u/alice"))

    member_client.post("/account/profile", data=PROFILE)  # an unticked box: listed again
    assert db.session.get(User, member.id).directory_hidden is False
    assert "alice" in listed(reader, "")


def test_the_directory_pages_keep_the_filters(make_user, member_client):
    for number in range(35):
        make_user(f"grad{number:02}", display_name=f"Graduate {number:02}", academy="roswell")
    first = page_text(member_client.get("/directory?academy=roswell"))
    assert listed(member_client, "?academy=roswell") == [f"grad{number:02}" for number in range(30)]
    following = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "academy=roswell" in following and "page=2" in following
    assert listed(member_client, following.removeprefix("/directory")) == [f"grad{n:02}" for n in range(30, 35)]
    assert "35 members found." in first
    assert listed(member_client, "?academy=roswell&page=9") == []  # past the end: an empty page, not an error


def test_the_directory_is_in_the_navigation(member_client):
    assert '<a href="/directory">Directory</a>' in page_text(member_client.get("/"))


def test_directory_and_profile_statement_counts_do_not_grow(app, make_user):
    """5 and 30 members, 5 and 30 posts: the same number of statements for each page."""
    counts = {}
    for size in (5, 30):
        names = [f"m{size}x{number:02}" for number in range(size)]
        for name in names:
            make_user(name, academy="gaborone", graduation_year=2000 + size)
        author = user_named(names[0])
        thread = start_thread(author, title=f"Thread of {size}").thread
        for number in range(size - 1):
            reply(author, thread, f"Reply {number}")
        reader = signed_in(app, make_user(f"reader{size}"))
        reader.get("/")
        with count_queries() as directory:
            assert len(listed(reader, f"?year={2000 + size}")) == size
        with count_queries() as posts:
            page = page_text(reader.get(f"/u/{author.username}?show=posts"))
        assert page.count('class="excerpt"') == min(size, 20)
        with count_queries() as threads:
            reader.get(f"/u/{author.username}")
        counts[size] = (len(directory), len(posts), len(threads))
    assert counts[5] == counts[30], counts


# Activity on profiles.

@pytest.fixture
def activity(app, make_user):
    """Bob's threads and replies: some visible, one removed, one pending review, one deleted, one archived."""
    bob = make_user("bob", display_name="Bob Chaiyaporn")
    other = make_user("olga")
    opening = start_thread(bob, title="Cybercrime training notes", body="Notes from **the** course.")
    elsewhere = start_thread(other, title="Border control exchange").thread
    reply(bob, elsewhere, "I can share our checklist.")
    removed = reply(bob, elsewhere, "A removed remark.")
    pending = reply(bob, elsewhere, "A reply under review.")
    deleted = reply(bob, elsewhere, "A deleted reply.")
    hidden_thread = start_thread(bob, title="A reported thread", body="Reported opening.")
    archived = start_thread(bob, title="Old archived matter", body="From the archive.", slug="cybercrime")
    db.session.execute(db.update(Post).where(Post.id == removed.id).values(moderation_state="removed"))
    db.session.execute(db.update(Post).where(Post.id.in_([pending.id, hidden_thread.id]))
                       .values(moderation_state="pending"))
    db.session.execute(db.update(Thread).where(Thread.id == hidden_thread.thread_id).values(hidden=True))
    db.session.execute(db.update(Post).where(Post.id == deleted.id).values(deleted_at=utcnow()))
    db.session.execute(db.update(Category).where(Category.id == archived.thread.category_id).values(archived=True))
    db.session.commit()
    return {"opening": opening}


def test_a_profile_lists_the_members_threads_and_posts_with_links_and_excerpts(activity, member_client):
    threads = unescaped_page_text(member_client.get("/u/bob"))
    assert "Cybercrime training notes" in threads and "Notes from the course." in threads
    assert f'href="/t/{activity["opening"].thread_id}-cybercrime-training-notes"' in threads
    assert "Border control exchange" not in threads  # started by someone else

    posts = unescaped_page_text(member_client.get("/u/bob?show=posts"))
    assert "Re: Border control exchange" in posts and "I can share our checklist." in posts
    assert "Cybercrime training notes" in posts
    assert f'href="/p/{activity["opening"].id}"' in posts
    assert "<strong>" not in posts.split('id="activity-title"')[1]  # excerpts are plain text


def test_members_do_not_see_hidden_removed_deleted_or_archived_posts_on_a_profile(activity, member_client):
    page = unescaped_page_text(member_client.get("/u/bob?show=posts")) + \
        unescaped_page_text(member_client.get("/u/bob"))
    for absent in ("A removed remark.", "A reply under review.", "A deleted reply.", "A reported thread",
                   "Reported opening.", "Old archived matter"):
        assert absent not in page, absent


def test_the_author_and_moderators_see_the_hidden_ones_marked(app, activity, make_user):
    for client in (signed_in(app, "bob"), signed_in(app, make_user("mod", role="moderator"))):
        page = unescaped_page_text(client.get("/u/bob?show=posts"))
        assert "A removed remark." in page and "A reply under review." in page
        assert "Hidden by the moderators" in page
        assert "A deleted reply." not in page
    moderator_threads = unescaped_page_text(signed_in(app, "mod").get("/u/bob"))
    assert "A reported thread" in moderator_threads and "Old archived matter" in moderator_threads


def test_profile_activity_is_paginated(app, make_user, member_client):
    bob = make_user("bob")
    thread = start_thread(bob, title="Long conversation", body="Reply 00").thread
    for number in range(1, 25):
        reply(bob, thread, f"Reply {number:02}")
    first = page_text(member_client.get("/u/bob?show=posts"))
    assert first.count('class="excerpt"') == 20 and "Reply 24" in first and "Reply 04" not in first
    following = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "show=posts" in following and "page=2" in following
    second = page_text(member_client.get(following))
    assert second.count('class="excerpt"') == 5 and "Reply 00" in second and "Reply 24" not in second


def test_a_dismissed_members_profile_says_so_and_lists_nothing(app, make_user, member_client):
    former = make_user("former", display_name="Frank Former", academy="roswell", agency="Somewhere")
    start_thread(former, title="Before the dismissal", body="Old words.")
    db.session.execute(db.update(User).where(User.id == former.id).values(status="dismissed"))
    db.session.commit()
    response = member_client.get("/u/former")
    page = unescaped_page_text(response)
    assert response.status_code == 200
    assert "Frank Former is no longer a member of the portal." in page
    assert "Before the dismissal" not in page and "Somewhere" not in page and "ILEA Roswell" not in page


def test_a_deleted_accounts_profile_lists_nothing(app, make_user, member_client):
    gone = make_user("gone")
    start_thread(gone, title="Words of someone gone", body="Text.")
    signed_in(app, gone).post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    page = unescaped_page_text(member_client.get(f"/u/former-{gone.id}"))
    assert "Former member" in page and "Words of someone gone" not in page


def test_the_composer_suggests_listed_members_by_username_or_a_word_of_their_name(app, make_user, member_client):
    make_user("somchai.p", display_name="Somchai Prasert")
    make_user("prasit", display_name="Niran Chaiyaporn")
    make_user("pra.hidden", display_name="Pravit Hidden", directory_hidden=True)
    make_user("pra.gone", display_name="Prasong Gone", status="dismissed")

    def suggested(q):
        answer = member_client.get(f"/members/complete?q={q}")
        assert answer.mimetype == "application/json" and "private" in answer.headers["Cache-Control"]
        return [member["username"] for member in answer.get_json()]

    assert suggested("PRA") == ["prasit", "somchai.p"]  # a username, a later word of a name; shortest first
    assert suggested("@som") == ["somchai.p"]
    assert suggested("so") == []  # two letters match too many
    assert suggested("rasert") == []  # inside a word, not its start
    assert member_client.get("/members/complete?q=som").get_json()[0] == {"username": "somchai.p",
                                                                           "name": "Somchai Prasert"}
    with count_queries() as statements:
        suggested("niran")
    assert len([s for s in statements if "LIKE" in s]) == 1
