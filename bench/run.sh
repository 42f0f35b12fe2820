#!/usr/bin/env bash
# Benchmarks at scale (issue 9): `make bench`, or bench/run.sh from a fresh clone.
#
# Seeds a PostgreSQL database with bench/seed.py (unless it is already seeded at the scale asked
# for), serves the portal with gunicorn under production settings with a Celery worker and beat,
# signs in as bench_member and bench_moderator, loads each page with wrk (bench/load.py), measures
# a bare Flask "hello world" under the same gunicorn settings as the ceiling, counts the SQL of each
# page (bench/queries.py), times a burst of mail through the Celery worker, then prints a table and
# writes bench/RESULTS.md. Everything it starts is stopped on exit.
#
# Environment (all optional):
#   BENCH_SCALE=1.0          seed scale (1.0: 70,000 members, 100,000 threads, 1M posts)
#   BENCH_DATABASE=postgresql://postgres@127.0.0.1:5432/bench
#   BENCH_RESEED=1           seed again even if the database looks seeded at this scale
#   BENCH_SEED=0             use the database as it is (it must hold the bench accounts)
#   BENCH_SECONDS=15         wrk time per page (after BENCH_WARMUP=3 seconds of warm-up)
#   BENCH_PAGES=home,thread  only these pages (names in bench/targets.py PAGES)
#   BENCH_REDIS_DB=14        the Redis database of the run (flushed at the start)
#   BENCH_WORKER_CLASS / BENCH_WORKERS / BENCH_THREADS   override the gunicorn configuration
#   BENCH_COMPARE=1          first compare gunicorn configurations on a few pages (see CONFIGS), in
#                            BENCH_COMPARE_ROUNDS=2 interleaved rounds (BENCH_COMPARE_PAGES to choose)
#   BENCH_MAIL=0             skip the mail burst; BENCH_QUERIES=0 skip bench/queries.py
#   BENCH_PYTEST_DATABASE=postgresql://postgres@127.0.0.1:5432/bench_pytest  (the burst test's own,
#                            emptied by the test suite: never a database that matters)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
PY=$ROOT/.venv/bin/python
SCALE=${BENCH_SCALE:-1.0}
DATABASE=${BENCH_DATABASE:-postgresql://postgres@127.0.0.1:5432/bench}
PYTEST_DATABASE=${BENCH_PYTEST_DATABASE:-postgresql://postgres@127.0.0.1:5432/bench_pytest}
REDIS_URL=redis://127.0.0.1:6379/${BENCH_REDIS_DB:-14}
export BENCH_SECONDS=${BENCH_SECONDS:-15}

# gunicorn: 4 sync workers, 2 per core. Measured with BENCH_COMPARE=1 on the full seed (interleaved
# rounds of sync 2/3/4 workers and gthread 2×4 / 4×2 threads on this shared 2-core machine, where the
# same run varies by ±40%): on the light pages (home, category, thread: 6-9 ms of app CPU, 2-3 ms in
# PostgreSQL) every configuration served 100-300 req/s with no consistent winner, the work being
# CPU-bound in Python. Two things decided. The tail: sync workers finish one request at a time in
# arrival order, while threads share a worker's GIL, so every request in a busy worker stretches;
# gthread's p99 was mostly higher at 32 connections. And the slow page: search (20-25 ms of CPU) ran
# at 90-100 req/s with 4 processes against 55-60 with 2, since with 2 a request waiting on PostgreSQL
# or Redis leaves a core idle and one slow request holds half the capacity. Each worker costs ~115 MB
# RSS (~95 MB PSS with --preload).
WORKER_CLASS=${BENCH_WORKER_CLASS:-sync}
WORKERS=${BENCH_WORKERS:-4}
THREADS=${BENCH_THREADS:-1}
CONFIG_REASON=${BENCH_CONFIG_REASON:-"4 sync workers (2 per core): the configurations compared (BENCH_COMPARE=1, see the comment in bench/run.sh) served the same req/s within this shared machine's noise, the pages being CPU-bound in Python; sync workers had the better p99 (one request at a time per worker, in arrival order, where gthread's threads share the GIL), and 4 rather than 2 keep both cores busy while a request waits on PostgreSQL."}
CONFIGS=${BENCH_CONFIGS:-"sync:2:1 sync:4:1 gthread:2:4 gthread:4:2"}  # class:workers:threads

log() { printf '\n== %s\n' "$*" >&2; }

case "${DATABASE##*/}" in test|bench_search)
  echo "BENCH_DATABASE: ${DATABASE##*/} belongs to the tests or bench/search.py; choose another" >&2; exit 2;;
esac
case "${PYTEST_DATABASE##*/}" in test|bench_search|"${DATABASE##*/}")
  echo "BENCH_PYTEST_DATABASE: the test suite empties it, so it must be a database of its own" >&2; exit 2;;
