"""Full-text search of thread titles and post bodies, in the five languages.

One function answers on both databases: PostgreSQL matches a tsvector column (`posts.search_document`,
GIN index) with the 'simple' configuration; SQLite matches an FTS5 table over the same column, kept in
sync by triggers (migration 0010). Both index the same words, prepared here: the post's plain text
(with the thread title for an opening post), split into words, Thai runs segmented with PyThaiNLP
(Thai has no spaces between words), accents removed from Latin letters, lowercased. Queries are split
the same way, so any input becomes a plain list of words: nothing a member types reaches a query
parser as syntax.
"""
import html
import re
import unicodedata
from datetime import date, datetime, time
from functools import cache, lru_cache
from types import SimpleNamespace

from markupsafe import Markup, escape
from sqlalchemy import and_, column, func, literal_column, or_, select, table
from sqlalchemy.orm import contains_eager

from forum import markup, permissions
from forum.extensions import db
from forum.models import ACADEMIES, LANGUAGES, THREAD_KINDS, Category, Post, Thread, User

MAX_QUERY_CHARS = 200  # longer input is cut: a search is a few words
MAX_TERMS = 10
MAX_WORD_CHARS = 100  # PostgreSQL refuses lexemes over 2 KB; nobody searches such words
MAX_PAGE = 50  # OFFSET pages stay cheap; past 50 pages, narrow the search
SNIPPET_CHARS = 240

# A word: letters and digits (not "_"), Thai letters with their vowel and tone marks, combining accents.
_WORD = re.compile(r"(?:[^\W_]|[\u0E00-\u0E7F\u0300-\u036F])+")
_THAI = re.compile(r"[\u0E00-\u0E7F]")
_SIMPLE = literal_column("'simple'::regconfig")
_fts = table("posts_fts", column("rowid"), column("posts_fts"))  # SQLite's FTS5 index of posts


@cache
def _thai_tokenizer():
    from pythainlp.tokenize import word_tokenize  # half a second to load its dictionary: only when needed
    return word_tokenize


def word_spans(text):
    """(start, end) of each word in `text`, Thai runs cut into their words."""
    for match in _WORD.finditer(text):
        if not _THAI.search(match.group()):
            yield match.span()
            continue
        position = match.start()
        for piece in _thai_tokenizer()(match.group(), engine="newmm", keep_whitespace=False):
            start = text.find(piece, position, match.end())
            if start < 0:  # the segmenter changed the text: keep the rest whole
                yield position, match.end()
                break
            yield start, start + len(piece)
            position = start + len(piece)


# Thai signs that are not letters of the word: the abbreviation mark (กรุงเทพฯ is กรุงเทพ), the
# repetition mark (ๆ) and the verse-end signs. Dropped, so either spelling finds the other.
THAI_SIGNS = "\u0E2F\u0E46\u0E5A\u0E5B"
_DROPPED = str.maketrans("", "", THAI_SIGNS)


@lru_cache(maxsize=50_000)  # words repeat: a page of snippets normalizes ~1,600 of them
def normalize(word):
    """The indexed form of a word: lowercase, Latin accents removed (Thai marks kept, Thai signs
    dropped), compatibility forms folded (full-width letters, ligatures)."""
    decomposed = unicodedata.normalize("NFKD", word).translate(_DROPPED)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or "\u0E00" <= c <= "\u0E7F")
    return unicodedata.normalize("NFC", kept).casefold()[:MAX_WORD_CHARS]


def words(text):
    """The normalized words of a text, in order."""
    text = unicodedata.normalize("NFC", text)
    return [word for word in (normalize(text[start:end]) for start, end in word_spans(text)) if word]


def include_object(obj, name, type_, reflected, compare_to):
    """For Alembic's comparisons (inside the app): SQLite's FTS5 tables (migration 0010) are not
    models, and the GIN indexes exist on PostgreSQL only (Alembic does not read Index.ddl_if)."""
    if type_ == "table" and name.startswith("posts_fts"):
        return False
    if type_ == "index" and name in ("ix_posts_search_document", "ix_users_directory_trigrams"):
        return db.engine.dialect.name == "postgresql"
    return True


