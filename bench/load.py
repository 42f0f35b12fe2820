"""Load the portal's pages with wrk and report: the measuring half of bench/run.sh (which starts
and stops gunicorn, the Celery worker and the hello-world app around it).

    load.py machine --out bench/out/machine.json               # the machine, at the start of the run
    load.py hello --base http://127.0.0.1:PORT --gunicorn-pid PID --out bench/out/hello.json
    load.py app --base http://127.0.0.1:PORT --database URL --gunicorn-pid PID [--celery-pid PID]
                --out bench/out/app.json [--pages home,thread]
    load.py report --dir bench/out --results bench/RESULTS.md  # the table, and RESULTS.md

Each page: checked once with the session (it must answer 200, not a redirect to the sign-in page),
warmed up for BENCH_WARMUP seconds (default 3), then loaded for BENCH_SECONDS (default 15) with
`wrk -c32 -t2 --latency --timeout 2s`, then checked again. Errors are wrk's socket errors (connect,
read, write, timeout) and non-2xx/3xx answers; for the write mix, also the POSTs that did not write
(counted in the database: a refused form also answers 200 or 302). While wrk runs, the CPU time of
the gunicorn workers and of the PostgreSQL backends serving the benchmark database is sampled from
/proc, which gives CPU milliseconds per request for the capacity plan.
"""
import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import targets as T  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
HERE = Path(__file__).resolve().parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

# --- processes and CPU ------------------------------------------------------------------------


def children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def postgres_backends(database):
    """PIDs of the PostgreSQL backends connected to `database` (from their process titles)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        match = re.match(r"postgres: (?:\S+: )?(\S+) (\S+) ", title)
        if match and match.group(2) == database:
            found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds used by groups of processes between start() and stop()."""

    def __init__(self, groups):
        self.groups = groups  # name -> callable returning pids

    def _sample(self):
        return {name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self):
        self.before = self._sample()

    def stop(self):
        after = self._sample()
        return {name: sum(max(0.0, used - self.before[name].get(pid, 0.0)) for pid, used in after[name].items())
                for name in self.groups}


def memory(pid):
    """VmRSS, VmHWM (peak RSS) and PSS in MB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                values["Pss"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return values


def redis_commands(url):
    if not url:
        return None
    try:
        import redis
        return redis.Redis.from_url(url, socket_timeout=2).info("stats")["total_commands_processed"]
    except Exception:  # noqa: BLE001 - an optional figure
        return None


# --- wrk --------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value, unit):
    return float(value) * _UNITS[unit]


def parse_wrk(text):
    """req/s, latency percentiles (ms), requests and errors from wrk's output."""
    result = {"rps": 0.0, "requests": 0, "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", text):
        result["rps"] = float(match.group(1))
    for percent, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        result[f"p{percent}_ms"] = _ms(value, unit)
    if match := re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text):
        result["requests"], result["duration_s"] = int(match.group(1)), _ms(match.group(2), match.group(3)) / 1000
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        for name, value in zip(("connect", "read", "write", "timeout"), match.groups()):
            result["errors"][name] = int(value)
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        result["errors"]["status"] = int(match.group(1))
    result["error_total"] = sum(result["errors"].values())
    return result


