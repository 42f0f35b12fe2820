"""Members' Markdown renders as expected, and no known XSS vector survives as active content."""
import html
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from forum import markup
from forum.markup import quote_markdown, render_markdown, render_plain_excerpt

# The allowlist as agreed for posts; kept here on purpose rather than imported from the
# module, so that widening the module's allowlist makes these tests fail.
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel", "class"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


class Structure(HTMLParser):
    """Parsed output: start tags with attributes, text with its open ancestors, oddities."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.end_tags = []
        self.texts = []
        self.oddities = []
        self._open = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in ("br", "hr"):
            self._open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.end_tags.append(tag)
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data):
        if data.strip():
            self.texts.append((data, tuple(self._open)))

    def handle_comment(self, data):
        self.oddities.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.oddities.append(f"declaration {decl!r}")

    def unknown_decl(self, data):
        self.oddities.append(f"declaration {data!r}")

    def handle_pi(self, data):
        self.oddities.append(f"processing instruction {data!r}")

    def tags(self, name):
        return [attrs for tag, attrs in self.elements if tag == name]

    def text(self):
        return "".join(data for data, _ in self.texts)

    def ancestors_of(self, fragment):
        return [ancestors for data, ancestors in self.texts if fragment in data]


def href_scheme_is_safe(href):
    """Tell whether an href is relative or http(s)/mailto, read more suspiciously than a browser."""
    normalized = unquote(html.unescape(href))
    normalized = re.sub(r"[\x00-\x20\x7f-\xa0\s`]+", "", normalized).lower()
    # In a relative reference nothing before the first "/", "?" or "#" may contain ":".
    first_segment = re.split(r"[/?#]", normalized, maxsplit=1)[0]
    if ":" not in first_segment:
        return True
    return first_segment.split(":", 1)[0] in ALLOWED_SCHEMES


def active_content(markup):
    """List every reason the HTML could run script, style a page or leave the allowlist."""
    structure = Structure(markup)
    problems = list(structure.oddities)
    for tag in structure.end_tags:
        if tag not in ALLOWED_TAGS:
            problems.append(f"end tag </{tag}>")
    for tag, attrs in structure.elements:
        if tag not in ALLOWED_TAGS:
            problems.append(f"tag <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                problems.append(f"<{tag} {name}={value!r}>")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, ()):
                problems.append(f"attribute {name!r} on <{tag}>")
            elif name == "class" and value != "mention":  # the mention rule's class, no other
                problems.append(f"class {value!r}")
            elif name == "href" and not href_scheme_is_safe(value or ""):
                problems.append(f"href {value!r}")
    return problems


@pytest.mark.parametrize("markup", [
    pytest.param('<script>alert(1)</script>', id="script"),
    pytest.param('<p onclick="alert(1)">x</p>', id="onclick"),
    pytest.param('<p style="color:red">x</p>', id="style-attr"),
    pytest.param('<img src="x">', id="img"),
    pytest.param('<a href="javascript:alert(1)">x</a>', id="js-href"),
    pytest.param('<a href="jav&#x09;ascript:alert(1)">x</a>', id="tab-entity-href"),
    pytest.param('<a href="\x01javascript:alert(1)">x</a>', id="control-char-href"),
    pytest.param('<a href="java%09script:alert(1)">x</a>', id="percent-tab-href"),
    pytest.param('<a href="data:text/html,x">x</a>', id="data-href"),
    pytest.param('<a href="https://example.com" class="x">x</a>', id="class-attr"),
    pytest.param('<!-- <img src=x onerror=alert(1)> -->', id="comment"),
    pytest.param('<svg></svg>', id="svg"),
])
def test_checker_flags_active_content(markup):
    """Guard against a tautology: the checker used below must catch each of these."""
    assert active_content(markup)


def test_checker_accepts_plain_allowed_markup():
    markup = ('<p><a href="https://example.com/a:b" rel="nofollow noopener">x</a> '
              '<a href="/thread/1#post-2">y</a> <a href="mailto:a@b.example.org">z</a></p>'
              '<ol start="3"><li>&lt;script&gt;</li></ol>')
    assert active_content(markup) == []


XSS_VECTORS = [
    # Raw HTML, which the Markdown parser must escape and the sanitizer must never revive.
    pytest.param('<script>alert(1)</script>', id="script"),
    pytest.param('<SCRIPT SRC=//evil.example.com/x.js></SCRIPT>', id="script-uppercase-src"),
    pytest.param('<ScRiPt>alert(1)</sCrIpT>', id="script-mixed-case"),
    pytest.param('<script>alert(1)', id="script-unclosed"),
    pytest.param('<scr<script>ipt>alert(1)</script>', id="script-split-by-script"),
    pytest.param('<<script>alert(1);//<</script>', id="script-double-angle"),
    pytest.param('<img src=x onerror=alert(1)>', id="img-onerror"),
    pytest.param('<IMG SRC=x ONERROR=alert(1)>', id="img-onerror-uppercase"),
    pytest.param('<img/src=x/onerror=alert(1)>', id="img-slash-separated"),
    pytest.param('<img src=`x` onerror=`alert(1)`>', id="img-backtick-attributes"),
    pytest.param('<img """><script>alert(1)</script>">', id="img-malformed-quotes"),
    pytest.param('<img src=x onerror=alert(1)//', id="img-unclosed-tag"),
    pytest.param('<body onload=alert(1)>', id="body-onload"),
    pytest.param('<div onmouseover="alert(1)">hover</div>', id="div-onmouseover"),
    pytest.param('<p onclick=alert(1)>x</p>', id="p-onclick-allowed-tag"),
    pytest.param('<a href="https://example.com" onmouseover="alert(1)">x</a>', id="a-onmouseover"),
    pytest.param('<details open ontoggle=alert(1)>', id="details-ontoggle"),
    pytest.param('<input autofocus onfocus=alert(1)>', id="input-onfocus"),
    pytest.param('<video><source onerror="alert(1)"></video>', id="video-source-onerror"),
    pytest.param('<marquee onstart=alert(1)>x</marquee>', id="marquee-onstart"),
    pytest.param('<x onclick=alert(1)>click me', id="custom-element-onclick"),
    pytest.param('<svg onload=alert(1)>', id="svg-onload"),
    pytest.param('<svg><script>alert(1)</script></svg>', id="svg-script"),
    pytest.param('<svg><a><animate attributeName=href values=javascript:alert(1) />'
                 '<text x=20 y=20>X</text></a></svg>', id="svg-animate-href"),
    pytest.param('<svg><style><img src=x onerror=alert(1)></style></svg>', id="svg-style-mxss"),
    pytest.param('<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'
                 '</style></mglyph></table></mtext></math>', id="mathml-mglyph-mxss"),
    pytest.param('<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">'
                 'X</maction></math>', id="mathml-xlink-href"),
    pytest.param('<math href="javascript:alert(1)">CLICK</math>', id="mathml-href"),
    pytest.param('<form><math><mtext></form><form><mglyph><style></math>'
                 '<img src onerror=alert(1)>', id="form-math-namespace-confusion"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe-js-src"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe-srcdoc"),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object-data"),
    pytest.param('<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
                 id="embed-data"),
    pytest.param("<style>@import 'http://evil.example.com/x.css';</style>", id="style-tag"),
    pytest.param('<p style="width: expression(alert(1))">x</p>', id="style-expression"),
    pytest.param('<div style="background:url(javascript:alert(1))">x</div>', id="style-url-js"),
    pytest.param('<link rel=stylesheet href="javascript:alert(1)">', id="link-stylesheet"),
    pytest.param('<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
                 id="noscript-mxss"),
    pytest.param('<xmp><p title="</xmp><img src=x onerror=alert(1)>">', id="xmp-mxss"),
    pytest.param('<template><p title="</template><img src=x onerror=alert(1)>">',
                 id="template-mxss"),
    pytest.param('<noembed><p title="</noembed><img src=x onerror=alert(1)>">', id="noembed-mxss"),
    pytest.param('<textarea><p title="</textarea><img src=x onerror=alert(1)>">',
                 id="textarea-mxss"),
    pytest.param('<select><template><style><!--</style><a rel="--></template></select>'
                 '<img src=x onerror=alert(1)>">', id="select-template-comment-mxss"),
    pytest.param('<!--<img src=x onerror=alert(1)>-->', id="comment-payload"),
    pytest.param('<!-- --!><img src=x onerror=alert(1)> -->', id="comment-bang-close"),
    pytest.param('<!--[if gte IE 4]><script>alert(1)</script><![endif]-->',
                 id="conditional-comment"),
    pytest.param('<![CDATA[<img src=x onerror=alert(1)>]]>', id="cdata"),
    pytest.param('<base href="javascript:alert(1)//">', id="base-href"),
    pytest.param('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
                 id="meta-refresh"),
    pytest.param('<form action="javascript:alert(1)"><input type=submit></form>', id="form-action"),
    pytest.param('<button formaction=javascript:alert(1)>x</button>', id="button-formaction"),
    pytest.param('<isindex action=javascript:alert(1) type=image>', id="isindex-action"),
    pytest.param('<a href="java\0script:alert(1)">x</a>', id="a-href-nul-split"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="a-href-decimal-entity"),
    pytest.param('<a href=" &#14;  javascript:alert(1)">x</a>', id="a-href-leading-control"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="a-href-vbscript"),
    pytest.param('<a href="javascript:alert(1)', id="a-href-unclosed"),
    pytest.param('&lt;script&gt;alert(1)&lt;/script&gt;', id="double-encoded-script"),
    pytest.param('&amp;lt;img src=x onerror=alert(1)&amp;gt;', id="triple-encoded-img"),
    # Markdown links and autolinks.
    pytest.param('[x](javascript:alert(1))', id="md-link-javascript"),
    pytest.param('[x](JaVaScRiPt:alert(1))', id="md-link-mixed-case"),
    pytest.param('[x](vbscript:msgbox(1))', id="md-link-vbscript"),
    pytest.param('[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
                 id="md-link-data-html"),
    pytest.param('[x](data:image/png;base64,iVBORw0KGgo=)', id="md-link-data-image"),
    pytest.param('[x](&#106;avascript:alert(1))', id="md-link-decimal-entity"),
    pytest.param('[x](&#x6A;avascript:alert(1))', id="md-link-hex-entity"),
    pytest.param('[x](&#x6A&#x61&#x76&#x61script:alert(1))', id="md-link-entities-no-semicolon"),
    pytest.param('[x](jav&#x09;ascript:alert(1))', id="md-link-tab-entity"),
    pytest.param('[x](jav&#x0A;ascript:alert(1))', id="md-link-newline-entity"),
    pytest.param('[x](jav&Tab;ascript:alert(1))', id="md-link-named-tab-entity"),
    pytest.param('[x](javascript&#58;alert(1))', id="md-link-colon-entity"),
    pytest.param('[x](javascript&colon;alert(1))', id="md-link-named-colon-entity"),
    pytest.param('[x](&amp;#106;avascript:alert(1))', id="md-link-double-encoded"),
    pytest.param('[x](<java\tscript:alert(1)>)', id="md-link-literal-tab"),
    pytest.param('[x](<java\nscript:alert(1)>)', id="md-link-literal-newline"),
    pytest.param('[x](\x01javascript:alert(1))', id="md-link-leading-control"),
    pytest.param('[x](< javascript:alert(1)>)', id="md-link-leading-space"),
    pytest.param('[x](java\u200bscript:alert(1))', id="md-link-zero-width-space"),
    pytest.param('[x](javascript%3Aalert(1))', id="md-link-percent-colon"),
    pytest.param('[x](java%0ascript:alert(1))', id="md-link-percent-newline"),
    pytest.param('[x](https://example.com "a\\" onmouseover=\\"alert(1)")', id="md-title-breakout"),
    pytest.param('[x](https://example.com/" onmouseover="alert(1))', id="md-href-quote-breakout"),
    pytest.param('[<img src=x onerror=alert(1)>](https://example.com)', id="md-link-text-html"),
    pytest.param('[x][1]\n\n[1]: javascript:alert(1)', id="md-reference-javascript"),
    pytest.param('[x][1]\n\n[1]: &#106;avascript:alert(1)', id="md-reference-entity"),
    pytest.param('[x][1]\n\n[1]: <jav&#x09;ascript:alert(1)>', id="md-reference-tab-entity"),
    pytest.param('[x][r]\n\n[r]: https://example.com "t\\" onclick=\\"alert(1)"',
                 id="md-reference-title-breakout"),
    pytest.param('<javascript:alert(1)>', id="autolink-javascript"),
    pytest.param('<JAVASCRIPT:alert(1)>', id="autolink-uppercase"),
    pytest.param('<vbscript:msgbox(1)>', id="autolink-vbscript"),
    pytest.param('<data:text/html,<script>alert(1)</script>>', id="autolink-data"),
    pytest.param('<jav&#x09;ascript:alert(1)>', id="autolink-tab-entity"),
    pytest.param('![x](javascript:alert(1))', id="md-image-javascript"),
    pytest.param('![x](x" onerror="alert(1))', id="md-image-onerror-breakout"),
    pytest.param('![x](https://evil.example.com/track.png)', id="md-image-remote-tracker"),
    pytest.param('![x][i]\n\n[i]: javascript:alert(1)', id="md-image-reference"),
    # Payloads hidden in other Markdown constructs.
    pytest.param('`<script>alert(1)</script>`', id="inline-code-script"),
    pytest.param('```html\n<script>alert(1)</script>\n```', id="fenced-code-script"),
    pytest.param('```"><img src=x onerror=alert(1)>\ncode\n```', id="fence-info-breakout"),
    pytest.param('| a |\n|---|\n| <img src=x onerror=alert(1)> |', id="table-cell-img"),
    pytest.param('| a |\n|:--" onmouseover="alert(1)|\n| b |', id="table-align-breakout"),
    pytest.param('# <svg onload=alert(1)>', id="heading-svg"),
    pytest.param('> <iframe src=javascript:alert(1)>', id="blockquote-iframe"),
    pytest.param('1. <object data=javascript:alert(1)>', id="list-object"),
    # Bare text the linkifier might turn into links.
    pytest.param('javascript:alert(document.domain)//example.com', id="linkify-javascript"),
    pytest.param('data:text/html,example.com', id="linkify-data"),
    pytest.param('data:example.com/x', id="linkify-data-domain"),
    pytest.param('ftp://example.com/file', id="linkify-ftp"),
    pytest.param('http://example.com/"onmouseover="alert(1)', id="linkify-double-quote"),
    pytest.param("www.example.com/'onmouseover='alert(1)", id="linkify-single-quote"),
    pytest.param('"><script>alert(1)</script>@example.com', id="linkify-email-script"),
]


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vector_is_inert(source):
    assert active_content(render_markdown(source)) == []


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_sanitizer_alone_holds_if_markdown_ever_passes_raw_html(source):
    """Second line of defence: the Cleaner by itself, fed the payload as HTML."""
    assert active_content(markup._cleaner().clean(source)) == []


