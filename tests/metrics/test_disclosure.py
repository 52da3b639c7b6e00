"""The disclosure layer: coverage, provisional marks and each audience's suppression (metrics.disclosure)."""

import itertools

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from metrics import disclosure, rollups
from metrics.disclosure import Audience
from metrics.models import ReportingDeadline
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory, school_type, user_with_role

FY = 2024
TYPES = ["elementary", "high"]
DISTRICTS = ["d1", "east"]


def _cells(rows):
    return pd.DataFrame(rows, columns=disclosure.CELL_COLUMNS)


def test_an_officials_lone_small_cell_gets_a_partner():
    cells = _cells(
        [
            (FY, 4, "elementary", "d1", 4, 40),
            (FY, 4, "high", "d1", 2, 20),
            (FY, 4, "elementary", "east", 4, 40),
            (FY, 4, "high", "east", 3, 30),
        ]
    )
    out = disclosure.suppressed_cells(cells, audience=Audience(disclosure.OFFICIAL))
    assert out["suppressed"].tolist() == [None, disclosure.FEW_SCHOOLS, None, disclosure.COMPLEMENTARY]
    # The city pools elementary only: its one partner would be given away by the city; both go.
    pooled = disclosure.suppressed_cells(
        cells.iloc[[0, 1, 2]], audience=Audience(disclosure.OFFICIAL), city_types={FY: ["elementary"]}
    )
    hidden = [disclosure.COMPLEMENTARY, disclosure.FEW_SCHOOLS, disclosure.COMPLEMENTARY]
    assert pooled["suppressed"].tolist() == hidden
    assert disclosure.suppressed_cells(cells, audience=disclosure.BOARD_AUDIENCE)["suppressed"].isna().all()


def test_few_staff_and_a_principals_own_group():
    cells = _cells(
        [(FY, 4, "elementary", "d1", 3, 4), (FY, 4, "high", "d1", 3, 30), (FY, 4, "high", "east", 9, 90)]
    )
    official = disclosure.suppressed_cells(cells, audience=Audience(disclosure.OFFICIAL))
    assert official["suppressed"].tolist()[0] == disclosure.FEW_STAFF
    principal = Audience(disclosure.PRINCIPAL, 1, "high", "d1")
    assert (
        disclosure.suppressed_cells(cells, audience=principal)["suppressed"].tolist()[1]
        == disclosure.OWN_SCHOOL
    )


@pytest.fixture
def city(db):
    """Two districts; d1 has four elementary and two high schools, east four elementary and three high.
    FY2024: every school reports April; in May only the elementary schools of d1 and one high school."""
    schools = {}
    for district in DISTRICTS:
        d = DistrictFactory(code=district)
        for kind, n in (("elementary", 4), ("high", 2 if district == "d1" else 3)):
            schools[(kind, district)] = [
                SchoolFactory(school_type=school_type(kind), district=d, code=f"{district}-{kind}-{i}")
                for i in range(n)
            ]
    for i, school in enumerate(s for group in schools.values() for s in group):
        MonthlyReportFactory(
            school=school,
            fiscal_year=FY,
            month=4,
            staff_count=10 + i,
            over_80h_count=1 + i % 5,
            left_by_19_count=5,
            status="submitted",
        )
    for school in [*schools[("elementary", "d1")], schools[("high", "east")][0]]:
        MonthlyReportFactory(
            school=school,
            fiscal_year=FY,
            month=5,
            staff_count=12,
            over_80h_count=2,
            left_by_19_count=5,
            status="approved",
        )
    rollups.refresh_rollups()
    return schools


def _series(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("api:series"), {"indicator": "overtime_80h", "fiscal_year": FY, **params})
    assert response.status_code == 200, response.json()
    return response.json()


def test_coverage_counts_the_schools_that_reported_each_month(city, board):
    data = _series(board)
    april, may = data["monthly"]
    assert (april["schools"], april["schools_expected"], april["provisional"]) == (13, 13, False)
    assert (may["schools"], may["schools_expected"], may["provisional"]) == (5, 13, True)
    assert april["staff"] == sum(10 + i for i in range(13))
    assert data["years"][0]["provisional"] is True
    assert data["years"][0]["months_provisional"] == [5]


