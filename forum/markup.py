"""Markdown written by members -> sanitized HTML; the only module that imports bleach or markdown-it."""
import html
import re
from functools import partial
from urllib.parse import unquote

import bleach
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"

# "js-default" leaves raw HTML off, so anything a member types between angle brackets is
# escaped text before bleach ever sees it. Images are off: the portal must work offline,
# and a remote image would leak every reader's IP address to whoever chose its URL.
# A MarkdownIt instance keeps no state between render() calls, so one is shared.
_markdown = MarkdownIt("js-default").enable(["table", "strikethrough"]).disable("image")
# "@username" (as forum/connect/watching.py finds mentions): not after a letter, digit or "@" (an
# e-mail address), never inside a link's text or code (an inline rule does not run in code).
_MENTION = re.compile(r"@([a-z0-9_](?:[a-z0-9_.-]{0,30}[a-z0-9_])?)", re.IGNORECASE)


def _mention(state, silent):
    """Inline rule: @username becomes a link to the member's profile."""
    start = state.pos
    if state.src[start] != "@" or state.linkLevel > 0:
        return False
    if start > 0 and (state.src[start - 1].isalnum() or state.src[start - 1] in "@_.-"):
        return False
    found = _MENTION.match(state.src, start)
    if found is None:
        return False
    if not silent:
        state.push("link_open", "a", 1).attrs = {"href": f"/u/{found.group(1).lower()}", "class": "mention"}
        state.push("text", "", 0).content = found.group(0)
        state.push("link_close", "a", -1)
    state.pos = found.end()
    return True


_markdown.inline.ruler.before("emphasis", "mention", _mention)

# LinkifyFilter runs after the sanitizer inside the Cleaner, so the links it creates are
# never checked against ALLOWED_PROTOCOLS; its default pattern would turn "data:x.com" or
# "ftp://x.com" into links. Only ever create http(s) links (plus mailto for e-mails).
_url_re = build_url_re(protocols=["http", "https"])

# Browsers drop leading control characters and spaces, and tabs or newlines anywhere, so
# "\x01javascript:" and "java\tscript:" still run script. Strip those (and, like bleach,
# backticks and other blanks) before reading the scheme.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\xa0\s`]+")
_SCHEME = re.compile(r"([^/?#:]*):")


def _has_allowed_scheme(href):
    """Tell whether a URL is relative or uses an allowed scheme, however it is disguised."""
    # Stricter than a browser on purpose: entities and percent-escapes are decoded until
    # nothing changes, so "jav&#x09;ascript:", markdown-it's "jav%09ascript:" and a
    # double-encoded "&amp;#106;avascript:" all read as "javascript:" and are refused,
    # even where a browser would take them for harmless relative paths.
    normalized = href
    for _ in range(5):
        decoded = unquote(html.unescape(normalized))
        if decoded == normalized:
            break
        normalized = decoded
    else:
        return False  # still changing after five rounds: refuse rather than guess
    match = _SCHEME.match(_IGNORED_IN_URL.sub("", normalized).lower())
    return match is None or match.group(1) in ALLOWED_PROTOCOLS


def _allow_link_attribute(tag, name, value):
    """Keep href only with a safe scheme (bleach checks it again), and title and rel."""
    if name == "href":
        return _has_allowed_scheme(value)
    if name == "class":
        return value == "mention"  # the mention rule's own; raw HTML is off, so only it sets one
    return name in ("title", "rel")


def _set_link_rel(attrs, new=False):
    """Give every link, typed in Markdown or linkified, rel="nofollow noopener"."""
    # Links made by the linkifier never went through the sanitizer: check them here.
    href = attrs.get((None, "href"))
    if href is not None and not _has_allowed_scheme(href):
        del attrs[(None, "href")]
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _cleaner():
    """Build a Cleaner with our allowlist; Cleaner objects are not thread-safe, so one per call."""
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes={"a": _allow_link_attribute, "ol": ["start"]},
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        # Linkify in this same pass (see PITFALLS): a second pass would re-parse cleaned
        # HTML and add links nothing sanitizes afterwards. URLs inside code stay literal.
        filters=[partial(
            LinkifyFilter,
            callbacks=[_set_link_rel],
            skip_tags={"pre", "code"},
            parse_email=True,
            url_re=_url_re,
        )],
    )


def sanitize_html(fragment: str) -> str:
    """The allowlist applied to an HTML fragment (Markdown output; tested on raw attack HTML too)."""
    return _cleaner().clean(fragment)


def render_markdown(source: str | None) -> str:
    """Render a member's Markdown to sanitized HTML, safe only in HTML element context."""
    if not source:
        return ""
    return sanitize_html(_markdown.render(source))


def render_plain_excerpt(source: str | None, length: int = 200) -> str:
    """Return plain text (not HTML: let Jinja escape it) of at most `length` characters."""
    if not source:
        return ""
    text_html = bleach.clean(_markdown.render(source), tags=set(), strip=True, strip_comments=True)
    text = " ".join(html.unescape(text_html).split())
    if len(text) <= length:
        return text
    # Leave room for the ellipsis and cut back to the last whole word when there is one.
    cut = text[: max(length - 1, 0)]
    if not text[len(cut)].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~&])")


def quote_markdown(source: str | None, author: str, url: str | None = None) -> str:
    """Return Markdown quoting `source` as a blockquote headed by "**author:**", the name linking to
    the quoted post when `url` is given."""
    author = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join((author or "").split()))
    if url is not None:
        author = f"[{author}]({url})"
    # The empty ">" keeps the author line its own paragraph (and never a setext heading).
    lines = [f"> **{author}:**", ">"]
    # Split only where Markdown sees line ends (str.splitlines also eats \u2028, \x0c...).
    for line in re.split(r"\r\n|\r|\n", (source or "").rstrip("\r\n")):
        lines.append(f"> {line}" if line.strip() else ">")
    return "\n".join(lines) + "\n\n"