def test_there_are_at_least_sixty_xss_vectors():
    assert len(XSS_VECTORS) >= 60


@pytest.mark.parametrize("source", [
    pytest.param('[x](jav&#x09;ascript:alert(1))', id="tab-entity"),
    pytest.param('[x](&amp;#106;avascript:alert(1))', id="double-encoded"),
    pytest.param('[x](data:image/png;base64,iVBORw0KGgo=)', id="data-image"),
    pytest.param('[x](ftp://example.com/file)', id="ftp"),
])
def test_link_with_refused_scheme_keeps_its_text_but_loses_its_href(source):
    structure = Structure(render_markdown(source))
    assert structure.tags("a") == [{"rel": "nofollow noopener"}]
    assert structure.text() == "x"


def test_plain_javascript_link_stays_literal_text():
    structure = Structure(render_markdown("[x](javascript:alert(1))"))
    assert structure.tags("a") == []
    assert structure.text() == "[x](javascript:alert(1))"


def test_emphasis_and_strikethrough():
    structure = Structure(render_markdown("*soft* **strong** ~~gone~~"))
    assert structure.ancestors_of("soft") == [("p", "em")]
    assert structure.ancestors_of("strong") == [("p", "strong")]
    assert structure.ancestors_of("gone") in ([("p", "s")], [("p", "del")])


