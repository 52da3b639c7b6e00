"""The pages end to end: the board's import, the school-month check, forecasts on the dashboard."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metrics.models import MonthlyReport
from staff.imports import import_staff_hours
from staff.models import StaffMonth
from tests.factories import MonthlyReportFactory, SchoolFactory
from tests.staff.helpers import counted, csv_bytes, school_month

pytestmark = pytest.mark.django_db


def test_board_uploads_previews_and_confirms(client, board, school_a):
    client.force_login(board)
    upload = SimpleUploadedFile("april.csv", csv_bytes(school_month(school_a, 4)), content_type="text/csv")
    preview = client.post(reverse("staff:import"), {"file": upload})
    assert preview.status_code == 200
    assert not StaffMonth.objects.exists()
    outcome = preview.context["outcome"]
    assert (outcome.created, outcome.filled_months, outcome.interviews_created) == (5, 1, 2)
    token = preview.context["confirm"].initial["token"]
    done = client.post(reverse("staff:import"), {"token": token}, follow=True)
    assert StaffMonth.objects.count() == 5
    assert MonthlyReport.objects.filter(school=school_a, month=4).exists()
    assert "5" in str(list(done.context["messages"])[0])


def test_a_bad_file_shows_its_errors(client, board, school_a):
    client.force_login(board)
    rows = school_month(school_a, 4)
    rows[1] = ("ZZZ", *rows[1][1:])
    response = client.post(reverse("staff:import"), {"file": SimpleUploadedFile("bad.csv", csv_bytes(rows))})
    assert response.context["outcome"].error_count == 1
    assert "ZZZ" in response.content.decode()
    assert response.context["confirm"] is None


def test_the_check_page_lists_a_differing_month_and_the_board_fills_a_missing_one(
    client, board, school_a, school_b
):
    MonthlyReportFactory(
        school=school_a,
        month=4,
        staff_count=5,
        over_80h_count=1,
        left_by_19_count=5,
        over_45h_count=3,
        over_100h_count=0,
        leave_days_total=3.5,
        status="submitted",
    )
    import_staff_hours(csv_bytes(school_month(school_a, 4)))  # school A's month differs: 2 over 80 h, not 1
    StaffMonth.objects.create(
        school=school_b,
        fiscal_year=2020,
        month=4,
        staff_code="B-1",
        overtime_hours=10,
        weekday_overtime_hours=5,
        leave_days=0,
    )  # a row written without the import: its school-month is missing
    client.force_login(board)
    page = client.get(reverse("staff:reconcile") + "?year=2020")
    states = {(r.school.code, r.state) for r in page.context["rows"]}
    assert states == {("A001", "differs"), ("B001", "missing")}
    client.post(reverse("staff:fill"), {"year": 2020})
    assert MonthlyReport.objects.get(school=school_b, month=4).staff_count == 1
    assert MonthlyReport.objects.get(school=school_a, month=4).over_80h_count == 1  # left as entered


def _months(school, fiscal_year, months, *, over_80):
    for month in months:
        MonthlyReportFactory(
            school=school,
            fiscal_year=fiscal_year,
            month=month,
            staff_count=100,
            over_80h_count=over_80(month),
            left_by_19_count=70,
            over_45h_count=40,
            over_100h_count=0,
            leave_days_total=100,
            leave_10plus_count=min(100, 5 * (month - 3 if month >= 4 else month + 9)),
            status="approved",
        )


@pytest.fixture
def year_in_progress(db):
    """FY2019 complete (10 % over 80 h, 20 % in December); FY2020 April–June only, 12 % each."""
    school = SchoolFactory(code="E900")
    _months(school, 2019, range(1, 13), over_80=lambda m: 20 if m == 12 else 10)
    _months(school, 2020, (4, 5, 6), over_80=lambda m: 12)
    counted()


def test_the_dashboard_continues_the_year_in_progress_with_a_dashed_forecast(client, board, year_in_progress):
    # Board staff: the one school's figures would be suppressed for an official (fewer than 3 schools).
    client.force_login(board)
    page = client.get(reverse("metrics:indicator", args=["overtime_80h"]) + "?year=2020")
    figure = page.context["page"]["figure"]
    [forecast] = [t for t in figure["data"] if "forecast" in t["name"] or "見込み" in t["name"]]
    assert forecast["line"]["dash"] == "dash"
    values = dict(zip(forecast["x"], forecast["y"], strict=True))
    # From June (12 %, the last month) on: 12 + (10 − 10) = 12, December 12 + (20 − 10) = 22.
    assert values[2] == pytest.approx(12.0) and values[8] == pytest.approx(22.0)
    assert any("12.8%" in note for note in page.context["page"]["footnotes"])  # (11 × 12 + 22) / 12
    overview = client.get(reverse("metrics:home") + "?year=2020").content.decode()
    assert "12.8%" in overview


def test_a_finished_year_has_no_forecast(client, official, year_in_progress):
    client.force_login(official)
    page = client.get(reverse("metrics:indicator", args=["overtime_80h"]) + "?year=2019")
    assert not [
        t
        for t in page.context["page"]["figure"]["data"]
        if t["line"]["dash"] == "dash" and "2019" not in t["name"] and "令和元年度" not in t["name"]
    ]


def test_the_forecast_page_looks_back_at_a_finished_year(client, board, year_in_progress):
    school = SchoolFactory(code="E901")
    _months(school, 2020, range(1, 13), over_80=lambda m: 12)
    counted()
    client.force_login(board)
    page = client.get(reverse("metrics:forecast") + "?year=2020&as_of=6")
    [first] = [c for c in page.context["cards"] if c["code"] == "overtime_80h"]
    assert first["value"] == "12.8%" and first["actual"]
    schools = page.context["page"].object_list
    assert {row["school"].code for row in schools} == {"E900", "E901"}
    assert all(row["status"] == "short" for row in schools)  # target 100 % at March end, far from it
    assert json.dumps(first["figure"])  # the chart is JSON for the page
    assert re.search(r"12\.8%", page.content.decode())


def test_the_forecast_page_opens_on_a_month_with_a_forecast(client, board, year_in_progress):
    school = SchoolFactory(code="E901")
    _months(school, 2020, range(1, 13), over_80=lambda m: 12)
    counted()
    client.force_login(board)
    page = client.get(reverse("metrics:forecast") + "?year=2020")  # a finished year: March has no forecast
    assert page.context["as_of"] == 2
    assert all(card["result"] is not None for card in page.context["cards"])


@pytest.mark.parametrize("name", ["staff:cap-list", "staff:interviews", "staff:caps"])
def test_list_pages_take_a_fixed_number_of_queries(client, board, django_assert_max_num_queries, name):
    schools = [SchoolFactory() for _ in range(6)]
    rows = [row for school in schools for month in (4, 5) for row in school_month(school, month)]
    import_staff_hours(csv_bytes(rows))  # 60 staff rows, 24 interview records
    client.force_login(board)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(name) + "?year=2020&all=1")
    assert response.status_code == 200
