"""Time full-text search on PostgreSQL at scale: a generated forum of 1,000,000 posts in the five
languages, then one-word searches (first page, as a member sees it) through forum.connect.search.

    .venv/bin/python bench/search.py [--posts 1000000] [--database postgresql://postgres@127.0.0.1:5432/bench_search]
    .venv/bin/python bench/search.py --skip-generate   # time again on the database already generated

The database is created if missing, emptied and migrated: give it a database of its own. Posts are
written with COPY; their search documents are built in the generator from the words it chose (what
forum.connect.search would index: the words, normalized, Thai written without spaces in the body), since
segmenting a million generated Thai texts would only time PyThaiNLP. The words searched for are 10
per language, from the most frequent to ones in a few dozen posts (Zipf-distributed vocabulary).
"""
import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from itertools import accumulate
from pathlib import Path
from types import SimpleNamespace

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from forum.connect import search  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import ACADEMIES, Category, Thread, User, utcnow  # noqa: E402
from forum.seed import seed_portal  # noqa: E402
from wsgi import create_app  # noqa: E402

SEED = 2026
VOCABULARY = 20_000  # words per language
POSTS_PER_THREAD = 10
USERS = 10_000
RANKS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 19_000)  # the words searched for, by frequency rank

REAL_WORDS = {
    "en": "evidence police checkpoint investigation training border smuggling cyber fraud interview report "
          "officer academy witness forensic patrol drugs trafficking court warrant".split(),
    "es": "evidencia policía control investigación formación frontera contrabando fraude entrevista informe "
          "agente academia testigo forense patrulla drogas tráfico tribunal orden".split(),
    "fr": "preuve police contrôle enquête formation frontière contrebande fraude interpellation rapport "
          "agent académie témoin médecine patrouille drogue trafic tribunal mandat".split(),
    "pt": "prova polícia controlo investigação formação fronteira contrabando fraude entrevista relatório "
          "agente academia testemunha forense patrulha droga tráfico tribunal mandado".split(),
    "th": "หลักฐาน ตำรวจ ด่านตรวจ การสอบสวน การฝึกอบรม ชายแดน การลักลอบ ไซเบอร์ การฉ้อโกง รายงาน "
          "เจ้าหน้าที่ สถาบัน พยาน นิติเวช ลาดตระเวน ยาเสพติด การค้ามนุษย์ ศาล หมายจับ".split(),
}
SYLLABLES = {
    "en": (list("bcdfghklmnprstvw") + ["ch", "sh", "th", "tr", "st"], list("aeiou") + ["ea", "ou", "ai"]),
    "es": (list("bcdfglmnprstv") + ["ch", "ll", "rr", "ñ"], list("aeiou") + ["á", "é", "ó", "ía", "ue"]),
    "fr": (list("bcdfglmnprstv") + ["ch", "qu", "gn"], list("aeiou") + ["é", "è", "ê", "ou", "ai", "eau"]),
    "pt": (list("bcdfglmnprstv") + ["lh", "nh", "ç"], list("aeiou") + ["ã", "õ", "é", "ê", "ão"]),
    "th": (list("กขคงจชซดตถทนบปผพฟมยรลวสหอ"), ["ะ", "า", "ิ", "ี", "ุ", "ู", "ำ", "ั", "่", "้", "ัน", "าง", "อง", "ี่"]),
}


def vocabulary(language, rng):
    """VOCABULARY distinct words, the real ones first (the most frequent)."""
    consonants, vowels = SYLLABLES[language]
    words = list(dict.fromkeys(REAL_WORDS[language]))
    seen = set(words)
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    # The words searched for must stay one word when a query is split (Thai is segmented): swap in the
    # next such word of about the same frequency.
    for rank in RANKS:
        swap = next(i for i in range(rank - 1, VOCABULARY) if search.words(words[i]) == [search.normalize(words[i])])
        words[rank - 1], words[swap] = words[swap], words[rank - 1]
    return words


def tsvector_text(words):
    """The tsvector to_tsvector('simple', ' '.join(words)) gives, in PostgreSQL's text form."""
    positions = {}
    for position, word in enumerate(words, start=1):
        positions.setdefault(word, []).append(str(min(position, 16383)))
    return " ".join(f"'{word}':{','.join(found[:256])}" for word, found in positions.items())


