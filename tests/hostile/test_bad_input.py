"""Hostile and careless input answers a clear 4xx or message, never a server error (issue 15)."""

import json

import pytest
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.parsers import MAX_DEPTH, nesting_depth
from reform.params import whole_number
from reports import jobs
from reports.models import ReportExport
from tests.factories import MonthlyReportFactory
from tests.reports.data import make_report_data

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() says no


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020", 2020),
        ("-3", -3),
        (SUPERSCRIPT_TWO, None),
        ("١٢", None),
        ("1_0", None),
        (" 7", None),
        ("9" * 19, None),
        ("", None),
        (None, None),
        ("12\x00", None),
    ],
)
def test_whole_number_accepts_ascii_digits_only(raw, expected):
    assert whole_number(raw) == expected


def test_whole_number_bounds():
    assert whole_number("1999", minimum=2000) is None
    assert whole_number("2101", maximum=2100) is None
    assert whole_number("2050", minimum=2000, maximum=2100) == 2050


def test_page_size_in_other_digits_is_a_400(board):
    api = APIClient()
    api.force_authenticate(board)
    response = api.get("/api/v1/schools/", {"page_size": SUPERSCRIPT_TWO})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, "9" * 40, "\x00"])
def test_numeric_query_parameters_of_pages_are_ignored_when_hostile(client, board, principal_a, value):
    client.force_login(board)
    for url in ("/", "/forecast/", "/staff/caps/", "/staff/interviews/", "/measures/"):
        response = client.get(url, {"year": value, "as_of": value, "page": value, "compare": value})
        assert response.status_code in (200, 400), url
    client.force_login(principal_a)
    assert client.get(reverse("metrics:home"), {"year": value}).status_code in (200, 302, 400)


def test_bulk_approve_ignores_ids_in_other_digits(client, board, school_a):
    month = MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="submitted")
    client.force_login(board)
    response = client.post(reverse("metrics:board-bulk-approve"), {"report": [SUPERSCRIPT_TWO, "9" * 40]})
    assert response.status_code == 302
    month.refresh_from_db()
    assert month.status == "submitted"


def test_fill_missing_with_a_year_in_other_digits_is_a_404(client, board):
    client.force_login(board)
    assert client.post(reverse("staff:fill"), {"year": SUPERSCRIPT_TWO}).status_code == 404


@pytest.mark.parametrize(
    "url", ["/staff/interviews/?school=%00", "/staff/caps/list/?school=%00", "/?year=%00"]
)
def test_a_nul_byte_in_a_query_parameter_is_a_400_page(client, board, url):
    client.force_login(board)
    response = client.get(url)
    assert response.status_code == 400
    assert "受け付けない" in response.content.decode()


def test_a_nul_byte_in_a_posted_form_or_an_api_query_is_a_400(client, board):
    client.force_login(board)
    assert client.post(reverse("login"), {"username": "a\x00", "password": "x"}).status_code == 400
    response = client.get("/api/v1/schools/?code=%00")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "bad_request"


def test_deeply_nested_json_is_a_400(board):
    api = APIClient()
    api.force_authenticate(board)
    body = "[" * 5000 + "]" * 5000
    response = api.post("/api/v1/exports/", body, content_type="application/json")
    assert response.status_code == 400
    assert "入れ子" in response.json()["detail"]


def test_nesting_depth_ignores_brackets_in_strings():
    assert nesting_depth(json.dumps({"a": [1, {"b": "[[[[{{{"}]})) == 3
    assert nesting_depth("[" * (MAX_DEPTH + 1)) == MAX_DEPTH + 1


def test_reasonable_json_still_parses(board, school_a):
    api = APIClient()
    api.force_authenticate(board)
    assert api.get("/api/v1/schools/").status_code == 200


# --- the database unreachable ----------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """`database_down()`: from then on every query fails as it would with PostgreSQL stopped."""
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    def stop():
        monkeypatch.setattr(CursorWrapper, "execute", refuse)
        monkeypatch.setattr(CursorWrapper, "executemany", refuse)

    return stop


def test_with_the_database_down_pages_answer_a_styled_503_in_the_users_language(board, database_down):
    client = Client(raise_request_exception=False)
    client.force_login(board)
    database_down()
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"]
    page = response.content.decode()
    assert "データベース" in page and "css/app.css" in page
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/login/").content.decode()
    assert "cannot reach its database" in page


def test_with_the_database_down_the_api_answers_json_503(database_down):
    client = Client(raise_request_exception=False)
    database_down()
    response = client.get("/api/v1/schools/", HTTP_AUTHORIZATION="Token abc")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response.json()["errors"][0]["code"] == "database_unavailable"


# --- the site's own error pages ---------------------------------------------------------------------


def test_404_page_in_japanese_and_english(client, board):
    client.force_login(board)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get("/no-such-page/").content.decode()


def test_a_form_only_address_opened_directly_says_to_use_the_form(client, board):
    client.force_login(board)
    response = client.get(reverse("metrics:board-deadline"))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "ページのフォームから送信してください" in response.content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("metrics:board-deadline")).content.decode()
    assert "Go back to the page with the form" in english


def test_500_page_in_japanese_and_english(board, monkeypatch):
    from metrics.dashboard import views

    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(views, "parse_filters", boom)
    client = Client(raise_request_exception=False)
    client.force_login(board)
    response = client.get("/")
    assert response.status_code == 500
    assert "サーバーでエラー" in response.content.decode() and "<script" not in response.content.decode()
    client.cookies["django_language"] = "en"
    assert "Server error" in client.get("/").content.decode()


# --- Redis down -------------------------------------------------------------------------------------


def test_with_redis_down_creating_an_export_through_the_api_is_a_503(official, monkeypatch):
    from kombu.exceptions import OperationalError as QueueDown

    from reports import tasks

    def refuse(*args, **kwargs):
        raise QueueDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.build_report_export, "apply_async", refuse)
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda func, using=None, robust=False: func())
    make_report_data()
    api = APIClient()
    api.force_authenticate(official)
    response = api.post("/api/v1/exports/", {"fiscal_year": 2020, "format": "csv"}, format="json")
    assert response.status_code == 503 and response["Retry-After"]
    assert "Redis" in response.json()["detail"]
    assert ReportExport.objects.get().status == "failed"