@pytest.mark.parametrize("level", range(1, 7))
def test_headings(level):
    structure = Structure(render_markdown("#" * level + " Briefing"))
    assert structure.ancestors_of("Briefing") == [(f"h{level}",)]


def test_unordered_and_ordered_lists_keep_their_start():
    structure = Structure(render_markdown("- one\n- two\n\n3. three\n4. four"))
    assert structure.ancestors_of("two") == [("ul", "li")]
    assert structure.ancestors_of("four") == [("ol", "li")]
    assert structure.tags("ol") == [{"start": "3"}]


def test_code_block_shows_html_as_text():
    source = '```html\n<b onclick="x()">bold?</b> http://example.com\n```'
    structure = Structure(render_markdown(source))
    assert structure.tags("b") == []
    assert structure.tags("a") == []  # URLs inside code stay literal
    assert structure.tags("code") == [{}]  # the language class is dropped
    assert structure.ancestors_of('<b onclick="x()">bold?</b>') == [("pre", "code")]


def test_inline_code_shows_html_as_text():
    structure = Structure(render_markdown("Use `<br>` here"))
    assert structure.tags("br") == []
    assert structure.ancestors_of("<br>") == [("p", "code")]


def test_table_renders_without_alignment_styles():
    source = "| Rank | Name |\n|-----:|------|\n| 1 | Reyes |"
    structure = Structure(render_markdown(source))
    assert structure.ancestors_of("Rank") == [("table", "thead", "tr", "th")]
    assert structure.ancestors_of("Reyes") == [("table", "tbody", "tr", "td")]
    assert all(attrs == {} for tag, attrs in structure.elements if tag in ("th", "td"))


