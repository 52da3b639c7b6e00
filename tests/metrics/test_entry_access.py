"""Every page and action of the monthly workflow × {anonymous, principal A, principal B, official, board}.

A principal sees only their own school: another school's month, history or review is a 404.
Officials see no per-school data; board pages are a 404 for everyone but the board.
"""

import pytest
from django.urls import reverse

from metrics.models import MonthlyReport, ReportingDeadline
from tests.factories import MonthlyReportFactory

ROLES = ["anonymous", "principal_a", "principal_b", "official", "board"]


@pytest.fixture
def report_a(school_a):
    return MonthlyReportFactory(school=school_a, fiscal_year=2020, month=4, status="submitted")


def _client(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def _expect(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, response.content[:300]


# (name, method, url (given the report), data, expected status per role)
PAGES = [
    ("principal home", "get", lambda r: reverse("metrics:entry-home"), None, [200, 200, 404, 404]),
    (
        "month form",
        "get",
        lambda r: reverse("metrics:entry-month", args=[2020, 5]),
        None,
        [200, 200, 404, 404],
    ),
    ("import page", "get", lambda r: reverse("metrics:entry-import"), None, [200, 200, 404, 404]),
    (
        "template",
        "get",
        lambda r: reverse("metrics:entry-template") + "?year=2020",
        None,
        [200, 200, 404, 404],
    ),
    (
        "history of A's month",
        "get",
        lambda r: reverse("metrics:report-history", args=[r.pk]),
        None,
        [200, 404, 404, 200],
    ),
    ("completeness", "get", lambda r: reverse("metrics:board-completeness"), None, [404, 404, 404, 200]),
    ("missing list", "get", lambda r: reverse("metrics:board-missing"), None, [404, 404, 404, 200]),
    ("review list", "get", lambda r: reverse("metrics:board-review"), None, [404, 404, 404, 200]),
    (
        "review of A's month",
        "get",
        lambda r: reverse("metrics:board-review-detail", args=[r.pk]),
        None,
        [404, 404, 404, 200],
    ),
    ("bulk import page", "get", lambda r: reverse("metrics:board-import"), None, [404, 404, 404, 200]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
def test_page_access(client, request, report_a, role, page):
    _name, method, url, data, expected = page
    response = getattr(_client(client, request, role), method)(url(report_a))
    _expect(response, "login" if role == "anonymous" else expected[ROLES.index(role) - 1])


@pytest.mark.parametrize("role", ROLES)
def test_approving_a_month_is_the_boards_alone(client, request, report_a, role):
    response = _client(client, request, role).post(
        reverse("metrics:board-review-detail", args=[report_a.pk]),
        {"action": "approve", "version": report_a.version},
    )
    report_a.refresh_from_db()
    if role == "board":
        assert response.status_code == 302
        assert report_a.status == "approved"
    else:
        _expect(response, "login" if role == "anonymous" else 404)
        assert report_a.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_returning_a_month_is_the_boards_alone(client, request, report_a, role):
    response = _client(client, request, role).post(
        reverse("metrics:board-review-detail", args=[report_a.pk]),
        {"action": "return", "comment": "check", "version": report_a.version},
    )
    report_a.refresh_from_db()
    if role == "board":
        assert response.status_code == 302
        assert (report_a.status, report_a.review_comment) == ("returned", "check")
    else:
        _expect(response, "login" if role == "anonymous" else 404)
        assert (report_a.status, report_a.review_comment) == ("submitted", "")


@pytest.mark.parametrize("role", ROLES)
def test_bulk_approval_is_the_boards_alone(client, request, report_a, role):
    response = _client(client, request, role).post(
        reverse("metrics:board-bulk-approve"),
        {"report": [f"{report_a.pk}:{report_a.version}"], "confirm": "1"},
    )
    report_a.refresh_from_db()
    if role == "board":
        assert response.status_code == 302
        assert report_a.status == "approved"
    else:
        _expect(response, "login" if role == "anonymous" else 404)
        assert report_a.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_setting_the_due_day_is_the_boards_alone(client, request, role, db):
    response = _client(client, request, role).post(reverse("metrics:board-deadline"), {"due_day": 15})
    if role == "board":
        assert response.status_code == 302
        assert ReportingDeadline.current().due_day == 15
    else:
        _expect(response, "login" if role == "anonymous" else 404)
        assert not ReportingDeadline.objects.exists()


COUNTS = {
    "staff_count": 20,
    "over_80h_count": 2,
    "left_by_19_count": 15,
    "over_45h_count": 5,
    "over_100h_count": 0,
    "leave_days_total": "30.5",
    "leave_10plus_count": 1,
}


@pytest.mark.parametrize("role", ROLES)
def test_a_month_form_writes_only_the_principals_own_school(client, request, school_a, school_b, role):
    response = _client(client, request, role).post(
        reverse("metrics:entry-month", args=[2020, 6]), {**COUNTS, "submit": "1"}
    )
    written = set(MonthlyReport.objects.filter(month=6).values_list("school__code", flat=True))
    if role == "principal_a":
        assert response.status_code == 302
        assert written == {"A001"}
    elif role == "principal_b":
        assert response.status_code == 302
        assert written == {"B001"}
    else:
        _expect(response, "login" if role == "anonymous" else 404)
        assert written == set()


def _csv(code):
    header = (
        "school_code,fiscal_year,month,staff_count,over_80h_count,left_by_19_count,"
        "leave_days_total,leave_10plus_count"
    )
    return f"{header}\n{code},2020,7,20,1,15,12.0,0\n".encode()


@pytest.mark.parametrize("role", ROLES)
def test_principal_import_cannot_reach_another_school(client, request, school_a, school_b, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _client(client, request, role).post(
        reverse("metrics:entry-import"),
        {"file": SimpleUploadedFile("a.csv", _csv("A001")), "status": "submitted"},
    )
    if role == "principal_a":
        assert response.status_code == 200
        assert response.context["outcome"].created == 1
        assert response.context["confirm"] is not None
    elif role == "principal_b":
        assert response.status_code == 200
        assert "A001" in response.content.decode()  # named in the error: not their school
        assert (
            response.context["outcome"].errors[0].message
            == "学校コード「A001」は自校のものではありません（取り込めるのは自校のデータだけです）"
        )
    else:
        _expect(response, "login" if role == "anonymous" else 404)
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_bulk_import_is_the_boards_alone(client, request, school_a, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _client(client, request, role).post(
        reverse("metrics:board-import"),
        {"file": SimpleUploadedFile("a.csv", _csv("A001")), "status": "submitted"},
    )
    if role == "board":
        assert response.status_code == 200
        assert response.context["confirm"] is not None
    else:
        _expect(response, "login" if role == "anonymous" else 404)
    assert not MonthlyReport.objects.exists()


def test_a_principal_without_a_school_gets_404(client, db):
    from tests.factories import user_with_role

    client.force_login(user_with_role("lost-principal", "principal"))
    assert client.get(reverse("metrics:entry-home")).status_code == 404


def test_principal_lands_on_their_school_months_and_reaches_the_dashboard(client, principal_a, board):
    client.force_login(principal_a)
    response = client.get(reverse("metrics:start"))
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:entry-home")
    overview = client.get(reverse("metrics:home"))
    assert overview.status_code == 200
    html = overview.content.decode()
    for code in ("overtime_80h", "left_by_19", "stress", "leave"):
        assert reverse("metrics:indicator", args=[code]) in html
        assert client.get(reverse("metrics:indicator", args=[code])).status_code == 200
    client.force_login(board)
    assert client.get(reverse("metrics:start"))["Location"] == reverse("metrics:home")
