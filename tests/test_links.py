"""Every link on every page leads to a page that answers, for every role; no page shows a select
box's empty choice as 「---------」.

Starting from the home page, each role follows every internal link (`<a href>`) breadth-first
over the small city of the browser tests, and every page and download it reaches must answer 200
(after redirects) — never a 404, a 403 for a link the role was shown, or a server error.
"""

import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.urls import Resolver404, resolve

from tests.browser import city

HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]+)"', re.IGNORECASE)
# Links followed elsewhere or not pages of the product: logging out ends the crawl's session; the
# admin is Django's own (its links are tested by Django); the language switch is a form.
SKIP = ("/accounts/logout", "/admin/", "/i18n/")
# A bound on the crawl: a view's other pages (other schools, other filter values) are the same code.
MAX_PAGES = 150
MAX_PER_VIEW = 2


def _links(base: str, html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        url = urldefrag(urljoin(base, unescape(href)))[0]
        parts = urlsplit(url)
        if parts.scheme in ("", "http") and parts.netloc in ("", "testserver") and parts.path.startswith("/"):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(client, pages: dict[str, str] | None = None) -> dict[str, int]:
    """Each URL reached from / with its final status (redirects followed); `pages` collects the
    HTML of each page."""
    seen: dict[str, int] = {}
    per_view: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        try:
            view = resolve(urlsplit(url).path).view_name
        except Resolver404:
            view = url
        if per_view.get(view, 0) >= MAX_PER_VIEW:
            continue
        per_view[view] = per_view.get(view, 0) + 1
        response = client.get(url, follow=True)
        seen[url] = response.status_code
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            final = response.redirect_chain[-1][0] if response.redirect_chain else url
            html = response.content.decode()
            if pages is not None:
                pages[url] = html
            queue.extend(_links(final, html))
    return seen


@pytest.fixture
def small_city(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        city.build()


@pytest.mark.parametrize("username", ["board", "official", "principal-E001"])
def test_every_link_answers(client, small_city, username):
    client.force_login(User.objects.get(username=username))
    pages = {}
    statuses = crawl(client, pages)
    assert len(statuses) > 5, statuses  # the crawl reached the product's pages
    broken = {url: status for url, status in statuses.items() if status != 200}
    assert broken == {}, f"links that do not answer 200 for {username}"
    # Select boxes name their empty choice (「すべての校種」), never Django's 「---------」.
    assert [url for url, html in pages.items() if ">---------</option>" in html] == []
