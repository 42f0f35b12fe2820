"""Generate a realistic, reproducible forum on PostgreSQL for benchmarks, through the project's own schema.

    .venv/bin/python bench/seed.py [--database postgresql://postgres@127.0.0.1:5432/bench] [--scale 1.0] [--seed 2026]

The database is created if missing; its schema `public` is dropped, migrated with the project's Alembic
migrations (inside wsgi.create_app()) and seeded with the Code of Conduct and the categories
(forum.seed.seed_portal). Then, at --scale 1.0 (every count scales linearly, with minimums):

- 70,000 members of the five academies from 95 countries (plus 5 admins and ~40 moderators, global or
  scoped to categories), some suspended, dismissed (by moderation cases) or deleted (anonymized);
- three accounts for the benchmarks, `bench_member`, `bench_moderator` (global) and `bench_admin`, whose
  password is $BENCH_PASSWORD (default bench-password-2026); every member who ever signed in has the same
  password hash, computed once;
- 100,000 threads (the biggest category holds more than 15,000) and 1,000,000 posts of Markdown in the five
  languages, one thread of exactly 2,000 posts; a first revision per post, the search documents;
- 8,000 moderation cases from 20,000 reports in every state (open, claimed, escalated, dismissal proposed,
  resolved with each outcome, appealed), with penalties, notes, the audit log, notifications and e-mails
  as moderation/services.py writes them; watches (since the watching feature launched) and their notices.

Rows are planned in memory (times increase within each thread; ids follow time), then written with COPY into
tables whose secondary indexes and foreign keys are dropped first and recreated afterwards, which validates
them. Post bodies are composed of Markdown blocks rendered once each by forum.markup (the script checks on a
sample that the composed HTML and search words equal what the app computes). Times are relative to now
(rounded to the minute), so one seed gives the same data on the same day. Prints the time of each phase.
"""
import argparse
import base64
import bisect
import itertools
import json
import math
import multiprocessing
import os
import random
import sys
import threading
import time
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
import seedtext as st  # noqa: E402

DAY = 86400.0
EPOCH = datetime(1970, 1, 1)
BENCH_PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-2026")
POSTS_PER_BIG_THREAD = 2000
LISTS = ("bullets", "numbered")  # two adjacent list blocks would merge into one list: never adjacent


# --- progress and timing ------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on stderr: phase, count/total, rate, elapsed."""

    def __init__(self, name, total):
        self.name, self.total, self.count = name, max(total, 1), 0
        self.started = self.shown = time.perf_counter()
        self._show()

    def add(self, n=1):
        self.count += n
        if time.perf_counter() - self.shown > 0.25:
            self._show()

    def _show(self, end=""):
        self.shown = now = time.perf_counter()
        elapsed = now - self.started
        rate = self.count / elapsed if elapsed > 0 else 0
        sys.stderr.write(f"\r  {self.name:<22} {self.count:>10,}/{self.total:<10,} {100 * self.count / self.total:5.1f}% "
                         f"{rate:>10,.0f}/s {elapsed:7.1f}s{end}")
        sys.stderr.flush()

    def close(self):
        self._show("\n")