def run_wrk(url, seconds, headers=(), script=None, env=None):
    command = ["wrk", f"-c{CONNECTIONS}", f"-t{WRK_THREADS}", f"-d{seconds}s", "--latency", "--timeout", "2s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["wrk_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    shown = [part if not part.startswith("Cookie:") else "Cookie: session=…" for part in command]
    result["command"] = shlex.join(shown)
    result["output"] = done.stdout
    return result


# --- sessions ---------------------------------------------------------------------------------


def new_session():
    session = requests.Session()
    session.headers["User-Agent"] = T.USER_AGENT
    return session


def login(base, username, password=T.PASSWORD):
    """Sign in as a browser does: the form's CSRF token, then the POST; returns the session."""
    session = new_session()
    page = session.get(f"{base}/login", timeout=30)
    token = T.csrf_token(page.text)
    if page.status_code != 200 or not token:
        raise SystemExit(f"GET /login answered {page.status_code} without a CSRF token:\n{page.text[:500]}")
    answer = session.post(f"{base}/login", data={"login": username, "password": password, "csrf_token": token},
                          allow_redirects=False, timeout=30)
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", "/login"):
        raise SystemExit(f"signing in as {username} failed ({answer.status_code}):\n{first_lines(answer.text)}")
    return session


def cookie_header(session):
    return "Cookie: " + "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)


def first_lines(text, lines=12):
    """The start of an answer's text, without the markup (for error reports)."""
    body = text or ""
    if main := re.search(r"(?s)<main\b.*?</main>", body):  # the page's own content, not the navigation
        body = main.group()
    body = re.sub(r"(?s)<(script|style|head)\b.*?</\1>", "", body)
    body = re.sub(r"<[^>]+>", " ", body)
    kept = [re.sub(r"\s+", " ", line).strip() for line in body.splitlines()]
    return "\n".join([line for line in kept if line][:lines])


def check(session, url):
    """(status, bytes, sample of the body when it is not a 200)."""
    try:
        answer = session.get(url, allow_redirects=False, timeout=30)
    except requests.RequestException as error:
        return {"status": None, "bytes": 0, "sample": str(error)}
    sample = None
    if answer.status_code != 200:
        sample = f"{answer.status_code} {answer.headers.get('Location', '')}\n{first_lines(answer.text)}"
    return {"status": answer.status_code, "bytes": len(answer.content), "sample": sample}


def page_number(url, steps):
    query = dict(part.split("=", 1) for part in (urlsplit(url).query.split("&")) if "=" in part)
    return int(query["page"]) if query.get("page", "").isdigit() else steps + 1


# --- measuring --------------------------------------------------------------------------------


def measure(url, headers, meter, script=None, env=None, warm_env=None, redis_url=None):
    """Warm-up, then the measured run with the CPU meter (and Redis' command count) around it."""
    # Warm until a round runs clean: first requests in each worker load what is loaded lazily (the Thai
    # word segmenter's dictionary takes a second or more), which a loaded machine can stretch past 3 s.
    for _ in range(4 if WARMUP else 0):
        warm = run_wrk(url, WARMUP, headers, script, warm_env or env)
        if not warm["errors"]["timeout"] and warm["requests"] >= CONNECTIONS:
            break
    commands = redis_commands(redis_url)
    meter.start()
    result = run_wrk(url, SECONDS, headers, script, env)
    used = meter.stop()
    account(result, used, commands, redis_commands(redis_url))
    return result


def account(result, used, commands_before, commands_after):
    """CPU and Redis commands per request; a run without a single answer is an error."""
    completed = max(result["requests"], 1)
    result["cpu_ms_per_request"] = {name: 1000 * seconds / completed for name, seconds in used.items()}
    result["cpu_s"] = used
    if commands_before is not None and commands_after is not None and result["requests"]:
        # The Redis server may be shared with other work: an upper bound.
        result["redis_commands_per_request"] = (commands_after - commands_before) / result["requests"]
    if not result["requests"]:
        result["errors"]["no answer during the run"] = 1
        result["error_total"] = sum(result["errors"].values())


def gunicorn_meter(master, database=None):
    groups = {"app": lambda: children(master)}
    if database:
        groups["db"] = lambda: postgres_backends(database)
    return CpuMeter(groups)


def worker_memory(master):
    return [{"pid": pid, **memory(pid)} for pid in children(master)]


def cmd_machine(args):
    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), platform.processor()),
        "ram_gb": round(int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
                        / 1024 ** 2, 1),
        "kernel": platform.release(),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "python": platform.python_version(),
    }
    try:
        with T.connect(args.database) as connection:
            info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # noqa: BLE001
        info["postgresql"] = f"unknown ({error})"
    try:
        import redis
        info["redis"] = redis.Redis.from_url(args.redis, socket_timeout=2).info("server")["redis_version"]
    except Exception as error:  # noqa: BLE001
        info["redis"] = f"unknown ({error})"
    for tool, flag in (("wrk", "-v"), ("gunicorn", "--version")):
        binary = str(HERE.parent / ".venv" / "bin" / tool) if tool == "gunicorn" else tool
        try:
            done = subprocess.run([binary, flag], capture_output=True, text=True)
            info[tool] = (done.stdout or done.stderr).splitlines()[0].strip()
        except (OSError, IndexError):
            info[tool] = "unknown"
    Path(args.out).write_text(json.dumps(info, indent=2))


def cmd_hello(args):
    session = new_session()
    url = f"{args.base}/"
    result = measure(url, [f"User-Agent: {T.USER_AGENT}"], gunicorn_meter(args.gunicorn_pid))
    result.update(check(session, url), name="hello world", path="/")
    result["workers"] = worker_memory(args.gunicorn_pid)
    Path(args.out).write_text(json.dumps({"hello": result}, indent=2))
    print(f"hello world: {result['rps']:.0f} req/s, p50 {result.get('p50_ms', 0):.1f} ms, "
          f"p99 {result.get('p99_ms', 0):.1f} ms, errors {result['error_total']}", flush=True)


def _counts(database, member_id):
    with T.connect(database) as connection:
        posts, = connection.execute("SELECT count(*) FROM posts WHERE author_id = %s", (member_id,)).fetchone()
        reports, = connection.execute("SELECT count(*) FROM reports WHERE reporter_id = %s", (member_id,)).fetchone()
    return posts, reports