def test_markdown_link_gets_rel_and_keeps_title():
    structure = Structure(render_markdown('[academy](https://academy.example.org/ "Home")'))
    assert structure.tags("a") == [
        {"href": "https://academy.example.org/", "title": "Home", "rel": "nofollow noopener"}
    ]


def test_relative_link_and_anchor_are_kept():
    structure = Structure(render_markdown("[thread](/threads/4) and [top](#top)"))
    assert [attrs["href"] for attrs in structure.tags("a")] == ["/threads/4", "#top"]


def test_bare_url_is_linkified_with_rel():
    structure = Structure(render_markdown("See https://academy.example.org/class-of-2019 today"))
    assert structure.tags("a") == [
        {"href": "https://academy.example.org/class-of-2019", "rel": "nofollow noopener"}
    ]
    assert structure.ancestors_of("https://academy.example.org/class-of-2019") == [("p", "a")]


def test_bare_domain_is_linkified_as_http():
    structure = Structure(render_markdown("Reunion info on www.academy.example.org"))
    assert structure.tags("a") == [
        {"href": "http://www.academy.example.org", "rel": "nofollow noopener"}
    ]


def test_bare_email_is_linkified_as_mailto():
    structure = Structure(render_markdown("Write to alumni@academy.example.org please"))
    assert structure.tags("a") == [
        {"href": "mailto:alumni@academy.example.org", "rel": "nofollow noopener"}
    ]


