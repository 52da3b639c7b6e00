"""Browser tests: Playwright driving Debian's Chromium against a live server with the demo data.

Skipped, with the reason shown in the summary, where Chromium is not installed
(`.ci/run` installs it: apt-get install chromium).
"""

import os
import shutil
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The live server runs in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(
        reason="Chromium is not installed (apt-get install chromium): browser tests skipped"
    )
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Visit:
    """A logged-in page that records console errors and every host it requested."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors = []
        self.hosts = set()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.hosts.add(urlparse(r.url).hostname))

    def login(self, username, password="pw-for-tests-1"):
        self.page.goto(f"{self.base_url}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button.primary")

    def open(self, path):
        self.page.goto(f"{self.base_url}{path}")
        self.page.wait_for_selector(".js-plotly-plot")

    def trace_names(self, selector="[data-figure]"):
        return self.page.eval_on_selector(selector, "el => el.data.map(t => t.name)")


@pytest.fixture
def demo(transactional_db):
    """The demo city. Live-server tests flush the database after each test, reference data
    (school types, indicators, role groups) included, so that is written again first."""
    import importlib

    from django.apps import apps
    from django.core.management import call_command

    from reform.access import grant_board_permissions

    importlib.import_module("metrics.migrations.0002_reference_data").forwards(apps, None)
    grant_board_permissions()
    call_command("load_demo", password="pw-for-tests-1", stdout=open(os.devnull, "w"))


@pytest.fixture
def visit(chromium, live_server, demo):
    v = Visit(chromium, live_server.url)
    yield v
    v.page.close()