def test_provisional_at_the_threshold(city, board):
    # May: 5 of 13 schools city-wide (38.5 %).
    deadline = ReportingDeadline.current()
    deadline.coverage_threshold = 39
    deadline.save()
    assert _series(board)["monthly"][1]["provisional"] is True
    deadline.coverage_threshold = 38
    deadline.save()
    assert _series(board)["monthly"][1]["provisional"] is False


def test_default_year_needs_coverage(city):
    MonthlyReportFactory(school=city[("high", "east")][0], fiscal_year=FY + 1, month=4, status="submitted")
    rollups.refresh_rollups()
    assert disclosure.default_fiscal_year([FY, FY + 1]) == FY


def _groupings():
    """Every pooled grouping the API offers on this city: grouping × types pooled."""
    subsets = [None] + [list(c) for n in (1, 2) for c in itertools.combinations(TYPES, n)]
    for grouping in ("all", "school_type", "district"):
        for types in subsets:
            yield grouping, types


def _members(grouping, group, types):
    """The type × district cells a shown group pools, as a 0/1 vector."""
    kinds = types or TYPES
    return [
        int(
            kind in kinds
            and (grouping != "school_type" or kind == group)
            and (grouping != "district" or district == group)
        )
        for kind, district in itertools.product(TYPES, DISTRICTS)
    ]


def _shown(user, month):
    """Every pooled April figure `user` is shown, as rows of cell-membership vectors."""
    rows = []
    for grouping, types in _groupings():
        params = {"grouping": grouping, **({"type": types} if types else {})}
        for row in _series(user, **params)["monthly"]:
            if row["month"] == month and row["suppressed"] is None:
                assert row["numerator"] is not None
                rows.append(_members(grouping, row["group"], types))
            elif row["month"] == month:
                assert row["numerator"] is None and row["denominator"] is None and row["value"] is None
    return np.array(rows, dtype=float)


def _recoverable(shown, cell):
    """Whether the cell's figures follow from the shown ones (the cell is in their span)."""
    target = np.array([int(c == cell) for c in itertools.product(TYPES, DISTRICTS)], dtype=float)
    return np.linalg.matrix_rank(np.vstack([shown, target])) == np.linalg.matrix_rank(shown)


def test_a_principal_cannot_subtract_their_school_from_a_pooled_group(city):
    principal = user_with_role("principal-h", "principal", school=city[("high", "d1")][0])
    direct = _series(principal, grouping="district", type=["high"])["monthly"]
    d1 = next(r for r in direct if r["group"] == "d1" and r["month"] == 4)
    assert d1["suppressed"] == disclosure.OWN_SCHOOL and d1["numerator"] is None
    # No combination of the shown pooled figures gives d1 × high (own school + the other).
    assert not _recoverable(_shown(principal, 4), ("high", "d1"))
    # ... and the other school's own rows are a 404.
    other = city[("high", "d1")][1]
    client = APIClient()
    client.force_authenticate(principal)
    response = client.get(
        reverse("api:series"),
        {"indicator": "overtime_80h", "fiscal_year": FY, "grouping": "school", "school": other.pk},
    )
    assert response.status_code == 404


def test_an_official_cannot_recover_a_small_cell(city, official):
    shown = _shown(official, 4)
    assert len(shown)  # the city itself is shown
    assert not _recoverable(shown, ("high", "d1"))


def test_board_sees_every_cell(city, board):
    shown = _shown(board, 4)
    for cell in itertools.product(TYPES, DISTRICTS):
        assert _recoverable(shown, cell)


def test_year_figure_is_suppressed_with_its_month(city, official):
    years = _series(official, grouping="district", type=["high"])["years"]
    d1 = next(y for y in years if y["group"] == "d1")
    assert d1["value"] is None and d1["suppressed"] == disclosure.FEW_SCHOOLS


def _api_cells(user, **params):
    rows = _series(user, **params)["monthly"]
    return {(r["group"], r["month"]): (r["value"], r["suppressed"] is not None) for r in rows}


def _page_cells(user, **params):
    from django.http import QueryDict

    from metrics.dashboard import pages
    from metrics.dashboard.filters import parse_filters

    query = QueryDict(mutable=True)
    query.update({"year": str(FY), "compare": "", **params})
    ctx = pages.load_context(parse_filters(query), audience=Audience.of(user))
    frame = pages.monthly_frame(ctx, "overtime_80h", FY)
    return {
        (r["group"], r["month"]): (
            None if pd.isna(r["value"]) else r["value"],
            isinstance(r["suppressed"], str),
        )
        for r in frame.to_dict("records")
    }


