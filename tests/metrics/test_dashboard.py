import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import Indicator, MonthlyReport, PublishedFigure, SchoolType, StressCheckResult
from metrics.rollups import refresh_rollups
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory

MONTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]


def _year(school, fiscal_year, *, staff, over_80, left=None, leave_10=0):
    for month in MONTHS:
        MonthlyReportFactory(
            school=school,
            fiscal_year=fiscal_year,
            month=month,
            staff_count=staff,
            over_80h_count=over_80,
            left_by_19_count=left if left is not None else staff - over_80,
            over_45h_count=over_80,
            over_100h_count=0,
            leave_days_total=0,
            leave_10plus_count=leave_10,
            status=MonthlyReport.Status.APPROVED,
        )


@pytest.fixture
def city(db):
    """Two elementary schools and one junior high, FY2019 and FY2020, numbers checkable by hand.

    FY2020 elementary: (1 + 9) / (10 + 30) = 25 % every month; junior high 4/20 = 20 %;
    all types pooled: 14 / 60 = 23.3 %. FY2019: elementary 2/40 = 5 %, junior high 2/20 = 10 %.
    """
    jh = SchoolType.objects.get(code="junior_high")
    e1 = SchoolFactory(code="E1")
    e2 = SchoolFactory(code="E2")
    j1 = SchoolFactory(code="J1", school_type=jh, district=DistrictFactory(code="d2"))
    _year(e1, 2020, staff=10, over_80=1)
    _year(e2, 2020, staff=30, over_80=9)
    _year(j1, 2020, staff=20, over_80=4)
    for school, scores in ((e1, (104, 106, 98)), (j1, (110, 108, 101))):
        StressCheckResult.objects.create(
            school=school,
            fiscal_year=2020,
            respondents=10,
            total_health_risk=scores[0],
            workload_control=scores[1],
            support=scores[2],
        )
    _year(e1, 2019, staff=10, over_80=1)
    _year(e2, 2019, staff=30, over_80=1)
    _year(j1, 2019, staff=20, over_80=2)
    refresh_rollups()  # what the commit of these rows does outside a test transaction
    return {"e1": e1, "e2": e2, "j1": j1}


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td class=\"num\">(.*?)</td>", html)]


@pytest.mark.parametrize(
    "url", ["/", "/indicators/overtime_80h/", "/indicators/stress/", "/indicators/leave/"]
)
def test_pages_need_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("user", ["board", "official"])
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/indicators/overtime_80h/",
        "/indicators/left_by_19/",
        "/indicators/stress/",
        "/indicators/leave/",
    ],
)
def test_aggregate_pages_render_for_board_and_officials(client, city, request, user, url):
    client.force_login(request.getfixturevalue(user))
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-figure="' in response.content.decode()


def test_unknown_indicator_is_404(client, board):
    client.force_login(board)
    assert client.get("/indicators/nope/").status_code == 404


def test_stress_scores_are_respondent_weighted(client, city, board):
    client.force_login(board)
    html = client.get("/indicators/stress/?year=2020").content.decode()
    assert "107.0" in html  # (104 × 10 + 110 × 10) / 20
    assert "▲" in html


def test_year_table_pools_staff(client, city, board):
    client.force_login(board)
    html = client.get("/indicators/overtime_80h/?year=2020&compare=2019").content.decode()
    table = html[html.index('class="year-table"') :]
    cells = _cells(table)
    # rows: all, elementary, junior high, … each with FY2020, FY2019, change
    assert cells[:3] == ["23.3%", "6.7%", "+16.6"]
    assert cells[3:6] == ["25.0%", "5.0%", "+20.0"]
    assert cells[6:9] == ["20.0%", "10.0%", "+10.0"]


def test_type_and_district_filters_narrow_the_figures(client, city, board):
    client.force_login(board)
    html = client.get("/indicators/overtime_80h/?year=2020&compare=&type=junior_high").content.decode()
    table = html[html.index('class="year-table"') :]
    assert _cells(table)[:2] == ["20.0%", "20.0%"]  # all types = junior high only
    html = client.get("/indicators/overtime_80h/?year=2020&compare=&district=d2").content.decode()
    assert _cells(html[html.index('class="year-table"') :])[0] == "20.0%"


