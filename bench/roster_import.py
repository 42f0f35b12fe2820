"""Time the roster import at the network's size: 70,000 generated alumni, imported then re-imported,
then all of them invited (invitations and their outbox rows, spread as with a broker).

    .venv/bin/python bench/roster_import.py [--rows 70000] [--database postgresql://postgres@127.0.0.1:5432/bench]

The database is emptied and migrated first: give it a database of its own, never one in use.
"""
import argparse
import csv
import io
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from forum.accounts import invitations, services  # noqa: E402
from forum.accounts.roster import COLUMNS, import_roster  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import ACADEMIES, LANGUAGES  # noqa: E402
from wsgi import create_app  # noqa: E402

FIRST = ["Maria", "Somchai", "Aminata", "João", "Kateryna", "Thabo", "An", "Daniel", "Luis", "Fatima", "Ivan"]
LAST = ["López", "Wongsakul", "Diallo", "Ferreira", "Bondar", "Mokoena", "Nguyen", "Mensah", "Herrera", "Kovács"]
COUNTRIES = ["El Salvador", "Thailand", "Senegal", "Portugal", "Ukraine", "South Africa", "Viet Nam", "Ghana",
             "Colombia", "Hungary", "Botswana", "Kenya", "Peru", "Philippines", "Romania"]


def roster(rows, seed=1995):
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        writer.writerow([f"{first} {last}", f"{first.lower()}.{last.lower()}.{n}@agency{n % 97}.example.org",
                         rng.choice(list(ACADEMIES)), f"Session {rng.randint(1, 140)}", rng.randint(1996, 2026),
                         rng.choice(COUNTRIES), "National Police", rng.choice(list(LANGUAGES))])
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=70000)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/bench")
    args = parser.parse_args()
    url = args.database.replace("postgresql://", "postgresql+psycopg://", 1)
    # A broker URL that is never reached: invitations are spread over time, so none is sent at commit.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        text = roster(args.rows)
        print(f"{args.rows} rows, {len(text) / 1e6:.1f} MB of CSV")
        for label in ("first import (creates)", "second import (updates)"):
            started = time.perf_counter()
            result = import_roster(text)
            took = time.perf_counter() - started
            print(f"{label}: {took:.1f} s ({args.rows / took:,.0f} rows/s): "
                  f"{result.created} created, {result.updated} updated, {len(result.errors)} rejected")
        admin = services.create_member("bench-admin", "bench-admin@example.org", None, "Bench", role="admin")
        started = time.perf_counter()
        invited = invitations.invite(admin, invitations.matching())
        took = time.perf_counter() - started
        print(f"invite everyone: {invited} invitations and e-mails queued in {took:.1f} s "
              f"(sent at {app.config['INVITATIONS_PER_MINUTE']} per minute)")


if __name__ == "__main__":
    main()
