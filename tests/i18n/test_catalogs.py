"""The catalogs are complete, current and well-formed in every language the portal speaks."""
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from forum.models import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
TAG = re.compile(r"</?(?:a|strong|em|code|br|p|span)\b")  # the markup some messages carry
# Proper names read the same in every language, and some words are spelt the same in one.
SAME_EVERYWHERE = {"ILEA Bangkok", "ILEA Budapest", "ILEA Gaborone", "ILEA Roswell", "ILEA San Salvador"}
SAME_IN = {"fr": {"Action", "Actions", "Administration", "Date", "Description", "Discussion", "Menu", "Message", "Messages",
                  "Invitation", "Invitations", "Notifications", "Page %(page)s", "Suspension", "Version %(number)s"},
           "pt": {"Menu"}}


def catalog(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def msgids(cat):
    return {message.id for message in cat if message.id}


def forms(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def originals(message):
    return message.id if isinstance(message.id, tuple) else (message.id,)


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(["make", "-s", "pot", f"POT={pot}"], cwd=ROOT, check=True)
    return catalog(pot)


def test_committed_template_is_current(fresh_template):
    """A string marked in the code but missing from messages.pot (or left behind in it) fails."""
    committed = catalog(ROOT / "translations" / "messages.pot")
    assert msgids(fresh_template) - msgids(committed) == set(), "run `make translations`"
    assert msgids(committed) - msgids(fresh_template) == set(), "run `make translations`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_covers_every_marked_string(fresh_template, language):
    cat = catalog(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po")
    assert msgids(fresh_template) - msgids(cat) == set(), "run `make translations` and translate"
    assert msgids(cat) - msgids(fresh_template) == set(), "run `make translations`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_entry_is_translated_and_well_formed(language):
    cat = catalog(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po")
    assert not cat.fuzzy
    problems = []
    for message in cat:
        if not message.id:
            continue
        source = " / ".join(originals(message))
        if message.fuzzy:
            problems.append(f"fuzzy: {source}")
        if not all(forms(message)):
            problems.append(f"untranslated: {source}")
            continue
        if len(forms(message)) != cat.num_plurals and isinstance(message.id, tuple):
            problems.append(f"plural forms: {source}")
        expected = set().union(*(PLACEHOLDER.findall(text) for text in originals(message)))
        for text in forms(message):
            found = set(PLACEHOLDER.findall(text))
            # A singular form may spell out the number ("one case"); every other placeholder must stay.
            if found - expected or (expected - {"%(num)d"}) - found:
                problems.append(f"placeholders {sorted(found)} != {sorted(expected)}: {source}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(originals(message)[0])):
                problems.append(f"markup changed: {source}")
        same = SAME_EVERYWHERE | SAME_IN.get(language, set())
        if forms(message)[0] == originals(message)[0] and message.id not in same:
            problems.append(f"left in English: {source}")
        problems.extend(f"{error}: {source}" for error in message.check(cat))
    assert problems == []