@pytest.mark.parametrize(
    "query, message",
    [
        ("year=abc", "「abc」年度のデータはない"),
        ("year=1990", "「1990」年度のデータはない"),
        ("compare=zz", "比較する年度「zz」"),
        ("type=kindergarten", "不明な校種「kindergarten」"),
        ("district=mars", "不明な方面「mars」"),
        ("year=2020&compare=2020", "年度「2020」は表示中の年度と同じため、比較しません"),
    ],
)
def test_bad_filters_are_ignored_with_a_message(client, city, board, query, message):
    client.force_login(board)
    response = client.get(f"/indicators/overtime_80h/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "令和2年度" in html  # fell back to the latest year


@pytest.mark.parametrize(
    "path", ["/staff/caps/", "/staff/bands/", "/board/completeness/", "/board/review/", "/forecast/"]
)
def test_a_year_a_page_cannot_show_is_ignored_with_a_message(client, city, board, path):
    client.force_login(board)
    response = client.get(f"{path}?year=2199")
    assert response.status_code == 200
    assert "年度「2199」はこのページでは表示できないため、無視しました" in response.content.decode()


def test_overview_cards(client, city, board):
    client.force_login(board)
    html = client.get("/?year=2020").content.decode()
    assert html.count('class="card"') == 4
    assert "23.3%" in html  # year figure of indicator ①
    assert "+16.6" in html  # change from the same point of FY2019
    assert "目標未達成" in html


def test_english_switch_changes_the_labels(client, city, board):
    client.force_login(board)
    assert "校種別の年度の値" in client.get("/indicators/overtime_80h/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/indicators/overtime_80h/").content.decode()
    assert "Year figures by school type" in html
    assert "FY2020" in html and "令和2年度" not in html


def test_browser_language_alone_does_not_switch(client, city, board):
    client.force_login(board)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "概要" in html


def test_school_page_for_board_and_own_principal(client, city, board, principal_a, school_a):
    client.force_login(board)
    assert client.get(f"/schools/{city['e1'].code}/").status_code == 200
    client.force_login(principal_a)
    assert client.get(f"/schools/{school_a.code}/").status_code == 200


def test_school_page_hides_other_schools(client, city, principal_a, official):
    client.force_login(principal_a)
    assert client.get(f"/schools/{city['e1'].code}/").status_code == 404
    client.force_login(official)
    assert client.get(f"/schools/{city['e1'].code}/").status_code == 404


def test_school_page_shows_school_type_and_city(client, city, board):
    client.force_login(board)
    html = client.get(f"/schools/{city['e1'].code}/?year=2020").content.decode()
    # E1: 1/10 = 10 % every month; elementary 25 %; city 23.3 %
    assert "10.0%" in html and "25.0%" in html and "23.3%" in html


def test_school_page_filters_change_what_it_shows(client, city, board):
    client.force_login(board)
    e1 = city["e1"]
    figure = client.get("/schools/E1/?year=2020&compare=2019").context["page"]["charts"][0]["figure"]
    dashed = [t for t in figure["data"] if t.get("line", {}).get("dash") == "dash"]
    assert [t["name"] for t in dashed] == [f"{e1.name} 令和元年度"]
    figure = client.get("/schools/E1/?year=2020&compare=").context["page"]["charts"][0]["figure"]
    assert not [t for t in figure["data"] if t.get("line", {}).get("dash") == "dash"]
    # the type's line within the chosen district: no elementary school in d2 but J1 (20 %)
    rows = client.get("/schools/E1/?year=2020&district=d2").context["page"]["charts"][0]["rows"]
    lines = {row["label"]: row["cells"][0] for row in rows if not row.get("coverage")}
    assert lines["小学校"] == "—"
    assert lines[f"{city['j1'].district.name}（全校種）"] == "20.0%"


def _queries(client, url):
    client.get(url)  # warm the per-process caches (demo label)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", ["/", "/indicators/overtime_80h/", "/indicators/stress/", "/indicators/leave/"]
)
def test_query_count_does_not_grow_with_schools(client, city, board, url):
    client.force_login(board)
    before = _queries(client, url)
    for n in range(5):
        _year(SchoolFactory(code=f"X{n}"), 2020, staff=10, over_80=0)
    refresh_rollups()
    assert _queries(client, url) == before


def test_schools_list_for_board_with_search(client, city, board):
    client.force_login(board)
    html = client.get("/schools/").content.decode()
    assert all(f"/schools/{code}/" in html for code in ("E1", "E2", "J1"))
    html = client.get("/schools/?school_type=junior_high").content.decode()
    assert "/schools/J1/" in html and "/schools/E1/" not in html
    html = client.get("/schools/?q=E2").content.decode()
    assert "/schools/E2/" in html and "/schools/E1/" not in html


def test_schools_list_shows_a_principal_only_their_school(client, city, principal_a, school_a):
    client.force_login(principal_a)
    html = client.get("/schools/").content.decode()
    assert f"/schools/{school_a.code}/" in html
    assert "/schools/E1/" not in html


def test_schools_list_is_not_for_officials(client, city, official):
    client.force_login(official)
    assert client.get("/schools/").status_code == 404


def test_published_figures_fill_years_without_school_data(client, city, board):
    indicator = Indicator.objects.get(code="overtime_80h")
    PublishedFigure.objects.create(
        indicator=indicator, fiscal_year=2018, group="all", value=13.4, source="報告書"
    )
    PublishedFigure.objects.create(
        indicator=indicator, fiscal_year=2020, group="all", value=23.0, source="速報"
    )
    client.force_login(board)
    html = client.get("/indicators/overtime_80h/?year=2020&compare=2018").content.decode()
    table = html[html.index('class="year-table"') :]
    assert _cells(table)[:3] == ["23.3% ※1", "13.4% ※2", "+9.9"]
    assert "公表値は23.0%（速報）" in html  # computed and published both seen where they differ
    assert "公表値（この年度の学校別データはありません）：報告書" in html


def test_one_chosen_type_draws_its_line_once_and_the_title_names_the_filters(client, city, board):
    client.force_login(board)
    page = client.get("/indicators/overtime_80h/?year=2020&compare=&type=junior_high&district=d2").context[
        "page"
    ]
    assert [t["name"] for t in page["figure"]["data"]] == ["中学校 令和2年度"]
    assert page["figure"]["layout"]["title"]["text"].endswith(f" — 中学校・{city['j1'].district.name}")
    both = client.get("/indicators/overtime_80h/?year=2020&compare=&type=junior_high&type=elementary")
    assert [t["name"] for t in both.context["page"]["figure"]["data"]] == [
        "全校種 令和2年度",
        "小学校 令和2年度",
        "中学校 令和2年度",
    ]


def test_the_stress_card_s_sparkline_says_its_years_and_scores(client, city, board):
    StressCheckResult.objects.create(
        school=city["e2"],
        fiscal_year=2019,
        respondents=10,
        total_health_risk=100,
        workload_control=100,
        support=100,
    )
    client.force_login(board)
    cards = client.get("/?year=2020").context["cards"]
    [stress] = [c for c in cards if c["url_code"] == "stress"]
    labels = stress["sparkline"]["data"][0]["text"]
    assert labels[0].startswith("令和元年度 ") and labels[-1].startswith("令和2年度 ")
