"""The portal speaks the member's language: selection, the switcher, whole pages, dates, post languages."""
import functools
import html
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from forum.connect import library
from forum.discussions.services import create_thread, reply
from forum.extensions import db
from forum.models import LANGUAGES, Post, Thread, User, utcnow
from moderation import services as moderation
from moderation.models import Case
from tests.conftest import HOST, category, login, page_text, signed_in, start_thread, translated, unescaped_page_text

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
LABEL_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}


class VisibleText(HTMLParser):
    """The text a person reads (text nodes and labelling attributes): not scripts and styles, nor
    the data in a textarea being edited (a seeded category description is stored in English)."""

    def __init__(self):
        super().__init__()
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "textarea")
        self.texts.extend(value.strip() for name, value in attrs if name in LABEL_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "textarea")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def visible_texts(page):
    parser = VisibleText()
    parser.feed(page)
    return parser.texts


@functools.cache
def translated_ids(language):
    """The catalog's messages whose translation into `language` differs from the English."""
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    return frozenset(message.id for message in catalog
                     if isinstance(message.id, str) and message.id and message.string != message.id)


def english_left_on(page, language):
    """Catalog messages shown in English on a page rendered in `language`."""
    return sorted(set(visible_texts(page)) & translated_ids(language))


# Template text outside {% trans %} and _() never reaches the catalog: find it in the sources.

def _template_skeleton(source):
    """The template's literal text (outside trans blocks), with every tag and expression blanked."""
    parts, in_trans, previous = [], False, None
    for _, token, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if token == "name" and previous == "block_begin":
            in_trans = {"trans": True, "endtrans": False}.get(value, in_trans)
        parts.append(value if token == "data" and not in_trans else "\x00")
        previous = token if token != "whitespace" else previous
    return "".join(parts)


@pytest.mark.parametrize("path", sorted((ROOT / "templates").rglob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_unmarked_text(path):
    words = [text for text in visible_texts(_template_skeleton(path.read_text()).replace("\x00", " "))
             if re.search(r"[A-Za-z]{2,}", text)]
    assert words == []


# Choosing the language.

def lang_of(response):
    return re.search(r'<html lang="([^"]+)">', page_text(response)).group(1)


def test_visitors_get_their_browsers_language_then_english(client):
    assert lang_of(client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})) == "fr"
    assert lang_of(client.get("/login", headers={"Accept-Language": "pt-BR"})) == "pt-PT"
    assert lang_of(client.get("/login", headers={"Accept-Language": "de-DE"})) == "en"
    assert lang_of(client.get("/login")) == "en"


def test_the_switcher_remembers_a_visitors_choice_over_the_browser(client):
    response = client.post("/language?next=/contact", data={"language": "th"})
    assert response.status_code == 302 and response.location.endswith("/contact")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=th;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/login", headers={"Accept-Language": "es"})
    assert lang_of(page) == "th"
    assert translated("th", "Sign in") in page_text(page)


def test_the_switcher_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.post("/language", data={"language": "xx"}).status_code == 400
    response = client.post("/language?next=https://evil.example/", data={"language": "es"})
    assert response.location.endswith("/")
    assert "evil.example" not in response.location


def test_a_language_chosen_before_signing_in_becomes_the_members_own(app, make_user):
    make_user("ana", preferred_language="es")
    make_user("ben", preferred_language="es")
    browser = app.test_client()
    browser.post("/language", data={"language": "th"})
    login(browser, "ana")
    assert lang_of(browser.get("/")) == "th"
    assert db.session.scalar(db.select(User.preferred_language).where(User.username == "ana")) == "th"
    # A lang cookie alone (a visit long ago, another member) does not overwrite a profile.
    other = app.test_client()
    other.set_cookie("lang", "fr", domain=HOST)
    login(other, "ben")
    assert lang_of(other.get("/")) == "es"


def test_a_members_profile_language_wins_and_the_switcher_changes_it(app, make_user):
    make_user("somchai", preferred_language="th")
    browser = signed_in(app, "somchai")
    browser.set_cookie("lang", "es", domain=HOST)
    assert lang_of(browser.get("/", headers={"Accept-Language": "fr"})) == "th"

    browser.post("/language", data={"language": "pt"})
    assert db.session.scalar(db.select(User.preferred_language).where(User.username == "somchai")) == "pt"
    assert lang_of(browser.get("/")) == "pt-PT"


def test_switcher_is_on_every_page_with_each_language_named_in_itself(app, member_client):
    for page in (page_text(app.test_client().get("/login")), page_text(member_client.get("/"))):
        assert 'action="/language?next=' in page
        for code, name in LANGUAGES.items():
            assert f'<option value="{code}" lang="{code}"' in page and f">{name}</option>" in page