class Phases:
    """`with phases(name):` times a phase; report() prints them all and the total."""

    def __init__(self):
        self.times, self.started = [], time.perf_counter()

    @contextmanager
    def __call__(self, name):
        print(f"{name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        yield
        self.times.append((name, time.perf_counter() - started))

    def report(self):
        print("\nphase                              seconds")
        for name, seconds in self.times:
            print(f"  {name:<32} {seconds:8.1f}")
        print(f"  {'total':<32} {time.perf_counter() - self.started:8.1f}")


# --- small helpers -----------------------------------------------------------------------------

def ts(seconds):
    return EPOCH + timedelta(seconds=int(seconds))


def copy_escape(text):
    """Text as a field of COPY's text format."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def tsvector(words):
    """The text of to_tsvector('simple', ' '.join(words)): each word with its positions (256 at most)."""
    positions = {}
    for position, word in enumerate(words, 1):
        found = positions.get(word)
        if found is None:
            positions[word] = [position]
        else:
            found.append(position)
    return " ".join(f"'{word}':{','.join(map(str, found[:256]))}" for word, found in positions.items())


def ascii_slug(text):
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c if c.isalnum() else "." for c in folded).strip(".").replace("..", ".")


def scaled(scale, full, minimum):
    return max(minimum, round(full * scale))


# --- the database --------------------------------------------------------------------------------

def reset_database(url):
    """Create the database if missing, drop and recreate schema public, migrate, seed the portal."""
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-seed")  # else create_app keeps a generated one in instance/
    from flask_migrate import upgrade

    from forum.extensions import db
    from forum.seed import seed_portal
    from wsgi import create_app
    app = create_app({"CELERY_BROKER_URL": "", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
        seed_portal()
        db.engine.dispose()


def connect(url):
    connection = psycopg.connect(url, autocommit=True)
    connection.execute("SET synchronous_commit = off")
    return connection


def drop_secondary(connection, tables, keep_indexes=False):
    """Drop the foreign keys, unique constraints and indexes (not the primary keys) of the tables (only the
    foreign keys with `keep_indexes`). Returns
    what recreates them: [(table, statement)] for indexes and unique constraints, [(table, referenced table,
    statement)] for foreign keys (whose creation checks every row)."""
    constraints = connection.execute("""
        SELECT conrelid::regclass::text, confrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE contype IN ('f', 'u') AND conrelid::regclass::text = ANY(%s)
        ORDER BY contype, conname""", (tables,)).fetchall()
    if keep_indexes:
        constraints = [row for row in constraints if row[3] == "f"]
    indexes = connection.execute("""
        SELECT tablename, indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""", (tables,)).fetchall()
    indexes = [] if keep_indexes else indexes
    for table, _, name, _, _ in constraints:  # foreign keys first
        connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _, name, _ in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    add = 'ALTER TABLE {} ADD CONSTRAINT "{}" {}'
    return ([(table, add.format(table, name, definition)) for table, _, name, kind, definition in constraints
             if kind == "u"] + [(table, definition) for table, _, definition in indexes],
            [(table, target, add.format(table, name, definition))
             for table, target, name, kind, definition in constraints if kind == "f"])


def copy_rows(connection, table, columns, rows, total, name=None):
    """COPY an iterable of tuples (written by psycopg) into the table, with a progress bar."""
    bar = Progress(name or table, total)
    with connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for n, row in enumerate(rows, 1):
            copy.write_row(row)
            if n % 5000 == 0:
                bar.add(5000)
        bar.count = total
    bar.close()


# --- the text: Markdown blocks rendered once ----------------------------------------------------

def build_blocks(job):
    """A share of one language's blocks: (kind, source, HTML without its final newline, search words), and
    (part 0) the thread titles with their search words."""
    seed, language, count, part, parts = job
    from forum import markup
    from forum.connect import search
    rng = random.Random(f"{seed}-{language}-{part}")
    blocks = []
    for kind, share in zip(st.BLOCK_KINDS, st.BLOCK_SHARE):
        for _ in range(max(20, round(count * share)) // parts):
            source = st.block(rng, language, kind)
            blocks.append((kind, source, markup.render_markdown(source).rstrip("\n"),
                           tuple(search.index_text(source).split())))
    titles = {}
    for _ in range(4000 if part == 0 else 0):
        title = st.title(rng, language)
        titles.setdefault(title, tuple(search.words(title)))
    return language, blocks, titles


class Text:
    """Every block of every language, by number: source and HTML (raw and as COPY text), words."""

    def __init__(self, results):
        self.kind, self.source, self.html, self.words, self.length = [], [], [], [], []
        self.by_kind, self.titles = {}, {}
        for language, blocks, titles in results:
            self.titles.setdefault(language, []).extend(titles.items())
            for kind, source, html, words in blocks:
                self.by_kind.setdefault((language, kind), []).append(len(self.kind))
                self.kind.append(kind)
                self.source.append(source)
                self.html.append(html)
                self.words.append(words)
                self.length.append(len(source))
        self.source_copy = [copy_escape(s) for s in self.source]
        self.html_copy = [copy_escape(h) for h in self.html]
        self.cumulative = [sum(st.BLOCK_SHARE[:i + 1]) for i in range(len(st.BLOCK_KINDS))]

    def compose(self, rng, language, length):
        """Block numbers of a post of about `length` characters: a paragraph, then blocks of any kind."""
        paragraphs = self.by_kind[(language, "paragraph")]
        picks = [paragraphs[int(rng.random() * len(paragraphs))]]
        total, previous = self.length[picks[0]], "paragraph"
        while total < length and len(picks) < 40:
            kind = st.BLOCK_KINDS[min(bisect.bisect(self.cumulative, rng.random()), len(st.BLOCK_KINDS) - 1)]
            if kind in LISTS and previous in LISTS:
                kind = "paragraph"
            pool = self.by_kind[(language, kind)]
            block = pool[int(rng.random() * len(pool))]
            picks.append(block)
            total += self.length[block] + 2
            previous = kind
        return picks

    def source_of(self, picks):
        return "\n\n".join(self.source[b] for b in picks)

    def html_of(self, picks):
        return "\n".join(self.html[b] for b in picks) + "\n"


# --- planning: members -----------------------------------------------------------------------------

def plan_members(rng, scale, now, launch, password_hash, text):
    """Members (dicts, ids in creation order): staff and bench accounts first, then the alumni."""
    n_members, n_moderators = scaled(scale, 70_000, 600), scaled(scale, 40, 6)
    # Countries send different numbers of officers; the academies' host countries the most.
    country_weight = {c[0]: rng.lognormvariate(0, 0.8) * (4 if c[0] in st.HOSTS else 1) for c in st.COUNTRIES}
    by_academy = {}
    for country in st.COUNTRIES:
        by_academy.setdefault(country[1], []).append(country)
    academies = ["budapest", "bangkok", "gaborone", "san-salvador", "roswell"]
    academy_share = [0.30, 0.25, 0.18, 0.17, 0.10]
    taken, users = set(), []
    domains = ["police.example.org", "mail.example.com", "interior.example.net", "customs.example.org",
               "justice.example.net", "example.com"]

    def new_user(role="member", username=None, language=None, created=None):
        academy = rng.choices(academies, academy_share)[0]
        countries = by_academy[academy]
        name, _, country_language, zone, region = rng.choices(countries, [country_weight[c[0]] for c in countries])[0]
        display = st.person(rng, region)
        if username is None:
            base = ascii_slug(display)[:28] or "alumnus"
            username, number = base, 1
            while username in taken:
                number += 1
                username = f"{base[:28 - len(str(number))]}{number}"
        taken.add(username)
        if language is None:
            english = st.ENGLISH_SHARE[country_language]
            language = "en" if rng.random() < english else country_language
        opened = st.ACADEMY_OPENED[academy]
        year = opened + int((2026 - opened + 1) * rng.random() ** 0.6)
        session = (year - opened) * 6 + rng.randint(1, 6)
        user = {
            "id": len(users) + 1, "username": username, "email": f"{username}@{rng.choice(domains)}",
            "password_hash": None, "session_token": base64.urlsafe_b64encode(rng.randbytes(32)).decode().rstrip("="),
            "role": role, "status": "active", "display_name": display, "academy": academy,
            "class_session": st.CLASS_NAME[academy].format(n=session), "graduation_year": min(year, 2026),
            "country": name, "agency": st.agency(rng, country_language, name), "preferred_language": language,
            "timezone": zone, "bio_source": "", "bio_html": "",
            "created_at": created if created is not None else launch - rng.random() * 20 * DAY,
            "last_login_at": None, "imported_at": None, "invited_at": None, "ign_subject": None, "deleted_at": None,
            "suspended_until": None, "silenced_until": None, "digest_minutes": 60, "last_digest_at": None,
            "directory_hidden": rng.random() < 0.03, "last_watch_digest_at": None,
        }
        users.append(user)
        return user

    staff = [new_user("admin") for _ in range(4)] + [new_user("admin", "bench_admin", "en")]
    staff += [new_user("moderator", "bench_moderator", "en")] + [new_user("moderator") for _ in range(n_moderators - 1)]
    new_user(username="bench_member", language="en")
    alumni_start = len(users)
    while len(users) < n_members:
        # Most alumni come with the first roster imports; later graduates arrive over the years.
        created = None if rng.random() < 0.8 else launch + (now - launch) * rng.random()
        new_user(created=created)
    users[alumni_start:] = sorted(users[alumni_start:], key=lambda u: u["created_at"])
    for number, user in enumerate(users, 1):
        user["id"] = number
        user["imported_at"] = user["created_at"] if number > alumni_start else None
        staff_or_bench = number <= alumni_start
        # Two thirds of the alumni signed in at least once (and accepted the Code); most others were invited.
        if staff_or_bench or rng.random() < 0.66:
            user["password_hash"] = password_hash
            user["invited_at"] = user["created_at"] + rng.random() * 5 * DAY if not staff_or_bench else None
            last = now - rng.expovariate(1 / (60 * DAY)) if not staff_or_bench else now - 3600
            user["last_login_at"] = min(max(last, user["created_at"] + DAY), now - 60)
            if rng.random() < 0.15:
                user["ign_subject"] = f"ign|{rng.getrandbits(64):016x}"
        elif rng.random() < 0.8:
            user["invited_at"] = min(user["created_at"] + rng.random() * 200 * DAY, now - DAY)
        if user["role"] == "moderator":
            user["digest_minutes"] = rng.choice((15, 60, 60, 240))
        if rng.random() < 0.1:  # a bio for one member in ten: a rendered block
            block = rng.choice(text.by_kind[(user["preferred_language"], "paragraph")])
            user["bio_source"], user["bio_html"] = text.source[block], text.html[block] + "\n"
    return users, staff


def allocate(rng, weights, total, cap):
    """Counts (at least 1, at most `cap`) proportional to the weights, summing exactly to `total`."""
    spare, weight = total - len(weights), sum(weights)
    counts = [min(cap, 1 + int(w / weight * spare)) for w in weights]
    while sum(counts) < total:
        for i in rng.choices(range(len(weights)), weights, k=total - sum(counts)):
            if counts[i] < cap:
                counts[i] += 1
    return counts


# --- planning: threads and posts -----------------------------------------------------------------

class Forum:
    """Threads and posts as parallel lists (index = id - 1), planned before anything is written."""

    def __init__(self, rng, scale, now, start, users, staff, categories, text):
        self.rng, self.now, self.start = rng, now, start
        self.n_threads, self.n_posts = scaled(scale, 100_000, 300), scaled(scale, 1_000_000, 6000)
        self.categories = categories  # [(id, slug, staff_only)]
        self.staff_only = {cid for cid, _, only in categories if only}
        self._author_pools(users)
        self._threads(staff, text)
        self._posts()

    def _author_pools(self, users):
        """Who posts: members who signed in, weighted (a few write a lot), overall and per academy."""
        rng = self.rng
        posters = [u for u in users if u["password_hash"] and u["username"] not in ("bench_admin", "bench_moderator")]
        weight = {u["id"]: rng.paretovariate(2.0) for u in posters}
        weight[next(u["id"] for u in users if u["username"] == "bench_member")] = 50
        pools = {None: posters}
        for u in posters:
            pools.setdefault(u["academy"], []).append(u)
        self.pools = {key: ([u["id"] for u in pool], list(itertools.accumulate(weight[u["id"]] for u in pool)))
                      for key, pool in pools.items()}
        self.created = {u["id"]: u["created_at"] for u in users}
        self.language_of = {u["id"]: u["preferred_language"] for u in users}
        self.first_posters = [u["id"] for u in posters if u["created_at"] < self.start]

    def author(self, at, academy=None):
        ids, cumulative = self.pools[academy if academy in self.pools else None]
        user = ids[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]
        if self.created[user] > at - 7200:  # not yet a member then: someone from the first imports
            user = self.first_posters[int(self.rng.random() * len(self.first_posters))]
        return user

    def _threads(self, staff, text):
        rng, now, n = self.rng, self.now, self.n_threads
        slugs = [slug for _, slug, _ in self.categories]
        share = {"general": 0.17, "announcements": 0.004, "criminal-investigations": 0.07, "cybercrime": 0.065,
                 "leadership-management": 0.06, "human-trafficking": 0.055, "counternarcotics": 0.05,
                 "corruption-financial-crimes": 0.045, "counterterrorism": 0.04, "women-in-law-enforcement": 0.035,
                 "emerging-trends": 0.03, "wildlife-trafficking": 0.025, "bias-motivated-crimes": 0.02}
        weights = [share.get(slug, 0.066 if slug.startswith("academy-") else 0.02) for slug in slugs]
        staff_ids = [u["id"] for u in staff]
        # Activity grows over the years: later threads are denser. Ids follow time.
        self.t_created = sorted(self.start + (now - 3600 - self.start) * rng.random() ** 0.8 for _ in range(n))
        self.t_category = [self.categories[i][0] for i in rng.choices(range(len(slugs)), weights, k=n)]
        slug_of = {cid: slug for cid, slug, _ in self.categories}
        self.t_author, self.t_kind, self.t_language, self.t_title = [], [], [], []
        for i in range(n):
            slug = slug_of[self.t_category[i]]
            if self.t_category[i] in self.staff_only:
                author = rng.choice(staff_ids)
            else:
                author = self.author(self.t_created[i], slug[len("academy-"):] if slug.startswith("academy-") else None)
            language = self.language_of[author] if rng.random() < 0.9 else rng.choice(st.LANGUAGES)
            self.t_author.append(author)
            self.t_language.append(language)
            self.t_kind.append(rng.choices(("discussion", "story", "best_practice"), (0.6, 0.2, 0.2))[0])
            self.t_title.append(rng.choice(text.titles[language]))  # (title, its search words)
        self.general = next(cid for cid, slug, _ in self.categories if slug == "general")
        # The benchmark's long thread: in the biggest category, started about four and a half years ago.
        candidates = [i for i in range(n) if self.t_category[i] == self.general and self.t_created[i] > now - 1650 * DAY]
        self.big = candidates[0]
        self.t_pinned = [False] * n
        self.t_locked = [rng.random() < 0.003 and self.t_created[i] < now - 365 * DAY for i in range(n)]
        for cid, _, _ in self.categories:
            mine = [i for i in range(n) if self.t_category[i] == cid]
            pinned = 3 if cid in self.staff_only or cid == self.general else rng.randint(0, 1)
            for i in rng.sample(mine, min(len(mine), pinned)):
                self.t_pinned[i] = True

    def _posts(self):
        """Post counts (long-tailed, summing exactly), times increasing within each thread, authors;
        then every post numbered by time (ids follow time, as in the app)."""
        rng, now, n = self.rng, self.now, self.n_threads
        big_count = min(POSTS_PER_BIG_THREAD, self.n_posts // 3)
        weights = [rng.lognormvariate(0, 1.15) for _ in range(n)]
        weights[self.big] = 1e-9
        counts = allocate(rng, weights, self.n_posts - big_count + 1, big_count - 1)
        counts[self.big] = big_count
        self.t_count = counts
        times, thread_of, number_of, author_of, language_of = [], [], [], [], []
        for i in range(n):
            start, count = self.t_created[i], counts[i]
            gap = rng.lognormvariate(math.log(5 * 3600), 1.3) if i != self.big else (now - start) / (count + 1)
            t, these = start, [start]
            for _ in range(count - 1):
                t += 60 + rng.expovariate(1 / gap)
                these.append(t)
            if these[-1] > now - 60:  # squeeze the thread into the time left
                factor = (now - 60 - start) / (these[-1] - start)
                these = [start + (x - start) * factor for x in these]
            previous = -1
            for number, t in enumerate(these, 1):
                t = max(int(t), previous + 1)
                previous = t
                if number == 1:
                    author, language = self.t_author[i], self.t_language[i]
                else:
                    conversational = 0.4 if self.t_category[i] in self.staff_only else 0.12
                    author = self.t_author[i] if rng.random() < conversational else self.author(t)
                    language = self.t_language[i] if rng.random() < 0.8 else self.language_of[author]
                times.append(t)
                thread_of.append(i)
                number_of.append(number)
                author_of.append(author)
                language_of.append(language)
        order = sorted(range(self.n_posts), key=times.__getitem__)
        self.p_time = [times[k] for k in order]
        self.p_thread = [thread_of[k] for k in order]
        self.p_number = [number_of[k] for k in order]
        self.p_author = [author_of[k] for k in order]
        self.p_language = [language_of[k] for k in order]
        self.p_state = [None] * self.n_posts
        self.p_deleted = [None] * self.n_posts
        self.t_first = [0] * n
        for p, (thread, number) in enumerate(zip(self.p_thread, self.p_number)):
            if number == 1:
                self.t_first[thread] = p
        for p in rng.sample(range(self.n_posts), self.n_posts // 250):  # deleted by their authors
            if self.p_thread[p] != self.big:
                self.p_deleted[p] = min(self.p_time[p] + rng.expovariate(1 / DAY) + 60, now - 30)

    def reassign(self, left, replacements):
        """Posts written after their author left ({member: time}: deleted, dismissed) go to other members."""
        for p, author in enumerate(self.p_author):
            if author in left and self.p_time[p] > left[author]:
                self.p_author[p] = replacements[int(self.rng.random() * len(replacements))]
                if self.p_number[p] == 1:
                    self.t_author[self.p_thread[p]] = self.p_author[p]

    def derive(self):
        """Counters as the services keep them, from the planned rows; returns the categories'."""
        n = self.n_threads
        self.t_last = [0] * n  # index of the thread's last post
        self.t_deleted_replies = [0] * n
        for p in range(self.n_posts):
            thread = self.p_thread[p]
            self.t_last[thread] = p
            if self.p_deleted[p] is not None and self.p_number[p] > 1:
                self.t_deleted_replies[thread] += 1
        self.t_hidden = [self.p_state[self.t_first[i]] is not None for i in range(n)]
        stats = {cid: [0, 0, None] for cid, _, _ in self.categories}
        for i in range(n):
            entry = stats[self.t_category[i]]
            entry[0] += 1
            entry[1] += self.t_count[i]
            last = self.p_time[self.t_last[i]]
            entry[2] = last if entry[2] is None else max(entry[2], last)
        return stats

    def thread_rows(self, rng):
        for i in range(self.n_threads):
            last, count = self.t_last[i], self.t_count[i]
            yield (i + 1, self.t_category[i], self.t_author[i], self.t_title[i][0], self.t_kind[i], self.t_language[i],
                   ts(self.t_created[i]), ts(self.p_time[last]), self.p_author[last], count,
                   count - 1 - self.t_deleted_replies[i], int(count * rng.lognormvariate(2.5, 0.8)), self.t_pinned[i],
                   self.t_locked[i], self.t_hidden[i])


# --- planning: moderation, mirroring moderation/services.py ---------------------------------------

class Moderation:
    """The moderation services' operations, run in memory in time order, keeping the rows they write and
    their effects on posts and members. Post and thread numbers here are list indexes (id - 1)."""

    def __init__(self, rng, forum, users, staff, scopes, now):
        self.rng, self.forum, self.users, self.now = rng, forum, users, now
        self.admins = [u["id"] for u in staff if u["role"] == "admin"]
        self.moderators = [u["id"] for u in staff if u["role"] == "moderator"]
        self.scopes = scopes  # moderator id -> set of category ids; none: moderates everywhere
        self.cases, self.reports, self.notes, self.penalties, self.proposals, self.appeals = [], [], [], [], [], []
        self.actions, self.notifications = [], []
        self.posts_of = {}

    def user(self, uid):
        return self.users[uid - 1]

    def moderators_for(self, case):
        """_moderators_for: active moderators who may view the case (global ones for a profile), else admins."""
        chosen = [m for m in self.moderators if not self.scopes.get(m)
                  or (case.category is not None and case.category in self.scopes[m])]
        return chosen or self.admins

    def decider(self, case, exclude=()):
        """A moderator who may decide the case (now and then an admin), not one of `exclude`."""
        pool = self.admins if self.rng.random() < 0.12 else self.moderators_for(case)
        return self.rng.choice([m for m in pool if m not in exclude] or [a for a in self.admins if a not in exclude])

    # the record
    def log(self, t, actor, action, case=None, member=None, post=None, rule=None, reason=""):
        self.actions.append((t, case.id if case else None, actor, action, member, post, rule, reason or ""))

    def notify(self, t, recipients, kind, case=None, **data):
        payload = json.dumps(data, default=str, sort_keys=True)
        for user in dict.fromkeys(recipients):
            self.notifications.append((t, user, kind, case.id if case else None, payload))

    # posts and members
    def set_post_state(self, post, state):
        self.forum.p_state[post] = state  # an opening post's thread is hidden with it (Forum.derive)

    def hide_all_posts(self, member):
        for post in self.posts_of[member]:
            if self.forum.p_state[post] is None:
                self.forum.p_state[post] = "author_dismissed"

    def readmit(self, member):
        self.user(member)["status"] = "active"
        for post in self.posts_of[member]:
            if self.forum.p_state[post] == "author_dismissed":
                self.forum.p_state[post] = None

    # reporting and working a case
    def report(self, t, case, reporter, rule, comment):
        self.reports.append((t, case, reporter, rule, comment))
        case.reports.append(reporter)
        if len(case.reports) == 1:
            self.notify(t, self.moderators_for(case), "new_case", case, rule=rule)
        if case.post is not None and len(case.reports) >= 3 and self.forum.p_state[case.post] is None:
            self.set_post_state(case.post, "pending")
            self.log(t, None, "auto_hide", case, case.member, case.post, reason=f"{len(case.reports)} members reported it")

    def claim(self, t, case, moderator):
        case.claimed_by, case.claimed_at = moderator, t
        self.log(t, moderator, "claim", case, case.member)

    def note(self, t, case, moderator):
        self.notes.append((t, case.id, moderator, self.rng.choice(st.STAFF_NOTES)))
        self.log(t, moderator, "note", case, case.member)

    def escalate(self, t, case, moderator):
        case.status = "escalated"
        note = self.rng.choice(st.ESCALATIONS)
        self.log(t, moderator, "escalate", case, case.member, case.post, reason=note)
        self.notify(t, self.admins, "escalation", case, note=note)

    # deciding
    def decide(self, t, actor, case, outcome):
        """_decide: resolve, tell the reporters, un-hide a pending post unless it is removed."""
        case.status, case.outcome, case.resolved_at, case.resolved_by = "resolved", outcome, t, actor
        self.notify(t, case.reports, "report_reviewed", case,
                    state="no_action" if outcome == "dismissed" else "action_taken")
        if case.post is not None and self.forum.p_state[case.post] == "pending" and outcome != "removed":
            self.set_post_state(case.post, None)

    def remove_post(self, t, actor, case, rule, message):
        if case.post is None:
            return
        self.set_post_state(case.post, "removed")
        self.log(t, actor, "remove_content", case, case.member, case.post, rule, message)
        self.notify(t, [case.member], "content_removed", case, rule=rule, reason=message, post_id=case.post + 1)

    def resolve(self, t, actor, case, outcome, rule, remove=False, days=None):
        """dismiss_case, remove_content, warn_member, silence_member, suspend_member."""
        reason = self.rng.choice(st.REASONS)
        self.decide(t, actor, case, outcome)
        if outcome == "dismissed":
            self.log(t, actor, "dismiss_case", case, case.member, case.post, reason=reason)
        elif outcome == "removed":
            self.remove_post(t, actor, case, rule, reason)
        else:
            kind = {"warned": "warning", "silenced": "silence", "suspended": "suspension"}[outcome]
            ends = t + days * DAY if days else None
            self.penalties.append(SimpleNamespace(t=t, member=case.member, case=case, kind=kind, rule=rule,
                                                  reason=reason, ends=ends, by=actor, lifted_at=None, lifted_by=None))
            if kind in ("silence", "suspension"):
                self.user(case.member)["silenced_until" if kind == "silence" else "suspended_until"] = ends
            self.log(t, actor, kind, case, case.member, case.post, rule, reason)
            self.notify(t, [case.member], kind, case, rule=rule, reason=reason, until=ts(ends) if ends else None)
            if remove:
                self.remove_post(t, actor, case, rule, reason)

    def propose(self, t, case, moderator, rule, reason, hide):
        case.proposal = SimpleNamespace(t=t, case=case, member=case.member, by=moderator, rule=rule, reason=reason,
                                        hide=hide, status="pending", decided_by=None, decided_at=None)
        self.proposals.append(case.proposal)
        case.status = "escalated"
        self.log(t, moderator, "propose_dismissal", case, case.member, rule=rule, reason=reason)
        self.notify(t, [a for a in self.admins if a != moderator], "dismissal_proposed", case, rule=rule)

    def decide_proposal(self, t, case, confirm):
        proposal = case.proposal
        admin = self.rng.choice([a for a in self.admins if a != proposal.by])
        proposal.status, proposal.decided_by, proposal.decided_at = ("confirmed" if confirm else "rejected"), admin, t
        reason = self.rng.choice(st.REASONS)
        if confirm:
            self.dismiss(t, admin, case, proposal.rule, proposal.reason, proposal.hide, "confirm_dismissal", reason)
        else:
            self.log(t, admin, "reject_dismissal", case, case.member, reason=reason)

    def dismiss(self, t, admin, case, rule, reason, hide, action, log_reason=None):
        """The member leaves the portal (decide_dismissal confirmed, dismiss_member_directly)."""
        self.decide(t, admin, case, "member_dismissed")
        self.user(case.member)["status"] = "dismissed"
        self.penalties.append(SimpleNamespace(t=t, member=case.member, case=case, kind="dismissal", rule=rule,
                                              reason=reason, ends=None, by=admin, lifted_at=None, lifted_by=None))
        if hide:
            self.hide_all_posts(case.member)
        self.log(t, admin, action, case, case.member, rule=rule, reason=log_reason or reason)
        self.notify(t, [case.member], "dismissal", case, rule=rule, reason=reason)

    # afterwards
    def appeal(self, t, case):
        text = self.rng.choice(st.TEXT[self.user(case.member)["preferred_language"]]["appeals"])
        case.appeal = SimpleNamespace(t=t, case=case, member=case.member, text=text, status="pending", by=None,
                                      decided_at=None, reason=None)
        self.appeals.append(case.appeal)
        self.log(t, case.member, "appeal", case, case.member, reason=text)
        self.notify(t, self.moderators_for(case), "appeal_filed", case)

    def decide_appeal(self, t, case, grant):
        """Never by someone who took part in the decision; granting undoes its effects."""
        appeal = case.appeal
        took_part = {case.resolved_by} | {p.by for p in self.proposals if p.case is case and p.status == "confirmed"}
        moderator = self.decider(case, exclude=took_part)
        reason = self.rng.choice(st.REASONS)
        appeal.status, appeal.by, appeal.decided_at, appeal.reason = ("granted" if grant else "upheld"), moderator, t, reason
        if grant:
            if case.post is not None and self.forum.p_state[case.post] == "removed":
                self.set_post_state(case.post, None)
            for penalty in self.penalties:
                if penalty.case is case and penalty.lifted_at is None:
                    penalty.lifted_at, penalty.lifted_by = t, moderator
                    self._undo(penalty)
        self.log(t, moderator, "grant_appeal" if grant else "uphold_appeal", case, case.member, reason=reason)
        self.notify(t, [case.member], "appeal_decided", case, granted=grant, reason=reason)

    def _undo(self, penalty):
        member = self.user(penalty.member)
        if penalty.kind == "silence":
            member["silenced_until"] = None
        elif penalty.kind == "suspension":
            member["suspended_until"] = None
        elif penalty.kind == "dismissal":
            self.readmit(penalty.member)

    def lift(self, t, case):
        """lift_penalty on the case's penalty (not a dismissal)."""
        for penalty in [p for p in self.penalties if p.case is case and p.lifted_at is None and p.kind != "dismissal"]:
            moderator = self.decider(case)
            penalty.lifted_at, penalty.lifted_by = t, moderator
            self._undo(penalty)
            self.log(t, moderator, "lift_" + penalty.kind, member=penalty.member, rule=penalty.rule,
                     reason="Penalty served; good conduct since.")
            self.notify(t, [penalty.member], "penalty_lifted", penalty=penalty.kind)

    def reinstate(self, t, case):
        if self.user(case.member)["status"] != "dismissed":
            return
        admin = self.rng.choice(self.admins)
        for penalty in self.penalties:
            if penalty.member == case.member and penalty.kind == "dismissal" and penalty.lifted_at is None:
                penalty.lifted_at, penalty.lifted_by = t, admin
        self.readmit(case.member)
        self.log(t, admin, "reinstate", member=case.member, reason="Reinstated after review by the academy.")
        self.notify(t, [case.member], "reinstated")

    def restore(self, t, case):
        if self.forum.p_state[case.post] is None:
            return
        moderator = self.decider(case)
        self.set_post_state(case.post, None)
        self.log(t, moderator, "restore_content", member=case.member, post=case.post,
                 reason="Restored: the quoted material was licensed.")
        self.notify(t, [case.member], "content_restored", post_id=case.post + 1)


def plan_cases(rng, scale, forum, users, protected, now):
    """Case targets (posts, some opening ones, and profiles; each once), report counts, status, times."""
    n_cases, n_reports = scaled(scale, 8000, 60), scaled(scale, 20_000, 150)
    members = [u["id"] for u in users if u["password_hash"] and u["id"] not in protected]
    cases, seen = [], set()
    while len(cases) < n_cases:
        if rng.random() < 0.9:
            post = (forum.t_first[rng.randrange(forum.n_threads)] if rng.random() < 0.07
                    else rng.randrange(forum.n_posts))
            target, member, since = ("post", post), forum.p_author[post], forum.p_time[post]
            category = forum.t_category[forum.p_thread[post]]
            if forum.p_deleted[post] is not None or member in protected:
                continue
        else:
            member = rng.choice(members)
            post, target, since, category = None, ("user", member), users[member - 1]["created_at"] + DAY, None
        if target in seen or since > now - 3 * DAY:
            continue
        seen.add(target)
        cases.append(SimpleNamespace(post=post, member=member, category=category, since=since, reports=[],
                                     proposal=None, appeal=None, status="open", outcome=None, resolved_at=None,
                                     resolved_by=None, claimed_by=None, claimed_at=None, reminded_at=None))
    counts = allocate(rng, [rng.paretovariate(1.6) for _ in cases], n_reports, 40)
    outcomes = ("dismissed", "removed", "warned", "silenced", "suspended", "member_dismissed")
    for case, count in zip(cases, counts):
        roll, case.count = rng.random(), count
        case.plan = "open" if roll < 0.21 else "escalated" if roll < 0.26 else "resolved"
        if case.plan == "resolved":
            case.planned = rng.choices(outcomes, (0.44, 0.26, 0.14, 0.06, 0.06, 0.04))[0]
            if case.post is None and case.planned == "removed":
                case.planned = "warned"
            case.first = case.since + 3600 + (now - 2 * DAY - case.since - 3600) * rng.random() ** 0.7
            case.decided = min(case.first + rng.lognormvariate(math.log(20 * 3600), 1.0), now - 600)
        else:
            case.planned, case.decided = None, None
            case.first = min(max(now - rng.expovariate(1 / (25 * DAY)), case.since + 600), now - 1200)
    cases.sort(key=lambda c: c.first)
    last_case = {}
    for number, case in enumerate(cases, 1):
        case.id, case.academy = number, users[case.member - 1]["academy"]
        last_case[case.member] = case
    for case in cases:  # a member is dismissed in their last case only, and posts nothing afterwards
        if case.planned == "member_dismissed" and last_case[case.member] is not case:
            case.planned = "suspended"
    return cases


def plan_moderation(rng, scale, forum, users, staff, scopes, now):
    """Cases with their reports, decisions, appeals, lifted penalties; run in time order through Moderation.
    Also picks the deleted accounts (members in no case) and moves posts written after anyone left."""
    from forum.seed import CONDUCT_RULES
    rules = [code for code, _, _ in CONDUCT_RULES]
    mod = Moderation(rng, forum, users, staff, scopes, now)
    protected = {u["id"] for u in staff} | {u["id"] for u in users if u["username"].startswith("bench_")}
    cases = mod.cases = plan_cases(rng, scale, forum, users, protected, now)
    involved = {case.member for case in cases}
    clean = [u["id"] for u in users if u["password_hash"] and u["id"] not in protected | involved
             and u["created_at"] < forum.start]
    leaving = rng.sample(clean, scaled(scale, 1100, 6))  # accounts deleted at the member's request
    reporters = sorted(set(clean) - set(leaving))
    left = {case.member: case.first for case in cases if case.planned == "member_dismissed"}
    for uid in leaving:
        left[uid] = users[uid - 1]["deleted_at"] = now - 900 * DAY * rng.random() - DAY
    forum.reassign(left, reporters)
    reporters += [u["id"] for u in users if u["username"] == "bench_member"]  # so its /reports has some
    for member in involved:
        mod.posts_of[member] = []
    for p, author in enumerate(forum.p_author):
        if author in involved:
            mod.posts_of[author].append(p)

    events = []  # (time, order, operation, arguments)

    def at(t, operation, *args):
        events.append((t, len(events), operation, args))

    for case in cases:
        rule = rng.choice(rules)
        end = case.decided or now - 60
        span, chosen = end - case.first, set()
        for n in range(case.count):
            reporter = rng.choice(reporters)
            while reporter in chosen or reporter == case.member:
                reporter = rng.choice(reporters)
            chosen.add(reporter)
            language = users[reporter - 1]["preferred_language"]
            at(case.first + (span * 0.8 * rng.random() ** 2 if n else 0), mod.report, case, reporter,
               rule if rng.random() < 0.75 else rng.choice(rules), rng.choice(st.TEXT[language]["comments"]))
        moderator = rng.choice(mod.moderators_for(case))
        if rng.random() < (0.5 if case.plan != "resolved" else 0.85):
            at(case.first + span * 0.3, mod.claim, case, moderator)
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
            at(case.first + span * (0.3 + 0.5 * rng.random()), mod.note, case, mod.decider(case))
        reason, hide, escalation = rng.choice(st.REASONS), rng.random() < 0.3, case.first + span * 0.6
        if case.plan == "escalated":
            route = rng.random()
            if route < 0.5:
                at(escalation, mod.escalate, case, moderator)
            else:
                at(escalation, mod.propose, case, moderator, rule, reason, hide)
                if route > 0.85:  # rejected by an admin: the case stays with the admins
                    at(case.first + span * 0.8, mod.decide_proposal, case, False)
            continue
        if case.plan != "resolved":
            continue
        decided = case.decided
        if case.planned == "member_dismissed":
            if rng.random() < 0.6:
                at(escalation, mod.propose, case, moderator, rule, reason, hide)
                at(decided, mod.decide_proposal, case, True)
            else:
                at(escalation, mod.escalate, case, moderator)
                at(decided, mod.dismiss, rng.choice(mod.admins), case, rule, reason, hide, "dismiss_member_direct")
        else:
            decider = mod.decider(case)
            if rng.random() < 0.08:  # decided by an admin after an escalation
                at(escalation, mod.escalate, case, moderator)
                decider = rng.choice(mod.admins)
            days = None
            if case.planned in ("suspended", "silenced"):  # a step of the ladder, or until a date
                days = rng.choice((1, 3, 7, 30)) if rng.random() < 0.75 else rng.uniform(60, 365)
            at(decided, mod.resolve, decider, case, case.planned, rule,
               case.planned in ("warned", "silenced", "suspended") and rng.random() < 0.4, days)
        after = decided + rng.expovariate(1 / (3 * DAY)) + 600
        if after > now - 600:
            continue
        if case.planned != "dismissed" and rng.random() < 0.12:
            at(after, mod.appeal, case)
            roll, later = rng.random(), after + rng.expovariate(1 / (4 * DAY)) + 600
            if roll >= 0.35 and later < now - 60:  # else still pending
                at(later, mod.decide_appeal, case, roll >= 0.8)
        elif case.planned in ("silenced", "suspended", "warned") and rng.random() < 0.04:
            at(after, mod.lift, case)
        elif case.planned == "member_dismissed" and rng.random() < 0.1:
            at(after, mod.reinstate, case)
        elif case.planned == "removed" and rng.random() < 0.04:
            at(after, mod.restore, case)
    events.sort(key=lambda e: (e[0], e[1]))
    bar = Progress("moderation events", len(events))
    for t, _, operation, args in events:
        operation(t, *args)
        bar.add()
    bar.close()
    for case in cases:  # remind_stale_cases: the last reminder of each case undecided for 48 hours
        if case.status != "resolved" and case.first < now - 48 * 3600:
            case.reminded_at = now - rng.random() * min(47 * 3600, now - case.first - 48 * 3600)
            recipients = mod.admins if case.status == "escalated" else mod.moderators_for(case)
            mod.notify(case.reminded_at, recipients, "stale_case", case, hours=48)
    return mod


# --- planning: watches and their notices ------------------------------------------------------

def plan_watching(rng, scale, forum, users, launch, now):
    """Watches since the feature launched (authors watch their threads; a few members watch categories or
    threads, some mute), the notices of posts since (forum/connect/watching.py), and @mentions in some replies."""
    from forum import markup
    from forum.connect import search
    watches, notices, mentions = [], [], {}
    active = [u["id"] for u in users if u["status"] == "active" and u["password_hash"]]
    may_hear = {u["id"] for u in users if u["status"] == "active" and u["password_hash"]
                and not (u["suspended_until"] and u["suspended_until"] > now)}
    by_category = {}
    for _ in range(scaled(scale, 14, 3)):
        cid, uid = rng.choice([c for c, slug, _ in forum.categories if slug != "general"]), rng.choice(active)
        if uid not in {w[0] for w in by_category.get(cid, [])}:
            since = launch + rng.random() * (now - launch) * 0.5
            by_category.setdefault(cid, []).append((uid, since))
            watches.append((since, uid, None, cid, "watching"))
    thread_watch = {}  # thread -> {user: (since, mode)}
    for p in range(bisect.bisect(forum.p_time, launch), forum.n_posts):
        t, thread, author, number = forum.p_time[p], forum.p_thread[p], forum.p_author[p], forum.p_number[p]
        mine = thread_watch.setdefault(thread, {})
        if number == 1:
            mine[author] = (t, "watching")
            watches.append((t, author, thread, None, "watching"))
        mentioned = set()
        if number > 1 and rng.random() < 0.03:
            target = forum.t_author[thread] if rng.random() < 0.6 else rng.choice(active)
            if target != author and target in may_hear:
                source = f"@{users[target - 1]['username']} {rng.choice(st.TEXT[forum.p_language[p]]['mentions'])}"
                mentions[p] = (copy_escape(source), copy_escape(markup.render_markdown(source).rstrip("\n")),
                               tuple(search.index_text(source).split()))
                if mine.get(target, (0, None))[1] != "muted":
                    mentioned.add(target)
                    notices.append((t, target, "mention", None,
                                    json.dumps({"post_id": p + 1, "thread_id": thread + 1, "via": "mention"})))
        shown = forum.p_deleted[p] is None and forum.p_state[p] is None and forum.p_state[forum.t_first[thread]] is None
        audience = {"thread": [], "category": []}
        if shown:
            if number > 1:
                audience["thread"] = [uid for uid, (since, mode) in mine.items() if mode == "watching" and since < t]
            audience["category"] = [uid for uid, since in by_category.get(forum.t_category[thread], ())
                                    if since < t and (number == 1 or uid not in mine)]
        for via, members in audience.items():
            members = [uid for uid in members if uid != author and uid not in mentioned and uid in may_hear]
            payload = json.dumps({"post_id": p + 1, "thread_id": thread + 1, "via": via})
            notices.extend((t, uid, "new_thread" if number == 1 else "reply", None, payload) for uid in members)
        if number > 1 and author not in mine and rng.random() < 0.06:  # "watch" clicked by a replier; a few mute
            mine[author] = (t + 1, "muted" if rng.random() < 0.1 else "watching")
            watches.append((t + 1, author, thread, None, mine[author][1]))
    return watches, notices, mentions


# --- writing ----------------------------------------------------------------------------------

USER_COLUMNS = ("id", "username", "email", "password_hash", "session_token", "role", "status", "display_name",
                "academy", "class_session", "graduation_year", "country", "agency", "preferred_language", "timezone",
                "bio_source", "bio_html", "created_at", "last_login_at", "imported_at", "invited_at", "ign_subject",
                "deleted_at", "suspended_until", "silenced_until", "digest_minutes", "last_digest_at",
                "directory_hidden", "last_watch_digest_at")
TIMES = {"created_at", "last_login_at", "imported_at", "invited_at", "deleted_at", "suspended_until",
         "silenced_until", "last_digest_at", "last_watch_digest_at"}
NULL = "\\N"


def user_rows(users):
    for user in users:
        yield tuple(ts(user[c]) if c in TIMES and user[c] is not None else user[c] for c in USER_COLUMNS)


def write_posts(connection, revisions_connection, forum, text, mentions, snapshots, rng):
    """COPY the posts and, on a second connection at the same time, their first revisions. Bodies are
    blocks joined as COPY text; the search document is the tsvector of the blocks' words (and the title's)."""
    bar = Progress("posts + revisions", forum.n_posts)
    title_copy = [copy_escape(title) for title, _ in forum.t_title]
    words_of, source_copy, html_copy = text.words, text.source_copy, text.html_copy
    mu, sigma = math.log(200), 0.9  # wanted body length: log-normal, median 200 characters
    posts_copy = connection.cursor().copy(
        "COPY posts (id, thread_id, number, author_id, body_source, body_html, language, revision, created_at, "
        "deleted_at, deleted_by_id, moderation_state, search_document) FROM STDIN")
    revisions_copy = revisions_connection.cursor().copy(
        "COPY post_revisions (id, post_id, number, title, body_source, body_html, editor_id, created_at) FROM STDIN")
    with posts_copy as copy, revisions_copy as revisions:
        lines, revision_lines = [], []
        for p in range(forum.n_posts):
            thread, number, author = forum.p_thread[p], forum.p_number[p], forum.p_author[p]
            picks = text.compose(rng, forum.p_language[p], min(rng.lognormvariate(mu, sigma), 12_000))
            source = "\\n\\n".join([source_copy[b] for b in picks])
            html = "\\n".join([html_copy[b] for b in picks])
            words = [w for b in picks for w in words_of[b]]
            if p in mentions:
                m_source, m_html, m_words = mentions[p]
                source, html, words = m_source + "\\n\\n" + source, m_html + "\\n" + html, list(m_words) + words
            if number == 1:
                words = list(forum.t_title[thread][1]) + words
            if p in snapshots:
                snapshots[p] = (source, html)
            created = ts(forum.p_time[p]).isoformat(" ")
            deleted = forum.p_deleted[p]
            lines.append(f"{p + 1}\t{thread + 1}\t{number}\t{author}\t{source}\t{html}\\n\t{forum.p_language[p]}\t1\t"
                         f"{created}\t{ts(deleted).isoformat(' ') if deleted else NULL}\t{author if deleted else NULL}\t"
                         f"{forum.p_state[p] or NULL}\t{tsvector(words)}\n")
            revision_lines.append(f"{p + 1}\t{p + 1}\t1\t{title_copy[thread] if number == 1 else NULL}\t"
                                  f"{source}\t{html}\\n\t{author}\t{created}\n")
            if len(lines) == 1000:
                copy.write("".join(lines))
                revisions.write("".join(revision_lines))
                lines.clear()
                revision_lines.clear()
                bar.add(1000)
        copy.write("".join(lines))
        revisions.write("".join(revision_lines))
        bar.add(len(lines))
    bar.close()


def write_moderation(connection, mod, forum, users, snapshots):
    """COPY cases, reports (with their snapshots), notes, penalties, proposals, appeals and the audit log."""
    def when(t):
        return ts(t) if t is not None else None

    copy_rows(connection, "cases", ("id", "post_id", "member_id", "category_id", "academy", "open_key", "status",
                                    "outcome", "report_count", "created_at", "first_reported_at", "resolved_at",
                                    "resolved_by_id", "claimed_by_id", "claimed_at", "reminded_at"),
              ((c.id, c.post + 1 if c.post is not None else None, c.member, c.category, c.academy,
                None if c.status == "resolved" else f"post:{c.post + 1}" if c.post is not None else f"user:{c.member}",
                c.status, c.outcome, len(c.reports), ts(c.first), ts(c.first), when(c.resolved_at), c.resolved_by,
                c.claimed_by, when(c.claimed_at), when(c.reminded_at)) for c in mod.cases), len(mod.cases))

    def report_lines():
        """As COPY text: the snapshots are the posts' bodies, already COPY text."""
        for n, (t, case, reporter, rule, comment) in enumerate(sorted(mod.reports, key=lambda r: r[0]), 1):
            if case.post is not None:
                source, html = snapshots[case.post]
                html += "\\n"
                thread = forum.p_thread[case.post]
                title, revision = (copy_escape(forum.t_title[thread][0]), 1) if forum.p_number[case.post] == 1 else (NULL, 1)
            else:
                member = users[case.member - 1]
                source, html = copy_escape(member["bio_source"]), copy_escape(member["bio_html"])
                title, revision = copy_escape(member["display_name"]), NULL
            yield (f"{n}\t{case.id}\t{reporter}\t{rule}\t{copy_escape(comment)}\t{ts(t).isoformat(' ')}\t{title}\t"
                   f"{source}\t{html}\t{revision}\n")
    bar = Progress("reports", len(mod.reports))
    with connection.cursor().copy("COPY reports (id, case_id, reporter_id, rule_code, comment, created_at, "
                                  "snapshot_title, snapshot_source, snapshot_html, snapshot_revision) FROM STDIN") as copy:
        for line in report_lines():
            copy.write(line)
            bar.add()
    bar.close()
    copy_rows(connection, "case_notes", ("id", "case_id", "author_id", "body", "created_at"),
              ((n, case_id, author, body, ts(t)) for n, (t, case_id, author, body) in enumerate(sorted(mod.notes), 1)),
              len(mod.notes))
    copy_rows(connection, "penalties", ("id", "member_id", "case_id", "kind", "rule_code", "reason", "created_at",
                                        "ends_at", "created_by_id", "lifted_at", "lifted_by_id"),
              ((n, p.member, p.case.id, p.kind, p.rule, p.reason, ts(p.t), when(p.ends), p.by, when(p.lifted_at),
                p.lifted_by) for n, p in enumerate(mod.penalties, 1)), len(mod.penalties))
    copy_rows(connection, "dismissal_proposals", ("id", "case_id", "member_id", "proposed_by_id", "rule_code", "reason",
                                                  "hide_content", "status", "created_at", "decided_by_id", "decided_at"),
              ((n, p.case.id, p.member, p.by, p.rule, p.reason, p.hide, p.status, ts(p.t), p.decided_by,
                when(p.decided_at)) for n, p in enumerate(mod.proposals, 1)), len(mod.proposals))
    copy_rows(connection, "appeals", ("id", "case_id", "member_id", "text", "status", "created_at", "decided_by_id",
                                      "decided_at", "decision_reason"),
              ((n, a.case.id, a.member, a.text, a.status, ts(a.t), a.by, when(a.decided_at), a.reason)
               for n, a in enumerate(mod.appeals, 1)), len(mod.appeals))
    copy_rows(connection, "moderation_actions", ("id", "case_id", "actor_id", "action", "member_id", "post_id",
                                                 "rule_code", "reason", "created_at"),
              ((n, case_id, actor, action, member, post + 1 if post is not None else None, rule, reason, ts(t))
               for n, (t, case_id, actor, action, member, post, rule, reason) in
               enumerate(sorted(mod.actions, key=lambda a: a[0]), 1)), len(mod.actions))


def write_notifications(connection, notices, users, rng, now):
    """COPY the notifications (some read, digest kinds marked as digested up to the member's last digest)
    and, for the kinds mailed one by one, their e-mails in the outbox (sent; a few failed)."""
    import forum.connect.watching  # noqa: F401 - these register the kinds mailed in digests
    import moderation.notices  # noqa: F401
    from forum.notifications import kinds
    digest_kinds = {name for name, kind in kinds.KINDS.items() if kind.in_digest}
    notices = sorted(notices, key=lambda n: n[0])
    deliveries = []

    def rows():
        for n, (t, uid, kind, case_id, payload) in enumerate(notices, 1):
            user = users[uid - 1]
            read = t + rng.expovariate(1 / DAY) if rng.random() < (0.85 if t < now - 14 * DAY else 0.35) else None
            digested = None
            if kind in digest_kinds:
                stamp = user["last_digest_at"] if kind == "new_case" else user["last_watch_digest_at"]
                if stamp is not None and t <= stamp:
                    digested = min(stamp, t + rng.random() * user["digest_minutes"] * 60)
            else:
                deliveries.append((n, t, uid, kind))
            yield (n, uid, kind, case_id, payload, ts(t), ts(min(read, now)) if read else None,
                   ts(digested) if digested else None)
    copy_rows(connection, "notifications", ("id", "user_id", "kind", "case_id", "data_json", "created_at", "read_at",
                                            "digested_at"), rows(), len(notices))

    def mails():
        for n, (notification, t, uid, kind) in enumerate(deliveries, 1):
            failed = rng.random() < 0.003
            yield (n, uid, kind, notification, "{}", "failed" if failed else "sent", 8 if failed else 1,
                   "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable" if failed else None, ts(t),
                   ts(t + (2 * DAY if failed else 20)), ts(t + 2), None if failed else ts(t + 20))
    copy_rows(connection, "deliveries", ("id", "user_id", "kind", "notification_id", "payload_json", "status",
                                         "attempts", "last_error", "created_at", "updated_at", "claimed_at", "sent_at"),
              mails(), len(deliveries))


def check_samples(connection, forum, mentions, rng, count=40):
    """The composed HTML and search document of sampled posts (openings and mentions included) equal what
    the app computes from their source: forum.markup.render_markdown, to_tsvector of forum.connect.search.index_text."""
    from forum import markup
    from forum.connect import search
    samples = rng.sample(range(forum.n_posts), count) + [forum.t_first[rng.randrange(forum.n_threads)] for _ in range(10)]
    samples += list(mentions)[:10]
    for p in samples:
        body, html, document = connection.execute(
            "SELECT body_source, body_html, search_document::text FROM posts WHERE id = %s", (p + 1,)).fetchone()
        title = forum.t_title[forum.p_thread[p]][0] if forum.p_number[p] == 1 else None
        assert markup.render_markdown(body) == html, f"post {p + 1}: composed HTML differs from render_markdown"
        expected = connection.execute("SELECT to_tsvector('simple', %s)::text",
                                      (search.index_text(body, title),)).fetchone()[0]
        assert document == expected, f"post {p + 1}: search_document differs from the app's"
    return len(samples)


CHECKS = {
    "thread counters": """
        SELECT count(*) FROM threads t JOIN (
            SELECT thread_id, count(*) AS n, max(number) AS top, max(created_at) AS last,
                   count(*) FILTER (WHERE deleted_at IS NOT NULL AND number > 1) AS deleted
            FROM posts GROUP BY thread_id) p ON p.thread_id = t.id
        WHERE t.post_count <> p.n OR p.top <> p.n OR t.reply_count <> p.n - 1 - p.deleted
           OR t.last_activity_at <> p.last""",
    "threads without posts": "SELECT count(*) FROM threads t WHERE NOT EXISTS (SELECT 1 FROM posts WHERE thread_id = t.id)",
    "last poster": """SELECT count(*) FROM threads t JOIN posts p ON p.thread_id = t.id AND p.number = t.post_count
                      WHERE p.author_id <> t.last_poster_id""",
    "opening posts": """
        SELECT count(*) FROM threads t JOIN posts p ON p.thread_id = t.id AND p.number = 1
        WHERE t.hidden <> (p.moderation_state IS NOT NULL) OR t.author_id <> p.author_id
           OR t.created_at <> p.created_at OR t.language <> p.language""",
    "times within threads": """
        SELECT count(*) FROM (SELECT created_at, lag(created_at) OVER (PARTITION BY thread_id ORDER BY number) AS before
                              FROM posts) x WHERE before >= created_at""",
    "category counters": """
        SELECT count(*) FROM categories c LEFT JOIN (
            SELECT category_id, count(*) AS n, sum(post_count) AS posts, max(last_activity_at) AS last
            FROM threads GROUP BY category_id) t ON t.category_id = c.id
        WHERE c.thread_count <> coalesce(t.n, 0) OR c.post_count <> coalesce(t.posts, 0)
           OR c.last_activity_at IS DISTINCT FROM t.last""",
    "revisions": "SELECT (SELECT count(*) FROM posts) - (SELECT count(*) FROM post_revisions WHERE number = 1)",
    "case reports": """
        SELECT count(*) FROM cases c LEFT JOIN (SELECT case_id, count(*) AS n, min(created_at) AS first
                                                FROM reports GROUP BY case_id) r ON r.case_id = c.id
        WHERE c.report_count <> coalesce(r.n, 0) OR c.first_reported_at <> r.first""",
    "case targets": """
        SELECT count(*) FROM cases c JOIN posts p ON p.id = c.post_id JOIN threads t ON t.id = p.thread_id
        WHERE c.member_id <> p.author_id OR c.category_id <> t.category_id OR p.created_at > c.first_reported_at""",
    "open cases": "SELECT count(*) FROM cases WHERE (status = 'resolved') <> (open_key IS NULL)",
    "dismissed members": """
        SELECT count(*) FROM users u WHERE (u.status = 'dismissed') <> EXISTS (
            SELECT 1 FROM penalties p WHERE p.member_id = u.id AND p.kind = 'dismissal' AND p.lifted_at IS NULL)""",
    "posts after leaving": """
        WITH gone AS (SELECT u.id, coalesce(u.deleted_at, min(p.created_at)) AS at FROM users u
                      LEFT JOIN penalties p ON p.member_id = u.id AND p.kind = 'dismissal'
                      WHERE u.deleted_at IS NOT NULL OR p.id IS NOT NULL GROUP BY u.id)
        SELECT count(*) FROM posts p JOIN gone g ON g.id = p.author_id WHERE p.created_at > g.at""",
}


def check_consistency(connection):
    """Counters and states agree with the rows, as the services keep them; every check counts offenders."""
    bar = Progress("consistency checks", len(CHECKS))
    failed = {}
    for name, query in CHECKS.items():
        offenders = connection.execute(query).fetchone()[0]
        if offenders:
            failed[name] = offenders
        bar.add()
    bar.close()
    assert not failed, f"inconsistent: {failed}"


def summary(connection, tables, forum):
    print("\nrows per table")
    for table in tables:
        print(f"  {table:<22} {connection.execute(f'SELECT count(*) FROM {table}').fetchone()[0]:>10,}")
    slug, threads = connection.execute("SELECT slug, thread_count FROM categories ORDER BY thread_count DESC LIMIT 1").fetchone()
    big = connection.execute(f"SELECT id FROM threads WHERE post_count = {POSTS_PER_BIG_THREAD}").fetchall()
    print(f"\nbiggest category: /c/{slug} ({threads:,} threads); threads of {POSTS_PER_BIG_THREAD} posts: "
          f"{', '.join(f'/t/{row[0]}' for row in big) or 'none at this scale'}")
    counts = dict(connection.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
    print(f"cases: {counts}; hidden threads: "
          f"{connection.execute('SELECT count(*) FROM threads WHERE hidden').fetchone()[0]:,}")
    print("members: " + ", ".join(f"{k} {v:,}" for k, v in connection.execute(
        "SELECT CASE WHEN status = 'active' AND suspended_until > now() at time zone 'utc' THEN 'suspended' "
        "ELSE status END, count(*) FROM users GROUP BY 1 ORDER BY 2 DESC")))
    print(f"bench accounts: bench_member, bench_moderator, bench_admin; password from BENCH_PASSWORD "
          f"(default {'bench-password-2026'!r}), also the password of every member who signed in")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--blocks", type=int, help="Markdown blocks per language (default: 2500 at scale 0.1 and up)")
    parser.add_argument("--keep-indexes", action="store_true",
                        help="COPY into the indexed tables (only foreign keys dropped): slower, for comparison")
    args = parser.parse_args()
    url = args.database
    if url.rsplit("/", 1)[1] in ("test", "bench_search"):
        parser.error("that database belongs to the tests or to bench/search.py")
    phases, rng = Phases(), random.Random(args.seed)
    now = float(int(time.time()) // 60 * 60)
    start, launch, watch_launch = now - 6 * 365 * DAY, now - 6 * 365 * DAY - 30 * DAY, now - 60 * DAY
    print(f"seeding {url} at scale {args.scale} with seed {args.seed} (load average {os.getloadavg()[0]:.2f})",
          file=sys.stderr)

    # The Markdown blocks render in two worker processes while the schema is migrated.
    workers = multiprocessing.get_context("fork").Pool(2)
    count = args.blocks or max(300, min(2500, round(25_000 * args.scale)))
    blocks = workers.map_async(build_blocks, [(args.seed, language, count, part, 4)
                                              for language in st.LANGUAGES for part in range(4)])
    with phases("schema: migrate, seed_portal"):
        reset_database(url)
        from forum.accounts.services import hash_password
        password_hash = hash_password(BENCH_PASSWORD)  # once, for every member who signed in
    with phases("text blocks (rendered once)"):
        text = Text(blocks.get())
        workers.close()
        workers.join()
    connection = connect(url)
    categories = connection.execute("SELECT id, slug, staff_only FROM categories ORDER BY position").fetchall()
    conduct = connection.execute("SELECT id FROM conduct_versions ORDER BY number DESC LIMIT 1").fetchone()[0]

    with phases("plan members, threads, posts"):
        users, staff = plan_members(rng, args.scale, now, launch, password_hash, text)
        moderators = [u["id"] for u in staff if u["role"] == "moderator" and u["username"] != "bench_moderator"]
        scoped = moderators[len(moderators) // 2:]  # half the moderators look after some categories only
        open_boards = [cid for cid, _, staff_only in categories if not staff_only]
        scopes = {m: set(rng.sample(open_boards, rng.choice((1, 1, 2, 3)))) for m in scoped}
        forum = Forum(rng, args.scale, now, start, users, staff, categories, text)
    with phases("plan moderation, watching"):
        mod = plan_moderation(rng, args.scale, forum, users, staff, scopes, now)
        for u in users:  # deleted accounts, anonymized as forum.accounts.personal_data.delete_account does
            if u["deleted_at"]:
                former = f"former-{u['id']}"
                u.update(status="deleted", role="member", username=former, email=f"{former}@deleted.invalid",
                         display_name="", password_hash=None, ign_subject=None, academy=None, class_session=None,
                         graduation_year=None, country=None, agency=None, last_login_at=None, invited_at=None,
                         imported_at=None, bio_source="", bio_html="", timezone="UTC")
        watches, watch_notices, mentions = plan_watching(rng, args.scale, forum, users, watch_launch, now)
        notices = [n for n in mod.notifications + watch_notices if users[n[1] - 1]["status"] != "deleted"]
        for u in staff:
            u["last_digest_at"] = now - rng.random() * u["digest_minutes"] * 60
        for uid in {n[1] for n in watch_notices}:
            users[uid - 1]["last_watch_digest_at"] = now - rng.random() * 3600
        category_stats = forum.derive()

    tables = ["users", "category_moderators", "conduct_acceptances", "threads", "posts", "post_revisions", "cases",
              "reports", "case_notes", "penalties", "dismissal_proposals", "appeals", "moderation_actions",
              "notifications", "deliveries", "watches"]
    with phases("drop indexes, foreign keys"):
        indexes, foreign_keys = drop_secondary(connection, tables, args.keep_indexes)
    with phases("copy members, threads"):
        copy_rows(connection, "users", USER_COLUMNS, user_rows(users), len(users))
        copy_rows(connection, "category_moderators", ("user_id", "category_id"),
                  [(m, c) for m, cats in scopes.items() for c in sorted(cats)], sum(map(len, scopes.values())))
        accepted = [u for u in users if u["password_hash"] or u["deleted_at"]]  # everyone who ever signed in
        copy_rows(connection, "conduct_acceptances", ("user_id", "version_id", "accepted_at"),
                  ((u["id"], conduct, ts(u["created_at"] + 3600)) for u in accepted), len(accepted))
        copy_rows(connection, "threads", ("id", "category_id", "author_id", "title", "kind", "language", "created_at",
                                          "last_activity_at", "last_poster_id", "post_count", "reply_count",
                                          "view_count", "pinned", "locked", "hidden"),
                  forum.thread_rows(rng), forum.n_threads)
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE categories SET thread_count = %s, post_count = %s, last_activity_at = %s "
                               "WHERE id = %s", [(n, posts, ts(last) if last else None, cid)
                                                 for cid, (n, posts, last) in category_stats.items()])
    with phases("copy posts + revisions"):
        snapshots = {case.post: None for case in mod.cases if case.post is not None}
        with connect(url) as revisions_connection:
            write_posts(connection, revisions_connection, forum, text, mentions, snapshots, rng)

    # The search index (GIN) builds on a connection of its own while the rest is written.
    gin = [statement for _, statement in indexes if " USING gin " in statement]
    gin_connection = connect(url)
    gin_connection.execute("SET maintenance_work_mem = '1GB'")
    gin_started = time.perf_counter()
    gin_thread = threading.Thread(target=lambda: [gin_connection.execute(statement) for statement in gin])
    gin_thread.start()
    with phases("copy moderation, notifications"):
        write_moderation(connection, mod, forum, users, snapshots)
        write_notifications(connection, notices, users, rng, now)
        live_watches = sorted((w for w in watches if users[w[1] - 1]["status"] != "deleted"), key=lambda w: w[0])
        copy_rows(connection, "watches", ("id", "user_id", "thread_id", "category_id", "mode", "created_at"),
                  ((n, uid, thread + 1 if thread is not None else None, cid, mode, ts(t))
                   for n, (t, uid, thread, cid, mode) in enumerate(live_watches, 1)), len(live_watches))
    with phases("indexes, foreign keys"):
        connection.execute("SET maintenance_work_mem = '512MB'")
        others = [statement for _, statement in indexes if statement not in gin]
        bar = Progress("indexes", len(others))
        for statement in others:
            connection.execute(statement)
            bar.add()
        bar.close()
        # Foreign keys touching posts wait for the search index (they lock posts against its build).
        later = [statement for table, target, statement in foreign_keys if "posts" in (table, target)]
        bar = Progress("foreign keys", len(foreign_keys))
        for statement in [statement for _, _, statement in foreign_keys if statement not in later]:
            connection.execute(statement)
            bar.add()
        gin_thread.join()
        gin_connection.close()
        print(f"\n  search index built in {time.perf_counter() - gin_started:.0f} s", file=sys.stderr)
        for statement in later:
            connection.execute(statement)
            bar.add()
        bar.close()
        for (table,) in connection.execute("SELECT table_name FROM information_schema.columns WHERE "
                                           "table_schema = 'public' AND column_name = 'id' AND column_default "
                                           "LIKE 'nextval%'").fetchall():  # so the app can insert afterwards
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
    with phases("vacuum, analyze, checks"):
        # As autovacuum leaves a live database: statistics, and a visibility map so counts over an
        # index (a moderator's unread notifications) need not visit the table.
        connection.execute("VACUUM (ANALYZE)")
        checked = check_samples(connection, forum, mentions, rng)
        check_consistency(connection)
        print(f"  {checked} sampled posts render and index exactly as the app does", file=sys.stderr)
    summary(connection, tables, forum)
    phases.report()


if __name__ == "__main__":
    main()