esac

# --- what the run starts, stopped on exit ---------------------------------------------------
STARTED=()

stop() {  # stop a process group started with setsid (its pid is the group id)
  local pid=$1 waited=0
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  while kill -0 -- "-$pid" 2>/dev/null && [ $waited -lt 150 ]; do sleep 0.1; waited=$((waited + 1)); done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  if [ -n "${STEP:-}" ]; then stop "$STEP"; STEP=; fi
  for pid in "${STARTED[@]}"; do stop "$pid"; done
  STARTED=()
}

step() {  # step COMMAND...: a long step in its own process group, so that a signal stops it (and its wrk)
  setsid "$@" &
  STEP=$!
  local status=0
  wait "$STEP" || status=$?
  STEP=
  return "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {  # start NAME COMMAND...: in its own process group, output in $OUT/NAME.log; sets STARTED_PID
  local name=$1; shift
  setsid "$@" >"$OUT/$name.log" 2>&1 &
  STARTED_PID=$!
  STARTED+=("$STARTED_PID")
}

forget() {  # stop and forget one started process
  local pid=$1 kept=() other
  stop "$pid"
  for other in "${STARTED[@]}"; do [ "$other" = "$pid" ] || kept+=("$other"); done
  STARTED=("${kept[@]+"${kept[@]}"}")
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http URL PID LOG: until URL answers 200 (the process must stay alive)
  local url=$1 pid=$2 logfile=$3 tries=0
  until "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server exited; its log ($logfile):" >&2; tail -n 40 "$logfile" >&2; exit 1
    fi
    tries=$((tries + 1))
    if [ $tries -gt 240 ]; then echo "no answer from $url after 2 minutes" >&2; tail -n 40 "$logfile" >&2; exit 1; fi
    sleep 0.5
  done
}

gunicorn_args() {  # gunicorn_args PORT NAME: the same settings for the portal and the hello world
  printf '%s\n' --preload --workers "$WORKERS" --worker-class "$WORKER_CLASS" --threads "$THREADS" \
    --bind "127.0.0.1:$1" --timeout 60 --graceful-timeout 10 --log-level warning --error-logfile "$OUT/$2.log"
}

# --- set-up ------------------------------------------------------------------------------------
mkdir -p "$OUT"
log "virtualenv, wrk, translations"
make -s .venv/.test  # the runtime plus what the mail burst test needs (pytest, aiosmtpd)
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update && $SUDO apt-get install -y wrk
fi
make -s compile-translations

log "database $DATABASE at scale $SCALE"
if [ "${BENCH_SEED:-1}" = 0 ]; then
  echo "BENCH_SEED=0: the database is used as it is"
elif [ "${BENCH_RESEED:-0}" = 1 ] || ! "$PY" bench/targets.py seeded --database "$DATABASE" --scale "$SCALE"; then
  step "$PY" bench/seed.py --database "$DATABASE" --scale "$SCALE"
  "$PY" bench/targets.py seeded --database "$DATABASE" --scale "$SCALE"
fi

SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
mkdir -p "$OUT/mail"
rm -f "$OUT"/*.json "$OUT"/*.log "$OUT"/mail/*.eml
# Rate-limit counters, view counts and queued tasks of earlier runs: this run's Redis database only.
"$PY" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=5).flushdb()' "$REDIS_URL" \
  || { echo "Redis is not answering at $REDIS_URL (start redis-server, or set BENCH_REDIS_DB)" >&2; exit 1; }

portal_env() {  # portal_env PORT: production settings, as `env` arguments
  printf '%s\n' APP_ENV=production "SECRET_KEY=$SECRET_KEY" "DATABASE_URL=$DATABASE" "REDIS_URL=$REDIS_URL" \
    "WRITE_LIMIT=100000 per minute" "REPORT_LIMIT=100000 per minute" SESSION_COOKIE_SECURE=false \
    "PORTAL_URL=http://127.0.0.1:$1" MAIL_SERVER= "MAIL_FILE_DIR=$OUT/mail" "UPLOAD_DIR=$OUT/uploads" \
    "ROSTER_REPORT_DIR=$OUT/roster-reports"
}

start_portal() {  # start_portal NAME [PORT]: gunicorn 'wsgi:create_app()' (on a free port); sets PORTAL_PID, PORTAL_URL
  local port=${2:-$(free_port)}
  mapfile -t env_args < <(portal_env "$port")
  mapfile -t args < <(gunicorn_args "$port" "$1")
  start "$1.out" env "${env_args[@]}" "$ROOT/.venv/bin/gunicorn" "${args[@]}" 'wsgi:create_app()'
  PORTAL_PID=$STARTED_PID PORTAL_URL=http://127.0.0.1:$port
  GUNICORN_COMMAND="gunicorn ${args[*]} 'wsgi:create_app()'"
  wait_http "$PORTAL_URL/login" "$PORTAL_PID" "$OUT/$1.log"
}

log "machine"
"$PY" bench/load.py machine --out "$OUT/machine.json" --database "$DATABASE" --redis "$REDIS_URL"

# --- the ceiling: hello world under the same gunicorn settings ---------------------------------
log "hello world ($WORKER_CLASS, $WORKERS workers, $THREADS threads)"
port=$(free_port)
mapfile -t args < <(gunicorn_args "$port" hello)
start hello.out "$ROOT/.venv/bin/gunicorn" "${args[@]}" --pythonpath "$ROOT/bench" hello:app
HELLO_PID=$STARTED_PID
HELLO_COMMAND="gunicorn ${args[*]} --pythonpath bench hello:app"
wait_http "http://127.0.0.1:$port/" "$HELLO_PID" "$OUT/hello.log"
step "$PY" bench/load.py hello --base "http://127.0.0.1:$port" --gunicorn-pid "$HELLO_PID" --out "$OUT/hello.json"
forget "$HELLO_PID"

# --- the portal ------------------------------------------------------------------------------
log "Celery worker and beat"
APP_PORT=$(free_port)  # the portal's, for the links in mails
mapfile -t env_args < <(portal_env "$APP_PORT")
start celery-worker env "${env_args[@]}" "$ROOT/.venv/bin/celery" -A worker worker --loglevel WARNING --concurrency 1
CELERY_PID=$STARTED_PID
start celery-beat env "${env_args[@]}" "$ROOT/.venv/bin/celery" -A worker beat --loglevel WARNING \
  --schedule "$OUT/celerybeat-schedule"
CELERY_COMMAND="celery -A worker worker --concurrency 1 & celery -A worker beat"

if [ "${BENCH_COMPARE:-0}" = 1 ]; then
  rm -f "$OUT"/compare-*.json
  # Rounds interleave the configurations, so that other work on a shared machine hits them alike.
  for round in $(seq 1 "${BENCH_COMPARE_ROUNDS:-2}"); do
    for config in $CONFIGS; do
      IFS=: read -r WORKER_CLASS WORKERS THREADS <<<"$config"
      log "comparing gunicorn $config (round $round)"
      start_portal "compare-$config"
      REDIS_URL=$REDIS_URL step "$PY" bench/load.py app --base "$PORTAL_URL" --database "$DATABASE" \
        --gunicorn-pid "$PORTAL_PID" --out "$OUT/compare-$config-r$round.json" --config "$config" \
        --pages "${BENCH_COMPARE_PAGES:-home,category p1,thread,search}"
      forget "$PORTAL_PID"
    done
  done
  WORKER_CLASS=${BENCH_WORKER_CLASS:-sync} WORKERS=${BENCH_WORKERS:-4} THREADS=${BENCH_THREADS:-1}
fi

CONFIG="$WORKER_CLASS:$WORKERS:$THREADS"
log "the portal under gunicorn $CONFIG"
start_portal portal "$APP_PORT"
REDIS_URL=$REDIS_URL step "$PY" bench/load.py app --base "$PORTAL_URL" --database "$DATABASE" \
  --gunicorn-pid "$PORTAL_PID" --celery-pid "$CELERY_PID" --out "$OUT/app.json" --config "$CONFIG" \
  ${BENCH_PAGES:+--pages "$BENCH_PAGES"}
cleanup  # the servers stop before the SQL is counted and the mail burst runs on its own

# --- SQL per page, the mail burst -------------------------------------------------------------
QUERIES_STATUS=0
if [ "${BENCH_QUERIES:-1}" = 1 ]; then
  log "SQL per page (bench/queries.py)"
  # The slowest statement's plan of each page goes to $OUT/queries.txt; the table and FAIL lines here too.
  REDIS_URL=$REDIS_URL step "$PY" bench/queries.py --database "$DATABASE" --targets "$OUT/app.json" --json "$OUT/queries.json" \
    >"$OUT/queries.txt" 2>&1 || QUERIES_STATUS=$?
  sed -n '/^page  /,$p' "$OUT/queries.txt"
  [ "$QUERIES_STATUS" = 0 ] || [ "$QUERIES_STATUS" = 1 ] || { tail -n 30 "$OUT/queries.txt"; exit "$QUERIES_STATUS"; }
fi

if [ "${BENCH_MAIL:-1}" = 1 ]; then
  log "mail burst (tests/moderation/test_delivery.py, PostgreSQL $PYTEST_DATABASE)"
  "$PY" bench/targets.py create-database --database "$PYTEST_DATABASE"
  MAIL_TEST=tests/moderation/test_delivery.py::test_a_burst_of_notifications_is_delivered_completely_and_once
  MAIL_COMMAND="CI=true TEST_DATABASE_URL=$PYTEST_DATABASE .venv/bin/python -m pytest -s -q -p no:cacheprovider $MAIL_TEST -k postgresql"
  if CI=true TEST_DATABASE_URL=$PYTEST_DATABASE step "$PY" -m pytest -s -q -p no:cacheprovider "$MAIL_TEST" -k postgresql \
      >"$OUT/mail-burst.log" 2>&1; then
    "$PY" bench/targets.py mail-burst --log "$OUT/mail-burst.log" --command "$MAIL_COMMAND" --out "$OUT/mail.json"
  else
    echo "the mail burst test failed; see $OUT/mail-burst.log" >&2; tail -n 20 "$OUT/mail-burst.log" >&2
  fi
fi

# --- the report -------------------------------------------------------------------------------
shown_env=$(portal_env "$APP_PORT" | grep -v '^SECRET_KEY=' | while IFS= read -r setting; do printf '%q ' "$setting"; done)
"$PY" bench/targets.py run-info --database "$DATABASE" --scale "$SCALE" --out "$OUT/run.json" \
  --command "BENCH_SCALE=$SCALE BENCH_DATABASE=$DATABASE BENCH_SECONDS=$BENCH_SECONDS make bench" \
  --gunicorn "${shown_env//$ROOT\//}SECRET_KEY=<random> ${GUNICORN_COMMAND//$ROOT\//}" \
  --celery "$CELERY_COMMAND" --hello "${HELLO_COMMAND//$ROOT\//}" --config "$CONFIG" --config-reason "$CONFIG_REASON"
"$PY" bench/load.py report --dir "$OUT" --results "$ROOT/bench/RESULTS.md"
if [ "$QUERIES_STATUS" != 0 ]; then
  echo "bench/queries.py found sequential scans on big tables (FAIL lines above)" >&2
fi
exit "$QUERIES_STATUS"