def test_mailto_markdown_link_is_allowed():
    structure = Structure(render_markdown("[secretary](mailto:secretary@academy.example.org)"))
    assert structure.tags("a")[0]["href"] == "mailto:secretary@academy.example.org"


def test_angle_bracket_autolink_is_allowed():
    structure = Structure(render_markdown("<https://academy.example.org>"))
    assert structure.tags("a") == [{"href": "https://academy.example.org", "rel": "nofollow noopener"}]


def test_markdown_image_becomes_a_plain_link():
    structure = Structure(render_markdown("![badge](https://academy.example.org/badge.png)"))
    assert structure.tags("img") == []
    assert structure.tags("a") == [
        {"href": "https://academy.example.org/badge.png", "rel": "nofollow noopener"}
    ]
    assert structure.text() == "!badge"


def test_line_break_and_rule():
    structure = Structure(render_markdown("first  \nsecond\n\n---"))
    assert structure.tags("br") == [{}]
    assert structure.tags("hr") == [{}]


def test_typed_html_is_shown_as_text():
    structure = Structure(render_markdown("I typed <script>alert(1)</script> literally"))
    assert structure.tags("script") == []
    assert "<script>alert(1)</script>" in structure.text()


@pytest.mark.parametrize("source", [None, ""])
def test_empty_source_renders_nothing(source):
    assert render_markdown(source) == ""


