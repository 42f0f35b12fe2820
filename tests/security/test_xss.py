"""The sanitizer against a corpus of XSS vectors (tests/security/xss/, sources and licences in its
README): bleach's and DOMPurify's own test vectors, the OWASP XSS Filter Evasion Cheat Sheet, and
mutation and URL-obfuscation vectors. Each vector goes through the Markdown path members use, and
straight into the HTML sanitizer; the output, re-parsed as a browser would (html5lib), must hold
no event handler, no dangerous element and no link or source with a scheme other than http,
https or mailto."""
import json
import re
from pathlib import Path

import html5lib
import pytest

from forum.markup import render_markdown, sanitize_html

CORPUS = Path(__file__).parent / "xss"
FORBIDDEN_ELEMENTS = {"script", "style", "iframe", "frame", "frameset", "svg", "math", "object", "embed",
                      "form", "input", "button", "textarea", "select", "img", "video", "audio", "source",
                      "link", "meta", "base", "noscript", "template", "applet", "param", "xmp", "plaintext"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "srcset"}
# What a browser ignores in a URL before the scheme (and tabs and newlines anywhere in it).
IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def vectors():
    for path in sorted(CORPUS.glob("*.json")):
        for number, vector in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            yield pytest.param(vector, id=f"{path.stem}-{number}")


def dangers(fragment):
    """What in this HTML could run script, as a browser parses it."""
    found = []
    for element in html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False).iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = element.tag.split("}")[-1].lower()
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            name = name.split("}")[-1].lower()
            if name.startswith("on") or name == "style":
                found.append(f"{tag}@{name}")
            if name in URL_ATTRIBUTES:
                scheme = re.match(r"([^/?#:]*):", IGNORED.sub("", value).lower())
                if scheme and scheme.group(1) not in ("http", "https", "mailto"):
                    found.append(f"{tag}@{name}={value!r}")
    return found


def test_the_corpus_is_large_and_varied():
    counts = {path.stem: len(json.loads(path.read_text(encoding="utf-8"))) for path in CORPUS.glob("*.json")}
    assert set(counts) >= {"bleach", "dompurify", "owasp", "mutation"}
    assert sum(counts.values()) > 500, counts


def test_the_check_itself_sees_script():
    assert dangers('<a href=" jav&#x09;ascript:alert(1)">x</a><img src=x onerror=alert(1)><svg></svg>') == [
        "a@href=' jav\\tascript:alert(1)'", "<img>", "img@onerror", "<svg>"]


@pytest.mark.parametrize("vector", list(vectors()))
def test_vector_is_harmless_as_markdown_and_as_html(vector):
    assert dangers(render_markdown(vector)) == []
    assert dangers(sanitize_html(vector)) == []