# Whole pages in every language.

@pytest.fixture
def moderation_scene(app, make_user):
    """A thread with a reported reply, a case, and a moderator; returns the paths to visit."""
    post = start_thread(make_user("author"), title="Field notes", body="Notes from the field")
    rude = reply(make_user("replier"), post.thread, "A rude reply")
    case = moderation.report_post(make_user("reporter"), rude, "disrespect", "Rude")
    return {"thread": f"/t/{post.thread_id}", "category": "/c/general", "profile": "/u/author",
            "queue": "/moderation/", "case": f"/moderation/cases/{case.id}",
            "report": f"/p/{rude.id}/report", "notifications": "/account/notifications"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_main_pages_speak_the_members_language_with_no_english_left(app, make_user, client,
                                                                   moderation_scene, language):
    make_user("reader", role="moderator", preferred_language=language)
    browser = signed_in(app, "reader")
    pages = {"login": page_text(client.get("/login", headers={"Accept-Language": language}))}
    for name, path in moderation_scene.items():
        response = browser.get(path)
        assert response.status_code == 200, name
        pages[name] = page_text(response)

    navigation = ["Latest", "Notifications", "Moderation", "Sign out", "Change language"]
    for name, page in pages.items():
        assert english_left_on(page, language) == [], name
        assert f'lang="{language}' in page[:60], name
        if name != "login":
            for label in navigation:
                assert translated(language, label) in html.unescape(page), (name, label)
    assert translated(language, "General") in pages["category"]
    assert translated(language, "Disrespect") in html.unescape(pages["case"])


def test_form_errors_from_wtforms_are_translated(app, make_user):
    make_user("somchai", preferred_language="th")
    browser = signed_in(app, "somchai")
    thread = start_thread(db.session.scalar(db.select(User).where(User.username == "somchai")))
    response = browser.post(f"/t/{thread.thread_id}/reply", data={"body": "", "language": "th"})
    assert translated("th", "This field is required.") in unescaped_page_text(response)
    assert "This field is required." not in page_text(response)


# Dates in the member's time zone and language.

def test_times_are_shown_in_the_members_time_zone_and_language(app, make_user):
    make_user("ana", preferred_language="es", timezone="America/El_Salvador")  # UTC-6, no DST
    make_user("somchai", preferred_language="th", timezone="Asia/Bangkok")  # UTC+7
    post = start_thread(db.session.scalar(db.select(User).where(User.username == "ana")))
    db.session.execute(db.update(Post).where(Post.id == post.id)
                       .values(created_at=utcnow().replace(year=2026, month=1, day=10, hour=3, minute=0, second=0)))
    db.session.commit()

    spanish = unescaped_page_text(signed_in(app, "ana").get(f"/t/{post.thread_id}"))
    thai = unescaped_page_text(signed_in(app, "somchai").get(f"/t/{post.thread_id}"))
    assert ">9 ene 2026, 21:00</time>" in spanish  # the evening before in San Salvador; no seconds
    # Thai dates count years in the Buddhist era (2026 is 2569), the exact time in the tooltip too.
    assert ">10 ม.ค. 2569 10:00</time>" in thai and "พ.ศ. 2569" in thai and "2026 " not in thai


def test_the_code_of_conduct_is_dated_without_seconds_and_in_the_buddhist_era_in_thai(app, make_user):
    english = page_text(signed_in(app, make_user("ana")).get("/conduct"))
    published = re.search(r"published ([^<]+)</p>", english).group(1)
    assert re.search(r"\d{1,2}:\d{2}\u202f?[AP]M$", published), published  # hours and minutes only
    thai = unescaped_page_text(signed_in(app, make_user("somchai", preferred_language="th")).get("/conduct"))
    assert re.search(r"25[0-9]{2} \d{2}:\d{2}(?!:)", thai)


def test_recent_times_read_as_elapsed_time_in_the_readers_language(app, make_user):
    make_user("ana", preferred_language="es")
    post = start_thread(db.session.scalar(db.select(User).where(User.username == "ana")))
    db.session.execute(db.update(Thread).where(Thread.id == post.thread_id)
                       .values(last_activity_at=utcnow() - timedelta(hours=3, minutes=5)))
    db.session.commit()
    assert "hace 3 horas" in unescaped_page_text(signed_in(app, "ana").get("/"))
    assert translated("es", "just now") in unescaped_page_text(signed_in(app, "ana").get(f"/t/{post.thread_id}"))


def test_members_choose_a_time_zone_and_unknown_zones_are_refused(app, member_client, member):
    form = {"display_name": "Alice", "preferred_language": "fr", "timezone": "Africa/Gaborone", "academy": ""}
    assert member_client.post("/account/profile", data=form).status_code == 302
    assert db.session.get(User, member.id).timezone == "Africa/Gaborone"
    refused = member_client.post("/account/profile", data={**form, "timezone": "Mars/Olympus"})
    assert refused.status_code == 200
    assert translated("fr", "Not a valid choice.") in unescaped_page_text(refused)
    assert db.session.get(User, member.id).timezone == "Africa/Gaborone"


# The language of posts.

def test_a_post_records_the_language_its_author_chose_defaulting_to_the_ui_language(app, make_user):
    make_user("fabien", preferred_language="fr")
    browser = signed_in(app, "fabien")
    form = page_text(browser.get("/c/general/new"))
    assert re.search(r'<option selected value="fr">|<option value="fr" selected>', form)

    browser.post("/c/general/new", data={"title": "การประชุมศิษย์เก่า", "kind": "discussion",
                                         "body": "ขอเชิญทุกท่าน", "language": "th"})
    thread = db.session.scalar(db.select(Thread).where(Thread.title == "การประชุมศิษย์เก่า"))
    assert thread.language == "th"
    page = page_text(browser.get(f"/t/{thread.id}"))
    assert '<div class="post-body" lang="th">' in page and ">ไทย</span>" in page

    browser.post(f"/t/{thread.id}/reply", data={"body": "Je serai là.", "language": "fr"})
    reply = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    assert reply.language == "fr"


def test_thread_lists_filter_by_language_and_keep_the_kind_filter(app, make_user, member_client):
    author = make_user("writer")
    create_thread(author, category(), "Relato de Lisboa", "story", "Texto", "pt")
    create_thread(author, category(), "Rapport de Paris", "story", "Texte", "fr")
    create_thread(author, category(), "Notes from Roswell", "best_practice", "Text", "en")

    portuguese = page_text(member_client.get("/?lang=pt"))
    assert "Relato de Lisboa" in portuguese and "Rapport de Paris" not in portuguese
    stories_in_french = page_text(member_client.get("/c/general?lang=fr&kind=story"))
    assert "Rapport de Paris" in stories_in_french and "Relato de Lisboa" not in stories_in_french
    assert 'href="/c/general?kind=story&amp;lang=pt"' in stories_in_french  # language links keep the kind
    everything = page_text(member_client.get("/?lang=xx"))  # unknown values are ignored
    assert all(title in everything for title in ("Relato de Lisboa", "Rapport de Paris", "Notes from Roswell"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_speaks_the_readers_language(app, make_user, moderation_scene, language):
    """Every page an admin (who sees them all) or a visitor opens, with no catalog message in English."""
    admin = make_user("chief", role="admin", preferred_language=language)
    own = start_thread(admin, title="Admin notes", body="Text")
    resource = library.publish(admin, {"title": "Field guide", "description": "Text", "language": language,
                                       "subject": category("cybercrime").id, "url": "https://www.state.gov/"})
    case_id = moderation_scene["case"].rsplit("/", 1)[1]
    moderation.escalate_case(admin, db.session.get(Case, int(case_id)), "Admins decide")
    paths = [*moderation_scene.values(), "/", "/c/general/new", f"/t/{own.thread_id}/reply",
             f"/p/{own.id}/edit", f"/p/{own.id}/history", "/u/author/report", "/account/profile",
             "/account/password", "/account/data", "/account/moderation", "/notifications", "/reports", "/conduct",
             "/admin/", "/admin/categories", "/admin/categories/new", "/admin/categories/1/edit",
             "/admin/requests", "/admin/roster", "/admin/invitations", "/admin/conduct", "/admin/deliveries",
             "/admin/members", f"/admin/members/{admin.id}", "/moderation/?status=escalated",
             "/moderation/log", "/moderation/members/replier", "/moderation/removal-messages",
             f"/moderation/removal-messages/disrespect/{language}", "/moderation/stats",
             "/moderation/appeals", "/resources", f"/resources/{resource.id}", "/admin/resources",
             "/admin/resources/new", f"/admin/resources/{resource.id}/edit", "/directory", "/directory?academy=bangkok",
             "/u/author?show=posts", "/search?q=notes"]
    browser = signed_in(app, "chief")
    for path in paths:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert english_left_on(page_text(response), language) == [], path
    missing = browser.get("/no-such-page")
    assert missing.status_code == 404 and english_left_on(page_text(missing), language) == []
    visitor = app.test_client()
    visitor.set_cookie("lang", language, domain=HOST)
    for path in ("/login", "/contact", "/conduct", "/password/reset"):
        assert english_left_on(page_text(visitor.get(path)), language) == [], path