def test_excerpt_strips_markup_and_markdown_syntax():
    source = "# Reunion\n\n**Bring** your [badge](https://example.com) and `ID`."
    assert render_plain_excerpt(source) == "Reunion Bring your badge and ID."


def test_excerpt_is_unescaped_text_for_jinja_to_escape():
    assert render_plain_excerpt("Tom & Jerry <script>x</script>") == "Tom & Jerry <script>x</script>"


def test_excerpt_collapses_whitespace():
    assert render_plain_excerpt("one\n\n\ntwo    three\n- four") == "one two three four"


def test_excerpt_truncates_at_word_boundary():
    assert render_plain_excerpt("alpha bravo charlie delta", length=15) == "alpha bravo…"


def test_excerpt_cuts_a_single_long_word():
    assert render_plain_excerpt("x" * 50, length=10) == "x" * 9 + "…"


def test_excerpt_never_exceeds_length():
    excerpt = render_plain_excerpt("word " * 100, length=40)
    assert len(excerpt) <= 40 and excerpt.endswith("…")


def test_short_excerpt_is_not_truncated():
    assert render_plain_excerpt("Short note.", length=11) == "Short note."


@pytest.mark.parametrize("source", [None, ""])
def test_excerpt_of_nothing_is_empty(source):
    assert render_plain_excerpt(source) == ""


def test_quote_markdown_format():
    assert quote_markdown("first\n\nsecond", "reyes") == "> **reyes:**\n>\n> first\n>\n> second\n\n"


def test_quote_renders_as_blockquote_with_author():
    structure = Structure(render_markdown(quote_markdown("first\n\nsecond", "j.reyes_2")))
    assert structure.ancestors_of("j.reyes_2:") == [("blockquote", "p", "strong")]
    assert structure.ancestors_of("second") == [("blockquote", "p")]


def test_reply_after_quote_is_outside_the_blockquote():
    structure = Structure(render_markdown(quote_markdown("quoted", "reyes") + "my answer"))
    assert structure.ancestors_of("my answer") == [("p",)]


def test_quoting_a_quote_nests():
    structure = Structure(render_markdown(quote_markdown("> older\n\nnewer", "reyes")))
    assert structure.ancestors_of("older") == [("blockquote", "blockquote", "p")]


@pytest.mark.parametrize("author", [
    pytest.param("*star*_under_", id="emphasis"),
    pytest.param("[x](javascript:alert(1))", id="link"),
    pytest.param("<script>alert(1)</script>", id="html"),
    pytest.param("`tick`", id="code"),
    pytest.param("a\n# heading", id="newline"),
])
def test_author_is_shown_literally(author):
    markup = render_markdown(quote_markdown("text", author))
    structure = Structure(markup)
    assert active_content(markup) == []
    assert [tag for tag, _ in structure.elements] == ["blockquote", "p", "strong", "p"]
    expected = " ".join(author.split()) + ":"
    assert structure.ancestors_of(expected) == [("blockquote", "p", "strong")]


@pytest.mark.parametrize("source, linked", [
    ("Ask @Somchai.P today", ["somchai.p"]),
    ("mail me@example.org", []),  # an e-mail address, not a mention
    ("`@code` and\n\n    @indented", []),  # code
    ("[see @bob](https://example.org)", []),  # no link inside a link
    ("**@bold** and @trailing.", ["bold", "trailing"]),
])
def test_a_mention_becomes_a_link_to_the_profile(source, linked):
    assert re.findall(r'<a href="/u/([^"]+)" class="mention"', render_markdown(source)) == linked


def test_a_quote_names_its_author_and_links_to_the_post():
    html = render_markdown(quote_markdown("words", "Ana [Author]", "/p/7"))
    assert '<strong><a href="/p/7" rel="nofollow noopener">Ana [Author]</a>:</strong>' in html