def ensure_database(url):
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def generate(posts, url):
    """Members, threads and posts, written in bulk; returns the words to search for."""
    rng = random.Random(SEED)
    languages = list(REAL_WORDS)
    vocabularies = {language: vocabulary(language, rng) for language in languages}
    normalized = {language: [search.normalize(word) for word in words] for language, words in vocabularies.items()}
    weights = [1 / rank for rank in range(1, VOCABULARY + 1)]
    cumulative = list(accumulate(weights))
    seed_portal()
    now = utcnow()
    db.session.execute(sa.insert(User), [
        {"username": f"member{n}", "email": f"member{n}@example.org", "stored_name": f"Member {n}",
         "academy": rng.choice(list(ACADEMIES)), "preferred_language": rng.choice(languages),
         "session_token": f"token-{n}"} for n in range(USERS)])
    categories = db.session.scalars(sa.select(Category.id).where(Category.archived.is_(False))).all()
    user_ids = db.session.scalars(sa.select(User.id)).all()
    threads = posts // POSTS_PER_THREAD
    started = now - timedelta(days=3650)
    thread_rows = []
    for n in range(threads):
        language = rng.choice(languages)
        created = started + timedelta(seconds=n * 3650 * 86400 / threads)
        thread_rows.append({"category_id": rng.choice(categories), "author_id": rng.choice(user_ids),
                            "title": " ".join(rng.choices(vocabularies[language][:2000], k=4)),
                            "kind": rng.choice(["discussion", "story", "best_practice"]), "language": language,
                            "created_at": created, "last_activity_at": created, "post_count": POSTS_PER_THREAD,
                            "reply_count": POSTS_PER_THREAD - 1})
    db.session.execute(sa.insert(Thread), thread_rows)
    db.session.commit()
    thread_ids = db.session.scalars(sa.select(Thread.id).order_by(Thread.id)).all()
    print(f"{USERS} members, {threads} threads", flush=True)

    with psycopg.connect(url) as connection:
        connection.execute("DROP INDEX IF EXISTS ix_posts_search_document")  # built once, after the load
        columns = ("thread_id", "number", "author_id", "body_source", "body_html", "language", "revision",
                   "created_at", "deleted_at", "moderation_state", "search_document")
        with connection.cursor().copy(f"COPY posts ({', '.join(columns)}) FROM STDIN") as copy:
            for n in range(posts):
                thread_index, number = divmod(n, POSTS_PER_THREAD)
                thread = thread_rows[thread_index]
                language = thread["language"] if number == 0 or rng.random() < 0.8 else rng.choice(languages)
                picks = rng.choices(range(VOCABULARY), cum_weights=cumulative, k=rng.randint(15, 60))
                separator = "" if language == "th" else " "
                body = separator.join(vocabularies[language][i] for i in picks)
                indexed = [normalized[language][i] for i in picks]
                if number == 0:
                    indexed = search.words(thread["title"]) + indexed
                created = thread["created_at"] + timedelta(minutes=number)
                hidden = rng.random()
                copy.write_row((thread_ids[thread_index], number + 1, rng.choice(user_ids), body, f"<p>{body}</p>",
                                language, 1, created, created if hidden < 0.005 else None,
                                "removed" if 0.005 <= hidden < 0.01 else None, tsvector_text(indexed)))
                if n and n % 100_000 == 0:
                    print(f"  {n} posts", flush=True)
        print("building the GIN index", flush=True)
        connection.execute("SET maintenance_work_mem = '1GB'")
        connection.execute("CREATE INDEX ix_posts_search_document ON posts USING gin (search_document)")
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def words_to_search():
    rng = random.Random(SEED)
    vocabularies = {language: vocabulary(language, rng) for language in REAL_WORDS}
    return [(language, rank, vocabularies[language][rank - 1]) for language in REAL_WORDS for rank in RANKS]


def timed(function, runs=3):
    times = []
    for _ in range(runs):
        db.session.rollback()
        db.session.expunge_all()
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/bench_search")
    parser.add_argument("--skip-generate", action="store_true", help="time the database generated before")
    args = parser.parse_args()
    ensure_database(args.database)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench", "CELERY_BROKER_URL": "", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        if not args.skip_generate:
            started = time.perf_counter()
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
            generate(args.posts, args.database)
            print(f"generated {args.posts} posts in {time.perf_counter() - started:.0f} s")
        total = db.session.scalar(sa.text("SELECT count(*) FROM posts"))
        # A member as the request's user loader gives it (not bound to the timed sessions).
        reader = SimpleNamespace(id=1, is_authenticated=True, is_active=True, is_moderator=False,
                                 is_admin=False, moderated_category_ids=set())
        per_page = app.config["POSTS_PER_PAGE"]
        targets = words_to_search()
        for _, _, word in targets:  # warm the caches once, as a running portal has them
            search.search_posts(reader, {"q": word}, 1, per_page)
        page_times, sql_times = [], []
        print(f"{'language':8} {'rank':>6} {'matches':>8} {'page ms':>8} {'SQL ms':>7}  word")
        for language, rank, word in targets:
            terms = search.search_terms(word)
            query = search.search_query(reader, terms, {}).limit(per_page + 1)
            sql_ms, _ = timed(lambda: db.session.scalars(query).unique().all())
            page_ms, page = timed(lambda: search.search_posts(reader, {"q": word}, 1, per_page))
            matches = db.session.scalar(sa.text("SELECT count(*) FROM posts WHERE search_document @@ "
                                                "plainto_tsquery('simple', :q)"), {"q": " ".join(terms)})
            page_times.append(page_ms)
            sql_times.append(sql_ms)
            print(f"{language:8} {rank:>6} {matches:>8} {page_ms:>8.1f} {sql_ms:>7.1f}  {word}")

        def p95(values):
            return statistics.quantiles(values, n=20)[-1]

        print(f"\n{total} posts; {len(targets)} one-word searches, first page of {per_page}, median of 3 runs each")
        print(f"whole search (query + snippets): median {statistics.median(page_times):.1f} ms, "
              f"p95 {p95(page_times):.1f} ms, max {max(page_times):.1f} ms")
        print(f"the SQL query alone:             median {statistics.median(sql_times):.1f} ms, "
              f"p95 {p95(sql_times):.1f} ms, max {max(sql_times):.1f} ms")


if __name__ == "__main__":
    main()
