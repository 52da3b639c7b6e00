"""The dashboard's and the board's forecasts read the earlier years once per request, whatever the
number of earlier years, cards or indicators; on a city whose forecasts can be checked by hand."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.dashboard import forecasts
from metrics.models import MonthlyReport, SchoolType
from metrics.rollups import refresh_rollups
from tests.factories import MonthlyReportFactory, SchoolFactory

MONTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
YEAR = 2024  # in progress: April to September


def _months(school, fiscal_year, *, months, over_80, left, leave_offset):
    """20 staff; `over_80` and `left` every month; 10+ leave days: (position + `leave_offset`) staff."""
    for position, month in enumerate(months):
        MonthlyReportFactory(
            school=school,
            fiscal_year=fiscal_year,
            month=month,
            staff_count=20,
            over_80h_count=over_80,
            left_by_19_count=left,
            over_45h_count=over_80,
            over_100h_count=0,
            leave_days_total=0,
            leave_10plus_count=position + leave_offset,
            status=MonthlyReport.Status.APPROVED,
        )


def _earlier_year(schools, fiscal_year):
    """10 % over 80 h and 50 % left by 19:00 all year; 10+ leave days from 5 % in April to 60 % in March."""
    for school in schools:
        _months(school, fiscal_year, months=MONTHS, over_80=2, left=10, leave_offset=1)


@pytest.fixture
def schools(db):
    junior_high = SchoolType.objects.get(code="junior_high")
    found = [
        SchoolFactory(code="E1"),
        SchoolFactory(code="E2"),
        SchoolFactory(code="J1", school_type=junior_high),
    ]
    # This year, April–September: 20 % over 80 h, 60 % left by 19:00, 10+ leave days 10 % → 35 %.
    for school in found:
        _months(school, YEAR, months=MONTHS[:6], over_80=4, left=12, leave_offset=2)
    _earlier_year(found, YEAR - 1)
    refresh_rollups()
    return found


def _add_earlier_years(schools, years):
    for year in years:
        _earlier_year(schools, year)
    refresh_rollups()


def _reads(client, url):
    """(the response, its queries' SQL) of one request computed afresh."""
    cache.clear()  # the page cache: measure the page computed, not read back
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    sql = [q["sql"].lower() for q in ctx.captured_queries]
    return response, sql


def _rollup_reads_of(sql, year):
    """The reads of pooled rollup rows (metrics.rollups.pooled_frame) that include `year`."""
    return [q for q in sql if "monthlyrollup" in q and "over_100h_staff" in q and str(year) in q]


def test_hand_checked_forecasts(schools):
    _add_earlier_years(schools, [YEAR - 2, YEAR - 3])
    found = {o.code: o for o in forecasts.outlooks(fiscal_year=YEAR, as_of=9)}
    # Flat earlier shapes: the remaining months continue this year's level.
    assert found["overtime_80h"].result.value == pytest.approx(20.0)
    assert found["left_by_19"].result.value == pytest.approx(60.0)
    # 35 % in September plus the earlier years' gain from September (30 %) to March (60 %).
    assert found["leave_10plus"].result.value == pytest.approx(65.0)
    assert found["leave_10plus"].years == [YEAR - 3, YEAR - 2, YEAR - 1]
    rows = forecasts.leave_outlooks(fiscal_year=YEAR, as_of=9, target=70.0)
    assert [round(o.result.value, 6) for o in rows] == [65.0] * 3
    assert {o.status for o in rows} == {"short"}


def test_overview_reads_the_earlier_years_once(client, schools, board):
    client.force_login(board)
    url = f"/?year={YEAR}"
    response, few = _reads(client, url)
    html = response.content.decode()
    for code, value in (("overtime_80h", 20.0), ("left_by_19", 60.0), ("leave_10plus", 65.0)):
        result = next(o.result for o in forecasts.outlooks(fiscal_year=YEAR, as_of=9) if o.code == code)
        assert result.value == pytest.approx(value)
        assert forecasts.card_text(code, result) in html  # the three cards forecast
    _add_earlier_years(schools, [YEAR - 2, YEAR - 3, YEAR - 4])
    response, many = _reads(client, url)
    assert len(many) == len(few)  # three more earlier years, not one query more
    # One read of the earlier years serves the three cards (it alone names the earliest of them).
    assert len(_rollup_reads_of(many, YEAR - 4)) == 1


@pytest.mark.parametrize("path", ["/indicators/overtime_80h/", "/indicators/leave/"])
def test_indicator_page_reads_the_earlier_years_once(client, schools, board, path):
    client.force_login(board)
    _add_earlier_years(schools, [YEAR - 2])
    response, few = _reads(client, f"{path}?year={YEAR}")
    _add_earlier_years(schools, [YEAR - 3, YEAR - 4])
    response, many = _reads(client, f"{path}?year={YEAR}")
    assert len(many) == len(few)
    assert len(_rollup_reads_of(many, YEAR - 4)) == 1


def test_forecast_page_reads_the_year_and_its_earlier_years_once(client, schools, board):
    client.force_login(board)
    url = f"/forecast/?year={YEAR}&as_of=9"
    response, few = _reads(client, url)
    assert response.context["cards"] and response.context["schools_total"] == 3
    _add_earlier_years(schools, [YEAR - 2, YEAR - 3, YEAR - 4])
    response, many = _reads(client, url)
    assert len(many) == len(few)
    # The cards of ① ② ④ and the schools' leave outlook share one read of the rollups.
    assert len(_rollup_reads_of(many, YEAR - 4)) == 1
    values = {c["code"]: c["result"].value for c in response.context["cards"]}
    assert values == {
        "overtime_80h": pytest.approx(20.0),
        "left_by_19": pytest.approx(60.0),
        "leave_10plus": pytest.approx(65.0),
    }