def _clean(text, limit):
    """Input as text the databases accept: no NUL, no lone surrogates, at most `limit` characters."""
    text = (text or "")[: limit * 2].encode("utf-8", "ignore").decode("utf-8")
    return text.replace("\x00", "").strip()[:limit]


def _plain(body_source):
    return markup.render_plain_excerpt(body_source, length=10 ** 6)  # longer than any post: never cut


# --- indexing (called by the services when a post is created or edited) -------------------------

def index_text(body_source, title=None):
    """The words a post is found by, separated by spaces: its title (opening posts) and plain text."""
    text = _plain(body_source)
    return " ".join(words(f"{title}\n{text}" if title else text))


def document(body_source, title=None):
    """The value of `Post.search_document` for this text: a tsvector expression on PostgreSQL, the
    words separated by spaces on SQLite (FTS5 indexes them through its triggers)."""
    indexed = index_text(body_source, title)
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_tsvector(_SIMPLE, indexed)
    return indexed


def index_post(post):
    """Set the post's search document from its current text (and its thread's title if it opens it)."""
    post.search_document = document(post.body_source, post.thread.title if post.number == 1 else None)


# --- searching -------------------------------------------------------------------------------------

def _parse_date(value):
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def filters_from(args, user):
    """The search and its filters from a query string; unknown or malformed values are left out."""
    filters = {"q": _clean(args.get("q"), MAX_QUERY_CHARS)}
    for name, allowed in (("kind", THREAD_KINDS), ("academy", ACADEMIES), ("lang", LANGUAGES)):
        if args.get(name) in allowed:
            filters[name] = args.get(name)
    category = _clean(args.get("category"), 60)
    if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", category):
        filters["category"] = category
    author = _clean(args.get("author"), 100).lower()
    if author:
        filters["author"] = author
    for name in ("from", "to"):
        if _parse_date(args.get(name)):
            filters[name] = _parse_date(args.get(name)).isoformat()
    if args.get("hidden") and permissions.is_moderator(user):
        filters["hidden"] = "1"
    return filters


def _visible_to(query, user, include_hidden):
    """What the reader may see (forum/permissions.py in SQL): archived categories for moderators only;
    hidden threads, hidden posts and deleted posts for nobody, unless a moderator asks to include
    them, and then only in the categories they moderate."""
    if not permissions.is_moderator(user):
        query = query.where(Category.archived.is_(False))
    live = and_(Post.deleted_at.is_(None), Post.moderation_state.is_(None), Thread.hidden.is_(False))
    if not (include_hidden and permissions.is_moderator(user)):
        return query.where(live)
    return query.where(or_(live, permissions.moderates_category_sql(user, Thread.category_id)))


def _matching(terms):
    if db.session.get_bind().dialect.name == "postgresql":
        # The terms are words only, so plainto_tsquery reads them as words joined by AND.
        return Post.search_document.bool_op("@@")(func.plainto_tsquery(_SIMPLE, " ".join(terms)))
    phrase = " ".join('"' + term.replace('"', '""') + '"' for term in terms)  # quoted: never FTS5 syntax
    return Post.id.in_(select(_fts.c.rowid).where(_fts.c.posts_fts.op("MATCH")(phrase)))


def search_terms(text):
    """The distinct words of a search, at most MAX_TERMS."""
    return list(dict.fromkeys(words(text or "")))[:MAX_TERMS]


def search_query(user, terms, filters):
    """The posts matching every term and the filters that the reader may see, newest first, with their
    thread, category and author loaded in the same query."""
    query = (select(Post).join(Post.thread).join(Thread.category).join(Post.author)
             .where(_matching(terms))
             .options(contains_eager(Post.thread).contains_eager(Thread.category),
                      contains_eager(Post.author)))
    query = _visible_to(query, user, bool(filters.get("hidden")))
    if filters.get("category"):
        query = query.where(Category.slug == filters["category"])
    if filters.get("kind"):
        query = query.where(Thread.kind == filters["kind"])
    if filters.get("lang"):
        query = query.where(Post.language == filters["lang"])
    if filters.get("academy"):
        query = query.where(User.academy == filters["academy"])
    if filters.get("author"):  # a username, or a display name in any case
        query = query.where(or_(User.username == filters["author"], func.lower(User.stored_name) == filters["author"]))
    if filters.get("from"):
        query = query.where(Post.created_at >= datetime.combine(_parse_date(filters["from"]), time()))
    if filters.get("to"):
        query = query.where(Post.created_at <= datetime.combine(_parse_date(filters["to"]), time.max))
    # Ids grow with time: newest first is the primary key read backwards.
    return query.order_by(Post.id.desc())


