"""SQL per page on the benchmark database: how many statements each page of bench/run.sh runs, the
slowest one's plan, and no sequential scan of the big tables anywhere.

    .venv/bin/python bench/queries.py --database postgresql://postgres@127.0.0.1:5432/bench
        [--targets bench/out/app.json] [--json bench/out/queries.json] [--pages home,thread] [--quiet]

The app is built by wsgi.create_app() on the database and requested through Flask's test client,
signed in as bench_member (bench_moderator for the moderation pages). Each page is requested once
as a warm-up, then once with every statement recorded (SQLAlchemy's cursor events on the engine).
The slowest statement of each page is shown with EXPLAIN (ANALYZE, BUFFERS); every statement is
EXPLAINed and a `Seq Scan` on posts, threads, reports or notifications is a FAIL (exit status 1);
on a table under --min-rows rows (a small seed), only if it stays with enable_seqscan=off (no index
could serve the statement), since there the planner rightly prefers reading a few pages.
Writes (a reply, a report) are explained inside a transaction that is rolled back; the requests
themselves do write, like any member's. Tasks are queued on an in-memory broker and never run,
so the counts are the web request's own, as in production.

With --targets (the app.json bench/load.py writes) the pages are the ones the load run measured,
deep pages included; without it they are found again (the deep category page by following 499
"next" links).
"""
import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import targets as T  # noqa: E402

BIG_TABLES = ("posts", "threads", "reports", "notifications")
SEQ_SCAN = re.compile(r"Seq Scan on (" + "|".join(BIG_TABLES) + r")\b")
OUT = Path(__file__).resolve().parent / "out"


def build_app(database):
    from wsgi import create_app

    OUT.mkdir(exist_ok=True)
    return create_app({
        "SQLALCHEMY_DATABASE_URI": re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", database),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-queries"),
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        # Views are counted in Redis as in production (without it each view is an UPDATE).
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "WRITE_LIMIT": "100000 per minute",
        "REPORT_LIMIT": "100000 per minute",
        # Queued, never run: the request's own statements only (production hands tasks to the worker).
        "CELERY_BROKER_URL": "memory://",
        "MAIL_SERVER": "",
        "MAIL_FILE_DIR": str(OUT / "mail"),
    })


class Recorder:
    """Every statement run on the engine while recording: (sql, parameters, executemany, ms)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.statements, self.on = [], False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = conn.info["bench_started"].pop()
        if self.on:
            self.statements.append((statement, parameters, executemany, 1000 * (time.perf_counter() - started)))

    def __enter__(self):
        self.statements, self.on = [], True
        return self

    def __exit__(self, *exc):
        self.on = False


def sign_in(app, username):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"login": username, "password": T.PASSWORD,
                                         "csrf_token": T.csrf_token(page)})
    if answer.status_code != 302:
        raise SystemExit(f"signing in as {username} failed ({answer.status_code})")
    return client


def explain(engine, statement, parameters, analyze=False, seqscan=True):
    """The plan's text; run in a transaction rolled back afterwards (EXPLAIN ANALYZE executes).
    With seqscan=False the planner avoids sequential scans wherever an index can serve."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if not seqscan:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(prefix + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())
    except Exception as error:  # noqa: BLE001 - reported, not fatal
        if analyze:  # e.g. an INSERT that cannot run twice: its plan without running it
            return (f"(EXPLAIN ANALYZE failed: {str(error).strip().splitlines()[0]}; the plan without it:)\n"
                    + explain(engine, statement, parameters))
        return f"(could not explain: {str(error).strip().splitlines()[0]})"
    finally:
        raw.rollback()
        raw.close()


