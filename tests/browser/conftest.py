"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the portal served on
127.0.0.1 by a real HTTP server in a thread, on the test's database."""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from forum import create_app
from tests.conftest import CsrfClient, portal_config, unavailable

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


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
def serve(app, database_url):
    """serve(**config) runs a portal on the test's database at a free port and returns its URL."""
    servers = []

    def start(**config):
        settings = {**portal_config(database_url), "SERVER_NAME": None, **config}
        portal = create_app(settings)
        portal.test_client_class = CsrfClient
        server = make_server("127.0.0.1", 0, portal, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def new_page(chromium):
    """new_page(language) opens a page in a fresh browser context (its own cookies)."""
    contexts = []

    def open_page(language="en-US"):
        context = chromium.new_context(locale=language)
        context.set_default_timeout(10000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
