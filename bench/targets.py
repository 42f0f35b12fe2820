"""What bench/load.py and bench/queries.py request, found on the seeded database by SQL, and the
crawler that reaches deep pages by following the pages' own "next" links (never by building a
`?page=N` URL: listings may page by cursor).

Both tools measure the same pages, named as in PAGES.
"""
import os
import random
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

import psycopg

# The newest migration (their revision ids are their numbers): a database seeded before it is seeded again.
SCHEMA_HEAD = max(name[:4] for name in os.listdir(os.path.join(os.path.dirname(__file__), "..", "migrations",
                                                                "versions")) if name[:4].isdigit())

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-2026")
MEMBER = os.environ.get("BENCH_MEMBER", "bench_member")
MODERATOR = os.environ.get("BENCH_MODERATOR", "bench_moderator")
USER_AGENT = "portal-bench/1"  # the same for sign-in and load: sessions are bound to address + browser

CATEGORY_DEPTH = int(os.environ.get("BENCH_CATEGORY_PAGE", "500"))  # the deep category page
THREAD_PAGE = int(os.environ.get("BENCH_THREAD_PAGE", "50"))  # the page read of the longest thread

# (name, who requests it, method): the order of the run and of the tables.
PAGES = [
    ("home", "member", "GET"),
    ("category p1", "member", "GET"),
    ("category deep", "member", "GET"),
    ("thread", "member", "GET"),
    ("profile", "member", "GET"),
    ("profile posts", "member", "GET"),
    ("search", "member", "GET"),
    ("queue", "moderator", "GET"),
    ("queue filtered", "moderator", "GET"),
    ("case", "moderator", "GET"),
    ("write mix", "member", "POST"),
]

# English words of bench/search.py's REAL_WORDS (also what bench/seed.py writes posts with).
REAL_WORDS = ("evidence police checkpoint investigation training border smuggling cyber fraud interview report "
              "officer academy witness forensic patrol drugs trafficking court warrant").split()


def libpq_url(url):
    """A URL psycopg accepts (the app's SQLAlchemy spelling has a driver suffix)."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def connect(url):
    return psycopg.connect(libpq_url(url), autocommit=True)


def account_ids(connection):
    ids = {}
    for key, username in (("member", MEMBER), ("moderator", MODERATOR)):
        row = connection.execute("SELECT id FROM users WHERE username = %s", (username,)).fetchone()
        if row is None:
            raise SystemExit(f"no account {username!r} in the database: was it seeded by bench/seed.py?")
        ids[key] = row[0]
    return ids


def search_word(connection):
    """A common real word of the posts: the most frequent of REAL_WORDS in a sample (BENCH_SEARCH_WORD wins)."""
    if os.environ.get("BENCH_SEARCH_WORD"):
        return os.environ["BENCH_SEARCH_WORD"]
    rows = connection.execute(
        "SELECT word, ndoc FROM ts_stat('SELECT search_document FROM posts TABLESAMPLE SYSTEM (1) REPEATABLE (2026)') "
        "WHERE word = ANY(%s) ORDER BY ndoc DESC", (REAL_WORDS,)).fetchall()
    if not rows:  # a tiny sample may miss: look at a few thousand posts instead
        rows = connection.execute(
            "SELECT word, ndoc FROM ts_stat('SELECT search_document FROM posts ORDER BY id LIMIT 5000') "
            "WHERE word = ANY(%s) ORDER BY ndoc DESC", (REAL_WORDS,)).fetchall()
    return rows[0][0] if rows else "police"


def find_targets(url):
    """The pages' subjects, chosen by SQL: the biggest category, the longest thread, the member
    with the most posts, the open case with the most reports, the commonest rule and academy of
    open cases, a common word."""
    with connect(url) as connection:
        ids = account_ids(connection)
        slug, thread_count = connection.execute(
            "SELECT slug, thread_count FROM categories WHERE NOT archived "
            "ORDER BY thread_count DESC, id LIMIT 1").fetchone()
        thread_id, post_count = connection.execute(
            "SELECT t.id, t.post_count FROM threads t JOIN categories c ON c.id = t.category_id "
            "WHERE NOT t.hidden AND NOT c.archived ORDER BY t.post_count DESC, t.id LIMIT 1").fetchone()
        # The most prolific author among a sample of recent posts (a full GROUP BY over 1M posts is slow).
        username, = connection.execute(
            "SELECT u.username FROM users u JOIN (SELECT author_id, count(*) AS n FROM "
            "(SELECT author_id FROM posts ORDER BY id DESC LIMIT 200000) recent GROUP BY author_id) a "
            "ON a.author_id = u.id WHERE u.status = 'active' AND u.id <> ALL(%s) "
            "ORDER BY a.n DESC, u.id LIMIT 1", (list(ids.values()),)).fetchone()
        case = connection.execute(
            "SELECT id, report_count FROM cases WHERE status = 'open' AND post_id IS NOT NULL "
            "ORDER BY report_count DESC, id LIMIT 1").fetchone()
        rule = connection.execute(
            "SELECT r.rule_code FROM reports r JOIN cases c ON c.id = r.case_id WHERE c.status = 'open' "
            "GROUP BY r.rule_code ORDER BY count(*) DESC LIMIT 1").fetchone()
        academy = connection.execute(
            "SELECT academy FROM cases WHERE status = 'open' AND academy IS NOT NULL "
            "GROUP BY academy ORDER BY count(*) DESC LIMIT 1").fetchone()
        word = search_word(connection)
    queue_filter = "&".join(f"{name}={value[0]}" for name, value in (("rule", rule), ("academy", academy)) if value)
    return {
        "accounts": ids,
        "category": {"slug": slug, "threads": thread_count},
        "thread": {"id": thread_id, "posts": post_count},
        "profile": username,
        "case": {"id": case[0], "reports": case[1]} if case else None,
        "queue_filter": queue_filter,
        "search_word": word,
    }


def start_paths(targets):
    """The first URL of each page (deep pages are then reached by crawling from it)."""
    paths = {
        "home": "/",
        "category p1": f"/c/{targets['category']['slug']}",
        "category deep": f"/c/{targets['category']['slug']}",
        "thread": f"/t/{targets['thread']['id']}",
        "profile": f"/u/{targets['profile']}",
        "profile posts": f"/u/{targets['profile']}?show=posts",
        "search": f"/search?q={targets['search_word']}",
        "queue": "/moderation/",
        "queue filtered": f"/moderation/?{targets['queue_filter']}",
    }
    if targets["case"]:
        paths["case"] = f"/moderation/cases/{targets['case']['id']}"
    return paths


# How many "next" links to follow from the start page.
DEPTH = {"category deep": CATEGORY_DEPTH - 1, "thread": THREAD_PAGE - 1}


class _NextLink(HTMLParser):
    def __init__(self):
        super().__init__()
        self.href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("a", "link") and self.href is None and "next" in (attrs.get("rel") or "").split() \
                and attrs.get("href"):
            self.href = attrs["href"]


def next_link(html, base):
    """The absolute URL of the page's rel="next" link, or None on the last page."""
    parser = _NextLink()
    parser.feed(html)
    return urljoin(base, unescape(parser.href)) if parser.href else None