def _write_file(path, reports, threads, rules, count):
    """`count` lines, one slice per wrk thread (write_mix.lua gives each thread its own slice): three
    replies for each report, reports never repeated, spread evenly when there are few."""
    lines, per_slice = [], count // WRK_THREADS
    written = 0
    for part in range(WRK_THREADS):
        mine, replies_to = reports[part::WRK_THREADS], threads[part::WRK_THREADS] or threads
        every = max(4, per_slice // max(len(mine), 1))  # at least one reply in four
        report_index = thread_index = 0
        for n in range(per_slice):
            if n % every == every - 1 and report_index < len(mine):
                lines.append(f"report {mine[report_index]} {rules[report_index % len(rules)]}")
                report_index += 1
            else:
                lines.append(f"reply {replies_to[thread_index % len(replies_to)]}")
                thread_index += 1
        written += report_index
    Path(path).write_text("\n".join(lines) + "\n")
    return written


def write_mix(args, base, member, member_id, meter, out_dir):
    """POST replies and reports as the member; returns the result with what the database got."""
    thread = member.get(f"{base}/t/{args.targets['thread']['id']}", timeout=30)
    token = T.csrf_token(thread.text)
    if not token:
        raise SystemExit(f"no CSRF token on the thread page ({thread.status_code}):\n{first_lines(thread.text)}")
    # Enough distinct posts for both runs at up to 500 writes/s (a quarter of the writes are reports).
    per_run = max(4000, 500 * SECONDS)
    reports, threads = T.write_targets(args.database, member_id, reports=per_run // 2, threads=2000)
    rules = T.rule_codes(args.database)
    if not reports or not threads or not rules:
        return {"skipped": "no posts to report, threads to reply to or rules in the database"}
    half = len(reports) // 2
    warm_file, main_file = out_dir / "write-warmup.txt", out_dir / "write-main.txt"
    _write_file(warm_file, reports[:half], threads[: len(threads) // 2], rules, per_run)
    main_reports = _write_file(main_file, reports[half:], threads[len(threads) // 2:], rules, per_run)
    # One reply and one report by hand first: the form fields are right and the member may write.
    sample_check = []
    for path, data in ((f"/t/{threads[-1]}/reply", {"body": "Benchmark check reply", "language": "en"}),
                       (f"/p/{reports[-1]}/report", {"rule": rules[0], "comment": "benchmark check"})):
        answer = member.post(f"{base}{path}", data={**data, "csrf_token": token}, allow_redirects=False, timeout=30)
        sample_check.append(f"POST {path}: {answer.status_code} {answer.headers.get('Location', '')}")
        if answer.status_code != 302:
            sample_check.append(first_lines(answer.text))
    headers = [cookie_header(member), f"User-Agent: {T.USER_AGENT}"]
    env = {"BENCH_CSRF": token, "BENCH_WRK_THREADS": str(WRK_THREADS)}
    if WARMUP:
        run_wrk(f"{base}/", WARMUP, headers, HERE / "write_mix.lua", {**env, "BENCH_WRITE_FILE": str(warm_file)})
        time.sleep(2)  # requests cut off at the warm-up's end may still commit
    before = _counts(args.database, member_id)
    redis_url = os.environ.get("REDIS_URL")
    commands = redis_commands(redis_url)
    meter.start()
    result = run_wrk(f"{base}/", SECONDS, headers, HERE / "write_mix.lua", {**env, "BENCH_WRITE_FILE": str(main_file)})
    used = meter.stop()
    account(result, used, commands, redis_commands(redis_url))
    time.sleep(2)
    after = _counts(args.database, member_id)
    replies, filed = after[0] - before[0], after[1] - before[1]
    result["applied"] = {"replies": replies, "reports": filed, "requests": result["requests"],
                         "distinct_reports_available": main_reports}
    # A reply and a report both redirect to the post (/t/...); anything else wrote nothing: the form
    # again (200), "already reported" (/reports), a lost session (/login), the Code of Conduct (/conduct).
    outcomes = {}
    if match := re.search(r"^write-mix outcomes: (.*)$", result["output"], re.M):
        result["outcomes"] = match.group(1)
        outcomes = {key: int(value) for key, value in
                    (part.rsplit("=", 1) for part in match.group(1).split(", ") if "=" in part)}
    succeeded = sum(value for key, value in outcomes.items() if re.fullmatch(r"30[23] /t", key))
    # Non-2xx/3xx answers are already counted by wrk; the rest that did not write are counted here.
    result["errors"]["not written"] = max(0, sum(value for key, value in outcomes.items()
                                                 if key[:1] in "23") - succeeded)
    result["error_total"] = sum(result["errors"].values())
    result["check"] = sample_check
    if result["requests"] > per_run:
        result["note"] = "the request list wrapped around: repeated reports answer 'already reported'"
    return result


def cmd_app(args):
    base = args.base.rstrip("/")
    out_dir = Path(args.out).parent
    database = urlsplit(T.libpq_url(args.database)).path.lstrip("/")
    args.targets = targets = T.find_targets(args.database)
    print(f"targets: {json.dumps(targets)}", flush=True)
    sessions = {"member": login(base, T.MEMBER), "moderator": login(base, T.MODERATOR)}
    # A form page first: the session then holds its CSRF secret, and the cookie wrk sends stays valid.
    sessions["member"].get(f"{base}/t/{targets['thread']['id']}", timeout=30)
    sessions["moderator"].get(f"{base}/t/{targets['thread']['id']}", timeout=30)
    starts = T.start_paths(targets)
    wanted = [name for name, _, _ in T.PAGES if not args.pages or name in args.pages.split(",")]
    meter = gunicorn_meter(args.gunicorn_pid, database)
    redis_url = os.environ.get("REDIS_URL")
    results, urls = [], {}
    for name, who, method in T.PAGES:
        if name not in wanted:
            continue
        session = sessions[who]
        entry = {"name": name, "user": who, "method": method}
        if name == "write mix":
            entry.update(write_mix(args, base, session, targets["accounts"]["member"], meter, out_dir))
        else:
            if name not in starts:
                entry["skipped"] = "nothing to request (no open case in the database)"
                results.append(entry)
                continue
            url = f"{base}{starts[name]}"
            if name in T.DEPTH:
                started = time.monotonic()
                url, steps = T.crawl(lambda u: session.get(u, timeout=60).text, url, T.DEPTH[name])
                entry["page"] = page_number(url, steps)
                entry["crawl_s"] = round(time.monotonic() - started, 1)
                if steps < T.DEPTH[name]:
                    entry["note"] = f"the listing ends at page {entry['page']} (asked for page {T.DEPTH[name] + 1})"
            urls[name] = url[len(base):]
            entry["path"] = url[len(base):]
            entry["check_before"] = check(session, url)
            headers = [cookie_header(session), f"User-Agent: {T.USER_AGENT}"]
            entry.update(measure(url, headers, meter, redis_url=redis_url))
            entry["check_after"] = check(session, url)
            for key in ("check_before", "check_after"):
                if entry[key]["status"] != 200:
                    entry["errors"][f"{key}: {entry[key]['status']}"] = 1
                    entry["error_total"] = sum(entry["errors"].values())
        results.append(entry)
        print(summary_line(entry), flush=True)
    memory_after = worker_memory(args.gunicorn_pid)
    celery = [{"pid": pid, **memory(pid)} for pid in ([args.celery_pid] + children(args.celery_pid))] \
        if args.celery_pid else []
    Path(args.out).write_text(json.dumps({"targets": targets, "urls": urls, "pages": results,
                                          "workers": memory_after, "celery": celery,
                                          "config": args.config}, indent=2))


def summary_line(entry):
    if entry.get("skipped"):
        return f"{entry['name']}: skipped ({entry['skipped']})"
    line = (f"{entry['name']}: {entry['rps']:.1f} req/s, p50 {entry.get('p50_ms', 0):.1f} ms, "
            f"p99 {entry.get('p99_ms', 0):.1f} ms, errors {entry['error_total']}")
    if entry.get("applied"):
        line += f" (written: {entry['applied']['replies']} replies, {entry['applied']['reports']} reports; " \
                f"answers: {entry.get('outcomes', '?')})"
    return line


# --- the report -------------------------------------------------------------------------------

FRONT_PAGES = ("home", "category p1", "thread")

# The capacity plan's assumption of what members request at the peak (shares of requests).
MIX = {"home": 0.15, "category p1": 0.20, "category deep": 0.05, "thread": 0.35, "profile": 0.04,
       "profile posts": 0.02, "search": 0.08, "queue": 0.01, "queue filtered": 0.01, "case": 0.02,
       "write mix": 0.07}
MEMBERS, ONLINE_SHARE, SECONDS_PER_PAGE = 70_000, 0.05, 30
HEADROOM = 0.5  # plan to run the machines at half their measured capacity at the peak
MAIL_BURST, MAIL_BURST_MINUTES = 70_000, 15  # a mail to every member within a quarter of an hour
RSS_LIMIT_MB = 200
# Issue 17: the app's CPU per request (gunicorn workers' CPU time ÷ requests) of the hot pages, the case and the queue.
APP_CPU_LIMITS_MS = {"home": 3, "category p1": 3, "thread": 3, "case": 12, "queue": 8, "queue filtered": 8}


def judge(entry, pages, hello_rps):
    """(met?, reasons) against the issue's targets."""
    reasons = []
    if entry.get("error_total"):
        reasons.append(f"{entry['error_total']} errors")
    name, p99, p50 = entry["name"], entry.get("p99_ms", math.inf), entry.get("p50_ms", math.inf)
    app_cpu = entry.get("cpu_ms_per_request", {}).get("app")
    cpu_limit = APP_CPU_LIMITS_MS.get(name)
    if cpu_limit is not None and app_cpu is not None and app_cpu > cpu_limit:
        reasons.append(f"app CPU {app_cpu:.1f} > {cpu_limit} ms")
    if name in FRONT_PAGES:
        if hello_rps and entry["rps"] < 0.10 * hello_rps:
            reasons.append(f"{100 * entry['rps'] / hello_rps:.1f}% < 10% of hello world")
    elif name == "category deep":
        first = pages.get("category p1")
        if first and first.get("rps") and entry["rps"] < 0.8 * first["rps"]:
            reasons.append(f"{100 * entry['rps'] / first['rps']:.0f}% of page 1 (< 80%)")
        if entry.get("note"):
            reasons.append("not the asked-for depth")
    elif name in ("queue", "queue filtered"):
        if p99 >= 150:
            reasons.append(f"p99 {p99:.0f} ≥ 150 ms")
    elif name == "search":
        if p50 >= 200:
            reasons.append(f"p50 {p50:.0f} ≥ 200 ms")
    has_target = name in FRONT_PAGES or name in ("category deep", "queue", "queue filtered", "search", "case")
    return not reasons, reasons, has_target


def label(entry):
    if entry["name"] == "category deep" and entry.get("page"):
        return f"category page {entry['page']}"
    if entry["name"] == "thread" and entry.get("page"):
        return f"thread page {entry['page']}"
    return entry["name"]


def table_rows(app, hello):
    hello_rps = hello["rps"] if hello else None
    pages = {entry["name"]: entry for entry in app["pages"]}
    rows = []
    if hello:
        rows.append(["hello world", f"{hello['rps']:.0f}", f"{hello.get('p50_ms', 0):.1f}",
                     f"{hello.get('p99_ms', 0):.1f}", str(hello["error_total"]), "100%", "—", "—", "(ceiling)"])
    for entry in app["pages"]:
        if entry.get("skipped"):
            rows.append([entry["name"], "—", "—", "—", "—", "—", "—", "—", f"skipped: {entry['skipped']}"])
            continue
        cpu = entry.get("cpu_ms_per_request", {})
        app_cpu, db_cpu = (f"{cpu[key]:.1f}" if key in cpu else "—" for key in ("app", "db"))
        met, reasons, has_target = judge(entry, pages, hello_rps)
        verdict = ("yes" if has_target else "(no target)") if met else "NO: " + "; ".join(reasons)
        share = f"{100 * entry['rps'] / hello_rps:.1f}%" if hello_rps else "—"
        rows.append([label(entry), f"{entry['rps']:.1f}", f"{entry.get('p50_ms', 0):.1f}",
                     f"{entry.get('p99_ms', 0):.1f}", str(entry["error_total"]), share, app_cpu, db_cpu, verdict])
    return rows


HEADER = ["page", "req/s", "p50 ms", "p99 ms", "errors", "% of hello", "app CPU ms", "db CPU ms", "target met?"]


def text_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) for row in [header] + rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def load_json(path):
    return json.loads(path.read_text()) if path.exists() else None


def capacity_plan(app, hello, mail, machine, config):
    """The plan, computed from the measured figures (see the constants above for the assumptions)."""
    pages = {e["name"]: e for e in app["pages"] if not e.get("skipped") and e.get("rps")}
    weights = {name: share for name, share in MIX.items() if name in pages}
    total = sum(weights.values()) or 1
    weights = {name: share / total for name, share in weights.items()}
    peak_online = MEMBERS * ONLINE_SHARE
    peak_rps = peak_online / SECONDS_PER_PAGE
    nproc = machine.get("nproc") or 2
    # Whole box (app + PostgreSQL + Redis + wrk on the same cores): the mix's throughput.
    box_rps = 1 / sum(weights[name] / pages[name]["rps"] for name in weights)
    app_ms = sum(weights[n] * pages[n].get("cpu_ms_per_request", {}).get("app", 0) for n in weights)
    db_ms = sum(weights[n] * pages[n].get("cpu_ms_per_request", {}).get("db", 0) for n in weights)
    db_write_ms = weights.get("write mix", 0) * pages.get("write mix", {}).get("cpu_ms_per_request", {}).get("db", 0)
    app_cores = peak_rps * app_ms / 1000
    db_cores = peak_rps * db_ms / 1000
    app_cores_planned = max(1, math.ceil(app_cores / HEADROOM))
    machines = max(2, math.ceil(app_cores_planned / nproc))
    per_core = box_rps / nproc
    redis_known = [n for n in weights if pages[n].get("redis_commands_per_request") is not None]
    redis_per_request = sum(weights[n] * pages[n].get("redis_commands_per_request", 0) for n in redis_known)
    lines = [
        f"Peak: {ONLINE_SHARE:.0%} of {MEMBERS:,} members online = {peak_online:,.0f}, one page every "
        f"{SECONDS_PER_PAGE} s each: **{peak_rps:.0f} req/s**.",
        "",
        "Request mix assumed at the peak (shares of requests): "
        + ", ".join(f"{name} {100 * share:.0f}%" for name, share in weights.items()) + ".",
        "",
        f"- **Measured on this box** ({nproc} cores shared by gunicorn, PostgreSQL, Redis, Celery and wrk): "
        f"the mix runs at {box_rps:.0f} req/s, {per_core:.0f} req/s per core; the peak needs "
        f"{peak_rps / box_rps:.2f}× this box ({'enough' if box_rps * HEADROOM >= peak_rps else 'not enough'} "
        f"for one box at ≤{HEADROOM:.0%} busy).",
        f"- **CPU per request** (from /proc while wrk ran): gunicorn workers {app_ms:.1f} ms, PostgreSQL backends "
        f"{db_ms:.1f} ms (the write mix's share: {db_write_ms:.1f} ms) for the mix.",
        f"- **App servers**: {peak_rps:.0f} req/s × {app_ms:.1f} ms = {app_cores:.2f} cores busy at the peak → "
        f"{app_cores_planned} cores to run at ≤{HEADROOM:.0%}: **{machines} app machines of {nproc} cores** like "
        f"this one (two at least, for failover), each with gunicorn `{config}` (class:workers:threads) behind "
        "the load balancer.",
        f"- **PostgreSQL**: {peak_rps:.0f} req/s × {db_ms:.1f} ms = {db_cores:.2f} cores busy at the peak: "
        f"**one primary** of 2–4 cores (RAM for the hot set: posts, threads and their indexes) carries it at "
        f"≤{100 * db_cores / 2:.0f}% of 2 cores, plus **one streaming read replica** for failover (and for "
        "search, profiles and the moderation queue should they grow"
        + (f"; reads are {100 * (db_ms - db_write_ms) / db_ms:.0f}% of the database CPU)." if db_ms else ").")
        + " Each gunicorn worker holds one connection (SQLAlchemy's pool): "
        f"{machines} machines × {config.split(':')[1] if config.count(':') == 2 else '?'} workers stay far "
        "below PostgreSQL's 100 connections.",
        "- **Redis** (rate limits, the Celery broker, buffered view counts): "
        + (f"{redis_per_request:.1f} commands per request (an upper bound: the Redis server is shared), i.e. "
           f"{peak_rps * redis_per_request:.0f} commands/s at the peak: **one small instance** (a replica for "
           "failover) is plenty." if redis_known else "not measured."),
    ]
    if mail and mail.get("mails_per_second"):
        rate = mail["mails_per_second"]
        needed = MAIL_BURST / (MAIL_BURST_MINUTES * 60)
        processes = max(1, math.ceil(needed / rate))
        lines.append(
            f"- **Celery workers**: the burst test delivers {rate:.0f} mails/s with one worker process (to a local "
            f"SMTP server, on this shared box). A mail to every member ({MAIL_BURST:,}) within {MAIL_BURST_MINUTES} "
            f"minutes needs {needed:.0f} mails/s → **{processes} worker process(es)**; run them on 2 machines "
            f"(`--concurrency {max(1, math.ceil(processes / 2))}` each, for failover; mail is I/O bound, so a slower "
            "SMTP relay wants more processes, not more cores) and one `celery beat`.")
    else:
        lines.append("- **Celery workers**: the mail burst was not measured in this run.")
    if app.get("workers"):
        pss = max(w.get("Pss", 0) for w in app["workers"])
        peak = max(w.get("VmHWM", 0) for w in app["workers"])
        count = len(app["workers"])
        lines.append(f"- **Memory**: a gunicorn worker peaks at {peak:.0f} MB RSS ({pss:.0f} MB of its own, PSS); "
                     f"{count} workers take about {count * pss / 1024:.1f} GB, so an app machine needs "
                     f"{max(2, math.ceil(count * peak / 1024 + 1))} GB RAM.")
    return "\n".join(lines)


def cmd_report(args):
    out = Path(args.dir)
    machine = load_json(out / "machine.json") or {}
    hello = (load_json(out / "hello.json") or {}).get("hello")
    app = load_json(out / "app.json")
    mail = load_json(out / "mail.json")
    queries = load_json(out / "queries.json")
    run = load_json(out / "run.json") or {}
    if not app:
        raise SystemExit(f"no {out / 'app.json'}: nothing to report")
    rows = table_rows(app, hello)
    print()
    print(text_table(HEADER, rows))
    workers = app.get("workers") or []
    rss_ok = workers and all(w.get("VmRSS", 0) < RSS_LIMIT_MB for w in workers)
    rss_line = ", ".join(f"{w['pid']}: {w.get('VmRSS', 0):.0f} MB (peak {w.get('VmHWM', 0):.0f}, PSS "
                         f"{w.get('Pss', 0):.0f})" for w in workers)
    print(f"\ngunicorn workers' RSS after the run: {rss_line} → "
          f"{'yes' if rss_ok else 'NO'} (< {RSS_LIMIT_MB} MB)")
    if app.get("celery"):
        run["celery_rss"] = "Celery worker processes (main, pool): " + ", ".join(
            f"{c.get('VmRSS', 0):.0f} MB" for c in app["celery"]) + " RSS."
        print(run["celery_rss"])
    if queries:
        print(f"SQL per page (bench/queries.py): {queries.get('summary', '')}")
    if mail:
        print(f"mail burst: {mail.get('line', mail)}")

    run["server_log"] = server_log(out / "portal.log")
    if run["server_log"]:
        print("\nthe portal's log (bench/out/portal.log):\n" + "\n".join(run["server_log"]))
    compare, rounds = compare_rows(out)
    if compare:
        print("\ngunicorn configurations compared (medians):")
        print(text_table(["configuration", "page", "req/s", "p50 ms", "p99 ms", "errors", "app CPU ms",
                          "worker RSS MB"], compare))
    generated = render_markdown(machine, run, hello, app, rows, rss_line, rss_ok, queries, mail, (compare, rounds))
    write_results(Path(args.results), generated)
    print(f"\nwritten: {args.results}")


BEGIN, END = "<!-- BEGIN GENERATED by bench/run.sh -->", "<!-- END GENERATED by bench/run.sh -->"


def server_log(path):
    """What went wrong in the portal during the run, from gunicorn's error log: each exception (the
    last line of its traceback) and each logged 4xx refusal, counted."""
    if not path.exists():
        return []
    from collections import Counter
    found = Counter()
    lines = path.read_text(errors="replace").splitlines()
    for line in lines:
        if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line):
            found[f"exception: {line.strip()[:200]}"] += 1
        elif match := re.search(r"WARNING in \S+: (\d{3}) (\S+) (\S+) by .*?: (.*)$", line):
            path_only = re.sub(r"\d+", "<n>", match.group(3))
            found[f"{match.group(1)} {match.group(2)} {path_only}: {match.group(4)[:120]}"] += 1
        elif "[CRITICAL]" in line or "WORKER TIMEOUT" in line:
            found[line.split("] ", 2)[-1][:160]] += 1
    return [f"{count} × {what}" for what, count in found.most_common(12)]


def wrk_share(app):
    """How much CPU wrk itself used while it measured."""
    used = sum(e.get("wrk_cpu_s", 0) for e in app["pages"])
    seconds = sum(e.get("duration_s", 0) for e in app["pages"])
    return f"{100 * used / seconds:.0f}% of one core" if seconds else "not measured"


def compare_rows(out):
    """One row per configuration and page: the medians over the rounds of BENCH_COMPARE=1."""
    import statistics
    runs = {}
    for path in sorted(out.glob("compare-*.json")):
        data = load_json(path)
        runs.setdefault(data["config"], []).append(data)
    rows = []
    for config, rounds in sorted(runs.items()):
        names = [e["name"] for e in rounds[0]["pages"] if not e.get("skipped")]
        for name in names:
            entries = [e for r in rounds for e in r["pages"] if e["name"] == name and not e.get("skipped")]
            median = lambda key: statistics.median(e.get(key, 0) for e in entries)  # noqa: E731
            rss = statistics.median(w.get("VmRSS", 0) for r in rounds for w in r.get("workers", []))
            rows.append([config, label(entries[0]), f"{median('rps'):.1f}", f"{median('p50_ms'):.1f}",
                         f"{median('p99_ms'):.1f}", str(sum(e["error_total"] for e in entries)),
                         f"{statistics.median(e['cpu_ms_per_request'].get('app', 0) for e in entries):.1f}",
                         f"{len(rounds[0].get('workers', []))} × {rss:.0f}"])
    return rows, max((len(r) for r in runs.values()), default=0)


def render_markdown(machine, run, hello, app, rows, rss_line, rss_ok, queries, mail, compared):
    targets = app["targets"]
    compare, rounds = compared
    parts = [BEGIN, "",
             f"Run of {machine.get('date', '?')} on `{run.get('database_name', '?')}` at scale "
             f"{run.get('scale', '?')} ({run.get('counts', '')}); {SECONDS} s per page after a {WARMUP} s warm-up, "
             f"wrk `-c{CONNECTIONS} -t{WRK_THREADS} --latency --timeout 2s`.",
             "",
             "## Machine", "",
             f"- {machine.get('nproc')} cores: {machine.get('cpu')}; {machine.get('ram_gb')} GB RAM; Linux "
             f"{machine.get('kernel')}; Python {machine.get('python')}",
             f"- PostgreSQL {machine.get('postgresql')}, Redis {machine.get('redis')}, {machine.get('wrk')}, "
             f"{machine.get('gunicorn')}",
             f"- load average at the start: {' '.join(machine.get('loadavg', []))} (wrk, PostgreSQL and Redis "
             "share these cores with the app: the figures are a floor for a dedicated app server)",
             "",
             "## Commands", "",
             "```sh",
             run.get("command", "make bench"),
             run.get("gunicorn", ""),
             run.get("celery", ""),
             run.get("hello", ""),
             "```", "",
             f"gunicorn configuration: **{app.get('config') or run.get('config', '?')}**. "
             + run.get("config_reason", ""),
             ""]
    if compare:
        parts += ["### gunicorn configurations compared", "",
                  f"Median of {rounds} interleaved round(s) per configuration (class:workers:threads); app CPU is "
                  "the gunicorn workers' CPU time per request.", "",
                  markdown_table(["configuration", "page", "req/s", "p50 ms", "p99 ms", "errors", "app CPU ms",
                                  "worker RSS MB"], compare), ""]
    parts += ["## Pages", "",
              markdown_table(HEADER, rows), "",
              "Targets (issue 17): home, category and thread pages ≥ 10% of hello world and ≤ 3 ms of app CPU per "
              "request, no errors; the case page ≤ 12 ms and the moderation queue ≤ 8 ms of app CPU, the queue's "
              "p99 < 150 ms; (issue 9) the deep category page within 20% of page 1's req/s; search p50 < 200 ms; "
              "gunicorn workers under 200 MB RSS. App CPU: the gunicorn workers' CPU time per request, db CPU: "
              "PostgreSQL's backends', both read from /proc while wrk ran. Errors: wrk's socket errors (connect, read, write, "
              "timeout after 2 s), non-2xx/3xx answers, a check before or after the run that did not answer 200, "
              "and for the write mix the POSTs that wrote nothing.",
              "",
              f"With {CONNECTIONS} connections always waiting, a page's latency is about {CONNECTIONS} ÷ its req/s "
              f"(Little's law): a p99 under 100 ms needs well over {CONNECTIONS * 10} req/s on this box, so the "
              "latency targets follow the throughput.",
              "",
              f"gunicorn worker RSS after the run: {rss_line} → **{'met' if rss_ok else 'NOT met'}** "
              f"(< {RSS_LIMIT_MB} MB). {run.get('celery_rss', '')}",
              "",
              "What was requested (found by SQL; deep pages reached by following the pages' `rel=\"next\"` links):",
              ""]
    for entry in app["pages"]:
        if entry.get("skipped"):
            continue
        extra = []
        if entry.get("note"):
            extra.append(entry["note"])
        cpu = entry.get("cpu_ms_per_request", {})
        if cpu:
            extra.append("CPU per request: " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items()))
        if entry.get("applied"):
            a = entry["applied"]
            extra.append(f"written: {a['replies']} replies and {a['reports']} reports for {a['requests']} requests")
        if entry.get("outcomes"):
            extra.append(f"answers (status and redirect target): {entry['outcomes']}")
        path = entry.get("path") or "POST /t/<id>/reply ×3, /p/<id>/report ×1, over many threads and posts"
        parts.append(f"- {label(entry)} (as {entry['user']}): `{path}`" + (f"; {'; '.join(extra)}" if extra else ""))
    parts += ["",
              f"Subjects: category `{targets['category']['slug']}` ({targets['category']['threads']:,} threads), "
              f"thread {targets['thread']['id']} ({targets['thread']['posts']:,} posts), profile of "
              f"`{targets['profile']}`, case {targets['case']['id'] if targets.get('case') else '—'} "
              f"({targets['case']['reports'] if targets.get('case') else 0} reports), search word "
              f"`{targets['search_word']}`, queue filter `{targets['queue_filter']}`.", ""]
    errors = [(entry, key) for entry in app["pages"] for key in ("check_before", "check_after")
              if isinstance(entry.get(key), dict) and entry[key].get("sample")]
    errors += [(entry, "check") for entry in app["pages"]
               if entry.get("check")
               and any(" 302 " not in line and line.startswith("POST") for line in entry["check"])]
    if errors:
        parts += ["### Errors seen", ""]
        for entry, key in errors:
            sample = entry[key]["sample"] if key != "check" else "\n".join(entry["check"])
            parts += [f"{label(entry)} ({key}):", "", "```", sample.strip(), "```", ""]
    if run.get("server_log"):
        parts += ["### The portal's log during the run", "", "```"] + run["server_log"] + ["```", ""]
    if queries:
        parts += ["## SQL per page (bench/queries.py)", "", "```", queries.get("table", "").rstrip(), "```", "",
                  queries.get("summary", ""), "",
                  "The slowest statement of each page (full plans with EXPLAIN (ANALYZE, BUFFERS) in "
                  "bench/out/queries.txt):", ""]
        for page in queries.get("pages", []):
            if page.get("slowest_sql"):
                executed = re.search(r"Execution Time: ([\d.]+) ms", page.get("plan", ""))
                top = next((line.strip() for line in page.get("plan", "").splitlines()
                            if not line.startswith("(")), "")
                statement = " ".join(page["slowest_sql"].split())[:90]
                parts.append(f"- {page['name']}: {page['slowest_ms']:.1f} ms, `{statement}…`"
                             f" → `{top[:90]}`" + (f", executes in {executed.group(1)} ms" if executed else ""))
        parts.append("")
        if queries.get("failures"):
            parts += ["Sequential scans on the big tables:", ""] + [f"- {line}" for line in queries["failures"]] + [""]
    parts += ["## Mail burst", ""]
    if mail:
        parts += [mail.get("line", ""), "", f"Command: `{mail.get('command', '')}`", ""]
    else:
        parts += ["Not run.", ""]
    parts += ["## Capacity plan (computed from the figures above)", "",
              capacity_plan(app, hello, mail, machine, app.get("config") or run.get("config", "?")), "",
              f"The figures come from one 2-core machine shared with PostgreSQL, Redis, Celery, wrk ({wrk_share(app)}) "
              "and, while this ran, other work (see the load average): a dedicated app server does better, so the "
              "plan errs on the safe side.", "", END]
    return "\n".join(parts)


def write_results(path, generated):
    if path.exists() and BEGIN in (text := path.read_text()) and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        path.write_text(head + generated + tail)
        return
    path.write_text("# Benchmarks at scale (issue 9)\n\n"
                    "Everything between the markers is written by `make bench` (bench/run.sh); notes outside "
                    "them are kept.\n\n" + generated + "\n\n## Notes\n\n"
                    "(hand-written remarks about the run go here)\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    machine = commands.add_parser("machine")
    machine.add_argument("--out", required=True)
    machine.add_argument("--database", required=True)
    machine.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    hello = commands.add_parser("hello")
    hello.add_argument("--base", required=True)
    hello.add_argument("--gunicorn-pid", type=int, required=True)
    hello.add_argument("--out", required=True)
    app = commands.add_parser("app")
    app.add_argument("--base", required=True)
    app.add_argument("--database", required=True)
    app.add_argument("--gunicorn-pid", type=int, required=True)
    app.add_argument("--celery-pid", type=int)
    app.add_argument("--out", required=True)
    app.add_argument("--pages", help="comma-separated page names (default: all)")
    app.add_argument("--config", default=os.environ.get("BENCH_CONFIG", ""),
                     help="the gunicorn configuration, for the report")
    report = commands.add_parser("report")
    report.add_argument("--dir", required=True)
    report.add_argument("--results", required=True)
    args = parser.parse_args()
    {"machine": cmd_machine, "hello": cmd_hello, "app": cmd_app, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    main()
