"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the portal served by
gunicorn on 127.0.0.1, on the test's database. A failing test leaves screenshots of its pages
under test-results/."""
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.mail_fixtures import sqlalchemy_url
from tests.processes import Gunicorn

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: browser tests skipped")
    if not shutil.which(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def serve(app, database_url, tmp_path, request):
    """serve(**settings) runs gunicorn (two workers) on the test's database and returns its URL.
    Settings are environment variables of the portal (forum/config.py); values may be non-strings."""
    servers = []

    def start(**settings):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "SECRET_KEY": "test-secret-key",
               "DATABASE_URL": sqlalchemy_url(database_url), "RATELIMIT_STORAGE_URI": "memory://",
               "CELERY_BROKER_URL": "", "MAIL_SERVER": "", "MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"]}
        env.update({name: {True: "1", False: "0"}.get(value, str(value)) for name, value in settings.items()})
        server = Gunicorn(env, tmp_path / f"gunicorn-{len(servers)}.log", workers=2)
        env.setdefault("PORTAL_URL", server.url)  # links in mails and the IGN callback lead back to it
        server.start()
        servers.append(server)
        return server.url

    yield start
    failed = getattr(request.node, "failed_call", False)
    for server in servers:
        server.stop()
        if failed:
            print(f"\n--- gunicorn log ---\n{server.log()[-20000:]}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report


@pytest.fixture
def new_page(chromium, request):
    """new_page(locale, **options) opens a page in a fresh browser context (its own cookies)."""
    contexts = []

    def open_page(locale="en-US", **options):
        context = chromium.new_context(locale=locale, **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    if getattr(request.node, "failed_call", False):
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for number, context in enumerate(contexts):
            for index, page in enumerate(context.pages):
                page.screenshot(path=str(RESULTS / f"{name}-{number}-{index}.png"), full_page=True)
    for context in contexts:
        context.close()