def _report_cells(audience):
    from reports.builder import ReportOptions, build_report

    report = build_report(ReportOptions(FY, None, audience), tables_only=True)
    section = report.section("overtime_80h")
    cells = {}
    for frame in (section.monthly, section.districts):
        for r in frame.to_dict("records"):
            value = None if pd.isna(r["value"]) else r["value"]
            cells[(r["group"], r["month"])] = (value, bool(r["suppressed"]))
    return cells


def _same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        (x, hidden_x), (y, hidden_y) = a[key], b[key]
        assert hidden_x == hidden_y, key
        assert (x is None and y is None) or abs(x - y) < 1e-9, key


@pytest.mark.parametrize("role", ["board", "official", "principal"])
def test_every_channel_shows_the_same_cells(city, role):
    user = {
        "board": lambda: user_with_role("b", "board"),
        "official": lambda: user_with_role("o", "official"),
        "principal": lambda: user_with_role("p", "principal", school=city[("high", "d1")][0]),
    }[role]()
    api = {**_api_cells(user), **_api_cells(user, grouping="school_type")}
    pages = _page_cells(user)
    _same(api, pages)
    for district in DISTRICTS:  # the page's district filter against the API's district grouping
        page = _page_cells(user, district=district)
        for kind in TYPES:
            by_api = {
                k: v
                for k, v in _api_cells(user, grouping="district", type=[kind]).items()
                if k[0] == district
            }
            _same(
                {(kind, m): v for (_g, m), v in by_api.items()},
                {k: v for k, v in page.items() if k[0] == kind},
            )
    if role != "principal":  # principals export no reports
        report = _report_cells(role)
        by_district = _api_cells(user, grouping="district")
        _same({**api, **by_district}, report)


def test_pages_and_the_report_form_open_on_the_latest_covered_year(city, client):
    from django.http import QueryDict

    from metrics.dashboard.filters import parse_filters
    from reports.forms import ReportExportForm

    MonthlyReportFactory(school=city[("high", "east")][0], fiscal_year=FY + 1, month=4, status="submitted")
    rollups.refresh_rollups()  # one school of 13 in the new year
    assert parse_filters(QueryDict("")).fiscal_year == FY
    assert ReportExportForm().initial["fiscal_year"] == FY
    assert parse_filters(QueryDict(f"year={FY + 1}")).fiscal_year == FY + 1  # still there when asked for


def test_the_report_form_keeps_the_chosen_year_after_an_export(city, client):
    client.force_login(user_with_role("b", "board"))
    url = reverse("reports:exports")
    response = client.post(url, {"fiscal_year": FY, "compare_year": "", "format": "csv"})
    assert response.status_code == 302 and f"year={FY}" in response["Location"]
    form = client.get(response["Location"]).context["form"]
    assert (form.initial["fiscal_year"], form.initial["compare_year"], form.initial["format"]) == (
        FY,
        "",
        "csv",
    )


def test_published_years_appear_in_the_series_as_on_the_indicator_page(city, board, client):
    from metrics.models import Indicator, PublishedFigure

    indicator = Indicator.objects.get(code="overtime_80h")
    for excluding, value in ((False, "40.1"), (True, "38.2")):
        PublishedFigure.objects.create(
            indicator=indicator,
            fiscal_year=2018,
            group="all",
            value=value,
            source="市報告",
            excluding_events=excluding,
        )
    response = APIClient()
    response.force_authenticate(board)
    data = response.get(
        reverse("api:series"), {"indicator": "overtime_80h", "fiscal_year": [2018, FY]}
    ).json()
    (published,) = [y for y in data["years"] if y["fiscal_year"] == 2018]
    assert (published["source"], published["value"], published["value_excluding_events"]) == (
        "published",
        40.1,
        38.2,
    )
    assert {y["source"] for y in data["years"] if y["fiscal_year"] == FY} == {"schools"}
    client.force_login(board)
    page = client.get("/indicators/overtime_80h/", {"year": FY, "compare": 2018}).context["page"]
    all_types = page["year_rows"][0]
    assert all_types["cells"][1]["value"] == "40.1%"