def crawl(fetch, start, steps):
    """Follow rel="next" `steps` times from `start` (fetch(url) -> html). Returns (url, steps taken):
    fewer steps when the listing ends first."""
    url, taken = start, 0
    while taken < steps:
        following = next_link(fetch(url), url)
        if following is None:
            break
        url, taken = following, taken + 1
    return url, taken


def write_targets(url, member_id, reports, threads, seed=2026):
    """Posts the member may report and has not (replies, spread over many threads and authors), and
    threads open for replies, for the write mix. Excludes the longest thread (its pages are read)."""
    rng = random.Random(seed)
    reportable = ("FROM posts p {sample} JOIN threads t ON t.id = p.thread_id "
                  "JOIN categories c ON c.id = t.category_id "
                  "WHERE p.author_id <> %s AND p.deleted_at IS NULL AND p.moderation_state IS NULL "
                  # Not an opening post: enough reports hide a post, and an opening post its thread
                  # (whose replies would then be refused).
                  "AND p.number > 1 "
                  "AND NOT t.hidden AND NOT c.archived AND t.id <> %s "
                  "AND NOT EXISTS (SELECT 1 FROM cases k JOIN reports r ON r.case_id = k.id "
                  "                WHERE k.open_key = 'post:' || p.id AND r.reporter_id = %s)")
    open_threads = ("FROM threads t {sample} JOIN categories c ON c.id = t.category_id "
                    "WHERE NOT t.hidden AND NOT t.locked AND NOT c.archived AND t.id <> %s")
    with connect(url) as connection:
        longest, = connection.execute("SELECT id FROM threads ORDER BY post_count DESC, id LIMIT 1").fetchone()
        total, = connection.execute("SELECT count(*) FROM posts").fetchone()
        percent = min(100.0, 300.0 * reports / max(total, 1))
        post_ids = [row[0] for row in connection.execute(
            "SELECT p.id " + reportable.format(sample=f"TABLESAMPLE SYSTEM ({percent})"),
            (member_id, longest, member_id))]
        if len(post_ids) < reports:  # a small table, or an unlucky sample: all of them, in random order
            post_ids = [row[0] for row in connection.execute(
                "SELECT p.id " + reportable.format(sample="") + " ORDER BY random() LIMIT %s",
                (member_id, longest, member_id, reports))]
        thread_ids = [row[0] for row in connection.execute(
            "SELECT t.id " + open_threads.format(sample="") + " ORDER BY random() LIMIT %s", (longest, threads))]
    rng.shuffle(post_ids)
    rng.shuffle(thread_ids)
    return post_ids[:reports], thread_ids[:threads]


