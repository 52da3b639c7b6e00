"""Pages and the series endpoint are cached per data version, filters and audience; a write makes the
next read fresh."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import rollups
from tests.factories import MonthlyReportFactory, SchoolFactory


@pytest.fixture
def month(school_a):
    return MonthlyReportFactory(school=school_a, staff_count=20, over_80h_count=2, status="submitted")


def _series(client, **params):
    params = {"indicator": "overtime_80h", "fiscal_year": 2020, "grouping": "all", **params}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("api:series"), params)
    assert response.status_code == 200, response.content
    return response.json()["monthly"], len(queries)


def test_series_is_cached_and_a_write_makes_the_next_read_fresh(client, board, month, school_b):
    client.force_login(board)
    first, cold = _series(client)
    assert [m["value"] for m in first] == [10.0]
    again, warm = _series(client)
    assert again == first and warm < cold
    month.over_80h_count = 5
    month.save()
    assert [m["value"] for m in _series(client)[0]] == [25.0]
    MonthlyReportFactory(
        school=school_b, staff_count=30, over_80h_count=0, over_100h_count=0, status="approved"
    )
    assert [m["value"] for m in _series(client)[0]] == [10.0]  # 5 of 50
    month.status = "returned"
    month.save()
    assert [m["value"] for m in _series(client)[0]] == [0.0]


def test_series_cache_is_per_filter_and_audience(client, board, official, month):
    SchoolFactory(code="X001")
    client.force_login(board)
    assert _series(client, fiscal_year=2020)[0]
    assert _series(client, fiscal_year=2019)[0] == []
    assert [m["value"] for m in _series(client)[0]] == [10.0]
    client.force_login(official)  # one school: suppressed for officials, not the board's answer
    assert [m["value"] for m in _series(client)[0]] == [None]


def test_a_page_is_cached_and_fresh_after_a_write(client, board, month):
    client.force_login(board)
    url = reverse("metrics:indicator", args=["overtime_80h"])
    with CaptureQueriesContext(connection) as cold:
        first = client.get(url)
    with CaptureQueriesContext(connection) as warm:
        again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert len(warm) < len(cold)
    assert "10.0" in first.text and "10.0" in again.text
    month.over_80h_count = 5
    month.save()
    fresh = client.get(url)
    assert "25.0" in fresh.text and "10.0" not in fresh.text


def test_with_the_version_on_commit_a_read_before_the_commit_is_not_kept(
    client, board, month, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(rollups, "changed", rollups.changed.__wrapped__)
    client.force_login(board)
    assert [m["value"] for m in _series(client)[0]] == [10.0]
    with django_capture_on_commit_callbacks(execute=True):
        month.over_80h_count = 4
        month.save()
    assert [m["value"] for m in _series(client)[0]] == [20.0]
