"""Browser tests: Playwright driving Debian's Chromium against a live server with a small city.

The city (tests/browser/city.py) is written once per session and the server started once; the
tests only read it (logins add sessions, which nobody counts), so they share both. That is why
browser tests must not ask for `db`, `transactional_db` or pytest-django's `live_server`: those
flush the database after each test, the city with it. Use `city_server` and `visit`. The
database is emptied again, migrations' reference rows kept, when the session ends.

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


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} at ${e.documentURI}`);
});
"""


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
        # Content-Security-Policy violations, as the page's event reports them and as the console
        # does; the `visit` fixture fails a test that met any (reform.middleware, settings).
        self.page.add_init_script(CSP_LISTENER)
        self.page.on("console", lambda m: self._console_csp(m.text))

    def _console_csp(self, text):
        if "Content Security Policy" in text:
            self.csp_violations.append(text)

    @property
    def csp_violations(self):
        if not hasattr(self, "_csp"):
            self._csp = []
        return self._csp

    def reported_csp_violations(self):
        try:
            return self.page.evaluate("() => window.__cspViolations || []")
        except Exception:  # the page is closed or navigating: the console copy still holds them
            return []

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


def _is_test_database(connection) -> bool:
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return True
    return name == connection.settings_dict["TEST"].get("NAME") or name.startswith(TEST_DATABASE_PREFIX)


@pytest.fixture(scope="session")
def browser_db(request, django_db_setup, django_db_blocker):
    """The test database. pytest-django creates it when a collected test asks for `db` and the
    like, which browser tests don't: when they run alone, it is created here."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup  # what django_db_setup went by

    config = None
    if "default" not in _get_databases_for_setup(request.session.items)[0]:
        with django_db_blocker.unblock():
            config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    if config is not None:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def city(browser_db, django_db_blocker):
    """The small city, written once. Browser tests run after every database test (pytest-django
    orders the tests without database fixtures last), so nothing flushes it in between."""
    from django.db import connection

    from tests.browser import city

    with django_db_blocker.unblock():
        # Never the development database: flush empties whatever it is pointed at.
        assert _is_test_database(connection), connection.settings_dict["NAME"]
        city.clear()
        city.build()
    yield city
    with django_db_blocker.unblock():
        city.clear()


@pytest.fixture(scope="session")
def city_server(city, django_db_blocker):
    """Django's live server thread (as pytest-django's `live_server` starts it) over the city."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost")
    server._live_server_modified_settings.enable()  # ALLOWED_HOSTS gets the server's host
    yield server
    server._live_server_modified_settings.disable()
    server.stop()


@pytest.fixture
def visit(chromium, city_server, django_db_blocker):
    # The server thread reads the city while the test runs: database access allowed meanwhile.
    with django_db_blocker.unblock():
        v = Visit(chromium, city_server.url)
        yield v
        violations = v.csp_violations + v.reported_csp_violations()
        v.page.close()
    assert violations == [], "Content-Security-Policy violations"