def rule_codes(url):
    with connect(url) as connection:
        return [row[0] for row in connection.execute(
            "SELECT r.code FROM conduct_rules r WHERE r.version_id = "
            "(SELECT id FROM conduct_versions ORDER BY number DESC LIMIT 1) ORDER BY r.position")]


def csrf_token(html):
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group())
    return unescape(value.group(1)) if value else None


# --- small commands for bench/run.sh ------------------------------------------------------------

def scaled(scale, full, minimum):
    """As bench/seed.py counts: linear in the scale, with a minimum."""
    return max(minimum, round(full * scale))


def counts(url):
    with connect(url) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("users", "threads", "posts", "cases", "reports", "notifications")}


def seeded(url, scale):
    """(True, why) when bench/seed.py finished seeding the database at this scale: the bench accounts,
    its number of threads (the benchmark adds none), about its number of members, and the final
    ANALYZE done."""
    try:
        with connect(url) as connection:
            account_ids(connection)
            analyzed = connection.execute(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'posts'").fetchone()
            schema = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable) as error:
        return False, f"not seeded ({str(error).strip().splitlines()[0]})"
    except SystemExit as error:
        return False, str(error)
    found = counts(url)
    threads, members = scaled(scale, 100_000, 300), scaled(scale, 70_000, 600)
    if found["threads"] != threads:
        return False, f"{found['threads']:,} threads where scale {scale} has {threads:,}"
    if not members <= found["users"] <= 1.01 * members + 100:  # plus the staff accounts
        return False, f"{found['users']:,} members where scale {scale} has about {members:,}"
    if not (analyzed and analyzed[0]):
        return False, "the seeding did not finish (no ANALYZE of posts)"
    if schema is None or schema[0] != SCHEMA_HEAD:  # seeded by older code: its tables lack columns
        return False, f"seeded at migration {schema and schema[0]}, the code is at {SCHEMA_HEAD}"
    return True, ", ".join(f"{n:,} {table}" for table, n in found.items())


def _main():
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description="helpers of bench/run.sh")
    commands = parser.add_subparsers(dest="action", required=True)
    command = commands.add_parser("seeded", help="exit 0 if the database is seeded at the scale")
    command.add_argument("--database", required=True)
    command.add_argument("--scale", type=float, required=True)
    command = commands.add_parser("create-database", help="create the database if it does not exist")
    command.add_argument("--database", required=True)
    command = commands.add_parser("mail-burst", help="the burst test's mails/s, from its output")
    command.add_argument("--log", required=True)
    command.add_argument("--command", default="")
    command.add_argument("--out", required=True)
    command = commands.add_parser("run-info", help="what the report says about the run")
    command.add_argument("--database", required=True)
    command.add_argument("--scale", required=True)
    command.add_argument("--out", required=True)
    for name in ("command", "gunicorn", "celery", "hello", "config", "config-reason"):
        command.add_argument(f"--{name}", default="")
    args = parser.parse_args()

    if args.action == "seeded":
        ok, why = seeded(args.database, args.scale)
        print(("seeded: " if ok else "not seeded at this scale: ") + why, flush=True)
        raise SystemExit(0 if ok else 1)
    if args.action == "create-database":
        name = libpq_url(args.database).rsplit("/", 1)[1]
        with psycopg.connect(libpq_url(args.database).rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                c.execute(f'CREATE DATABASE "{name}"')
        return
    if args.action == "mail-burst":
        text = Path(args.log).read_text(errors="replace")
        match = re.search(r"(\d+) notifications: committed and queued in ([\d.]+) s, all mailed in ([\d.]+) s: "
                          r"(\d+) mails/s[^\n]*", text)
        if not match:
            raise SystemExit(f"no mails/s figure in {args.log}")
        Path(args.out).write_text(json.dumps({
            "mails": int(match.group(1)), "queued_s": float(match.group(2)), "mailed_s": float(match.group(3)),
            "mails_per_second": int(match.group(1)) / float(match.group(3)), "line": match.group(0),
            "command": args.command}, indent=2))
        return
    if args.action == "run-info":
        found = counts(args.database)
        Path(args.out).write_text(json.dumps({
            "database": re.sub(r"//[^@/]*@", "//", args.database),
            "database_name": libpq_url(args.database).rsplit("/", 1)[1],
            "scale": args.scale, "counts": ", ".join(f"{n:,} {table}" for table, n in found.items()),
            "command": args.command, "gunicorn": args.gunicorn, "celery": args.celery, "hello": args.hello,
            "config": args.config, "config_reason": args.config_reason}, indent=2))


if __name__ == "__main__":
    _main()