def search_posts(user, filters, page, per_page):
    """One page of the posts matching the search and filters that the reader may see, newest first,
    with highlighted snippets.

    One query per page: it fetches one row more than the page to tell whether another page follows,
    so nothing counts the matches (a common word matches hundreds of thousands of posts).
    """
    terms = search_terms(filters.get("q"))
    page = min(max(page, 1), MAX_PAGE)
    if not terms:
        return SimpleNamespace(items=[], terms=[], page=1, has_next=False)
    query = search_query(user, terms, filters).limit(per_page + 1).offset((page - 1) * per_page)
    posts = db.session.scalars(query).unique().all()
    return SimpleNamespace(items=[_result(post, terms) for post in posts[:per_page]], terms=terms, page=page,
                           has_next=len(posts) > per_page and page < MAX_PAGE)


def _result(post, terms):
    title = post.thread.title
    return SimpleNamespace(post=post, title=highlight(title, terms, len(title)),
                           snippet=highlight(plain_lines(post.body_html), terms))


_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li|h[1-6]|blockquote|pre|tr)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def plain_lines(body_html):
    """The text of a post, a line for each paragraph, list item or heading (a snippet keeps a list's
    breaks). The stored HTML is the portal's own sanitized output, where every "<" of the text is
    escaped: removing its tags gives the text (rendering the Markdown again and cleaning it with
    bleach cost ~1 ms a result)."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", body_html or "")))
    return "\n".join(line for line in (" ".join(part.split()) for part in text.split("\n")) if line)


def highlight(text, terms, width=SNIPPET_CHARS):
    """Up to `width` characters of `text` around the first matching word, escaped, each matching word
    wrapped in <mark>. Safe to put in HTML element context."""
    text = unicodedata.normalize("NFC", text or "")
    before = after = False
    if len(text) > 4 * width:
        # Cutting a long text into words costs (Thai segmentation ~5 ms per 1,000 characters, and a
        # search page shows 20 posts): look at the part around the first match only, found as a
        # substring (a Thai word is written the same in the text and the index). A Latin word found
        # only with its accents folded is looked for in the whole text.
        folded = text.casefold()
        found = [at for at in (folded.find(term.replace("\u0E4D\u0E32", "\u0E33")) for term in terms) if at >= 0]
        if found or _THAI.search(text):
            low = max(min(found, default=0) - width, 0)
            before, after = low > 0, low + 3 * width < len(text)
            text = text[low: low + 3 * width]
    wanted = set(terms)
    every = list(word_spans(text))
    if before:
        every = every[1:]  # the first word may be cut
    if after:
        every = every[:-1]
    spans = [(start, end) for start, end in every if normalize(text[start:end]) in wanted]
    begin, end = 0, len(text)
    if before and every:
        begin = every[0][0]
    if spans and spans[0][0] - begin > width // 3 and len(text) - begin > width:
        # Start a little before the first match, at the beginning of a word.
        begin = next(start for start, _ in every if start >= spans[0][0] - width // 3)
    if after or end - begin > width:
        # End at the end of a word (or mid-word when a single word is longer than the snippet).
        end = max((stop for _, stop in every if begin < stop <= begin + width), default=begin + width)
    parts, position = ["…" if begin or before else ""], begin
    for start, stop in spans:
        if start < begin or stop > end:
            continue
        parts += [escape(text[position:start]), Markup("<mark>"), escape(text[start:stop]), Markup("</mark>")]
        position = stop
    parts += [escape(text[position:end]), "…" if end < len(text) or after else ""]
    return Markup("").join(parts)