def table_rows(engine):
    """The planner's row estimates of the big tables."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'",
                       (list(BIG_TABLES),))
        sizes = dict(cursor.fetchall())
        for name, rows in sizes.items():
            if rows < 0:  # never analyzed: count
                cursor.execute(f"SELECT count(*) FROM {name}")
                sizes[name] = cursor.fetchone()[0]
        return sizes
    finally:
        raw.rollback()
        raw.close()


def explainable(statement):
    return re.match(r"\s*(SELECT|WITH|UPDATE|INSERT|DELETE)\b", statement, re.I) is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE",
                                                             "postgresql://postgres@127.0.0.1:5432/bench"))
    parser.add_argument("--targets", help="app.json of bench/load.py: measure the same URLs")
    parser.add_argument("--json", help="write the summary here (for bench/RESULTS.md)")
    parser.add_argument("--pages", help="comma-separated page names (default: all)")
    parser.add_argument("--quiet", action="store_true", help="no plans, only the table and FAIL lines")
    parser.add_argument("--min-rows", type=int, default=10_000,
                        help="a Seq Scan on a table with fewer rows (a small seed) fails only if the planner "
                             "keeps it with enable_seqscan=off, i.e. no index could serve (default 10000)")
    args = parser.parse_args()

    if args.targets and Path(args.targets).exists():
        saved = json.loads(Path(args.targets).read_text())
        targets, urls = saved["targets"], saved.get("urls", {})
    else:
        targets, urls = T.find_targets(args.database), {}
    app = build_app(args.database)
    from forum.extensions import db

    with app.app_context():
        engine = db.engine
    recorder = Recorder(engine)
    clients = {"member": sign_in(app, T.MEMBER), "moderator": sign_in(app, T.MODERATOR)}
    starts = T.start_paths(targets)
    wanted = [name for name, _, _ in T.PAGES if not args.pages or name in args.pages.split(",")]

    def fetch(client):
        return lambda url: client.get(url).get_data(as_text=True)

    # The write requests: a reply and a report, each after one of the same kind as the warm-up.
    member_id = targets["accounts"]["member"]
    report_ids, thread_ids = T.write_targets(args.database, member_id, reports=2, threads=2, seed=int(time.time()))
    rules = T.rule_codes(args.database)
    thread_page = clients["member"].get(starts["thread"]).get_data(as_text=True)
    token = T.csrf_token(thread_page)
    writes = {
        "reply": [(f"/t/{thread}/reply", {"body": "Benchmark reply (bench/queries.py)", "language": "en"})
                  for thread in thread_ids],
        "report": [(f"/p/{post}/report", {"rule": rules[0], "comment": "bench/queries.py"}) for post in report_ids],
    }

    sizes = table_rows(engine)
    rows, failures, notes, details = [], [], [], []
    page_list = [(name, who) for name, who, _ in T.PAGES if name in wanted and name != "write mix"]
    if "write mix" in wanted:
        page_list += [("reply", "member"), ("report", "member")]
    for name, who in page_list:
        client = clients[who]
        if name in ("reply", "report"):
            if len(writes[name]) < 2:
                rows.append((name, "—", "—", "—", "—", "—"))
                continue
            (warm_path, warm_data), (path, data) = writes[name][:2]
            client.post(warm_path, data={**warm_data, "csrf_token": token})
            with recorder:
                started = time.perf_counter()
                answer = client.post(path, data={**data, "csrf_token": token})
                took = 1000 * (time.perf_counter() - started)
            label = f"POST {path}"
        else:
            if name not in starts:
                rows.append((name, "—", "—", "—", "—", "—"))
                continue
            path = urls.get(name)
            if path is None:
                path = starts[name]
                if name in T.DEPTH:
                    url, _ = T.crawl(fetch(client), "http://localhost" + path, T.DEPTH[name])
                    path = url[len("http://localhost"):]
            client.get(path)  # warm-up
            with recorder:
                started = time.perf_counter()
                answer = client.get(path)
                took = 1000 * (time.perf_counter() - started)
            label = f"GET {path}"
        statements = recorder.statements
        sql_ms = sum(s[3] for s in statements)
        slowest = max(statements, key=lambda s: s[3]) if statements else None
        rows.append((name, str(answer.status_code), str(len(statements)), f"{sql_ms:.1f}",
                     f"{slowest[3]:.1f}" if slowest else "—", f"{took:.1f}"))
        for statement, parameters, many, _ms in statements:
            if many or not explainable(statement):
                continue
            plan = explain(engine, statement, parameters)
            found = sorted(set(SEQ_SCAN.findall(plan)))
            small = [table for table in found if sizes.get(table, 0) < args.min_rows]
            if small:  # on a small table a Seq Scan is the planner's fair choice: is there an index at all?
                forced = set(SEQ_SCAN.findall(explain(engine, statement, parameters, seqscan=False)))
                for table in small:
                    if table not in forced:
                        found.remove(table)
                        notes.append(f"{name}: Seq Scan on {table} ({sizes.get(table, 0):,.0f} rows), "
                                     "an index serves it when the table is bigger")
            for table in found:
                failures.append(f"{name}: Seq Scan on {table} ({sizes.get(table, 0):,.0f} rows) in: "
                                f"{' '.join(statement.split())[:300]}")
        detail = {"name": name, "request": label, "status": answer.status_code, "queries": len(statements),
                  "sql_ms": round(sql_ms, 2), "request_ms": round(took, 1)}
        if slowest and explainable(slowest[0]) and not slowest[2]:
            detail.update(slowest_ms=round(slowest[3], 2), slowest_sql=slowest[0],
                          plan=explain(engine, slowest[0], slowest[1], analyze=True))
        details.append(detail)

    header = ("page", "status", "queries", "SQL ms", "slowest ms", "request ms")
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    table = "\n".join("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row))
                      for row in [header, tuple("-" * w for w in widths)] + rows)
    if not args.quiet:
        for detail in details:
            if detail.get("plan"):
                print(f"\n=== {detail['name']}: {detail['request']} — slowest of {detail['queries']} statements, "
                      f"{detail['slowest_ms']:.1f} ms")
                print(detail["slowest_sql"].strip())
                print("--- EXPLAIN (ANALYZE, BUFFERS)")
                print(detail["plan"])
    print()
    print(table)
    counted = [int(row[2]) for row in rows if row[2].isdigit()]
    summary = (f"{len(counted)} requests, {min(counted, default=0)}–{max(counted, default=0)} statements each; "
               + (f"{len(failures)} sequential scan(s) of {', '.join(BIG_TABLES)}: FAIL" if failures
                  else f"no sequential scan of {', '.join(BIG_TABLES)}")
               + (f" ({len(notes)} more on tables under {args.min_rows:,} rows, where an index would serve)"
                  if notes else ""))
    print()
    for line in notes:
        print(f"note {line}")
    for line in failures:
        print(f"FAIL {line}")
    print(summary)
    if args.json:
        Path(args.json).write_text(json.dumps({"table": table, "summary": summary, "failures": failures,
                                               "notes": notes,
                                               "pages": details}, indent=2))
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
