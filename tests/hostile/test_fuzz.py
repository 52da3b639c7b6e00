"""Every URL pattern, walked with hostile values in each path and query parameter, as each role:
no answer is a server error. (The API is also fuzzed from its schema: tests/api/test_schema.py.)"""

import functools
import re

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from tests.factories import MonthlyReportFactory
from tests.test_access import _url_patterns

pytestmark = pytest.mark.django_db

# What a careless user or an attacker types: digits of other scripts, numbers past any column,
# negative numbers, quotes and markup, a date that is none, a float's edge, a long string.
HOSTILE = ["²", "9" * 25, "-1", "'\"<script>%", "2020-13-45", "1e309", "x" * 300]
# Posted too (forms, bulk actions); the others only as query values, to keep the walk fast.
POSTED = HOSTILE[:2]
# Every query parameter a view reads (grep GET/query_params), and those of DRF's filters.
QUERY_NAMES = [
    "year",
    "compare",
    "compare_year",
    "as_of",
    "page",
    "page_size",
    "school",
    "type",
    "district",
    "indicator",
    "state",
    "report",
    "page_report",
    "format",
    "fiscal_year",
    "month",
    "status",
    "ordering",
    "grouping",
    "show",
    "query",
    "version",
    "adoption",
    "measure",
    "all",
    "token",
    "id",
    "code",
    "audience",
    "next",
]
FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>")


def _routes():
    for route, namespace, _callback in _url_patterns():
        if namespace == "admin" or FORMAT_SUFFIX.search(route) or route.endswith("^.*$"):
            continue
        yield route


def _fill(route: str, value: str) -> str:
    """`route` with every path parameter set to `value` (regex groups of DRF's routers too)."""
    route = re.sub(r"<(?:\w+:)?\w+>", value, route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)(?:\{[0-9,]+\})?", value, route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


@functools.cache
def _urls(value: str) -> list[str]:
    """Each route with `value` in its path parameters where that resolves, else with `1`."""
    urls = []
    for route in _routes():
        for candidate in (value, "1"):
            url = _fill(route, candidate)
            try:
                resolve(url)
            except Resolver404:
                continue
            urls.append(url)
            break
    return urls


@pytest.fixture
def city(school_a, school_b, board, official, principal_a):
    MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="submitted")
    MonthlyReportFactory(school=school_b, fiscal_year=2020, month=5, status="approved")
    return {"board": board, "principal": principal_a, "official": official, "anonymous": None}


def test_the_walk_covers_pages_and_the_api():
    urls = _urls("²")
    assert len(urls) > 60
    assert "/staff/interviews/" in urls and "/api/v1/schools/" in urls
    assert "/entry/²/²/" not in urls and "/entry/1/1/" in urls


@pytest.mark.parametrize("role", ["board", "principal", "official", "anonymous"])
def test_no_url_answers_a_server_error_to_hostile_values(city, role):
    client = Client(raise_request_exception=False)
    if city[role] is not None:
        client.force_login(city[role])
    errors = []
    for value in HOSTILE:
        query = {name: value for name in QUERY_NAMES}
        for url in _urls(value):
            for method in ("get", "post") if value in POSTED else ("get",):
                response = getattr(client, method)(url, query)
                if response.status_code >= 500:
                    errors.append(f"{method.upper()} {url} {value[:12]!r}: {response.status_code}")
    assert errors == []
