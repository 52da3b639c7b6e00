"""The series endpoint gives the numbers of metrics.aggregation on the same school-months."""

import datetime
import math

import pytest
from django.urls import reverse

from metrics import aggregation, rollups, services
from metrics.models import District, Event, MonthlyReport, MonthlyRollup
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory, school_type


@pytest.fixture
def data(db, school_a, school_b):
    """Schools of three types in two districts over FY2019-2020; high schools only from September 2019,
    drafts that must not count, an optional band given by some schools only, and March 2020 excluded."""
    east = DistrictFactory(code="east")
    schools = [
        school_a,
        school_b,
        SchoolFactory(school_type=school_type("junior_high"), district=east),
        SchoolFactory(school_type=school_type("junior_high")),
        SchoolFactory(school_type=school_type("high"), district=east),
    ]
    for i, school in enumerate(schools):
        for fy in (2019, 2020):
            for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
                if school.school_type.code == "high" and fy == 2019 and month in (4, 5, 6, 7, 8):
                    continue
                staff = 20 + i * 7 + month
                MonthlyReportFactory(
                    school=school,
                    fiscal_year=fy,
                    month=month,
                    staff_count=staff,
                    over_80h_count=(i + month + fy) % 6,
                    left_by_19_count=staff - (i * 3 + month) % 9,
                    over_45h_count=None if i % 2 else (i + month + fy) % 6 + 3,
                    over_100h_count=None,
                    leave_days_total=month * (i + 2) * 1.5,
                    leave_10plus_count=(month * i) % staff,
                    status="draft" if (i, month) == (1, 6) else ("approved" if month % 2 else "submitted"),
                )
    Event.objects.create(
        label_ja="臨時休業",
        start_date=datetime.date(2020, 3, 2),
        end_date=datetime.date(2020, 3, 24),
        exclude_from_average=True,
    )
    rollups.refresh_rollups()
    return schools


def series(client, **params):
    response = client.get(reverse("api:series"), params)
    assert response.status_code == 200, response.json()
    return response.json()


def same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    return a == b


def expected(indicator, years, group_by, types=None, months=None):
    months = services.months_frame(fiscal_years=years) if months is None else months
    monthly = aggregation.monthly_values(months, indicator=indicator, group_by=group_by, types=types)
    yearly = aggregation.year_figures(
        months,
        indicator=indicator,
        group_by=group_by,
        types=types,
        excluded_months=services.excluded_months(),
    )
    return monthly.to_dict("records"), yearly.to_dict("records")


def assert_rows_equal(got, want):
    assert len(got) == len(want) and len(want) > 0
    for g, w in zip(got, want, strict=True):
        for key, value in w.items():
            value = None if value is None or value is pd_na() else value
            if isinstance(value, list):
                assert g[key] == [int(v) if isinstance(v, int) else v for v in value], key
            else:
                assert same(g[key], value if not hasattr(value, "item") else value.item()), (
                    key,
                    g[key],
                    value,
                )


def pd_na():
    import pandas as pd

    return pd.NA


@pytest.mark.parametrize("indicator", list(aggregation.INDICATORS))
@pytest.mark.parametrize(
    "grouping, group_by", [("all", None), ("school_type", "school_type"), ("district", "district")]
)
def test_pooled_series_equal_the_aggregation(api, board, data, indicator, grouping, group_by):
    got = series(api(board), indicator=indicator, fiscal_year=[2019, 2020], grouping=grouping)
    monthly, yearly = expected(indicator, [2019, 2020], group_by)
    assert_rows_equal(got["monthly"], monthly)
    assert_rows_equal(got["years"], yearly)


def test_all_pools_full_year_types_and_gives_the_figure_without_excluded_months(api, official, data):
    got = series(api(official), indicator="overtime_80h", fiscal_year=[2019, 2020])
    fy2019 = next(y for y in got["years"] if y["fiscal_year"] == 2019)
    assert fy2019["types"] == ["elementary", "junior_high"]  # high schools joined in September
    assert fy2019["full_year"] is True
    assert fy2019["months_excluding_events"] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2]
    assert fy2019["value_excluding_events"] is not None
    assert got["excluded_months"] == [{"fiscal_year": 2019, "month": 3}]


def test_comparable_basis_restricts_types(api, board, data):
    types = ["elementary", "junior_high"]
    got = series(api(board), indicator="left_by_19", fiscal_year=[2020], type=types)
    monthly, yearly = expected("left_by_19", [2020], None, types=types)
    assert_rows_equal(got["monthly"], monthly)
    assert_rows_equal(got["years"], yearly)


def test_optional_band_denominator_is_the_staff_that_gave_it(data):
    frame = rollups.pooled_frame(fiscal_years=[2020], numerator="over_45h_count")
    spec = aggregation.IndicatorSpec("band", "over_45h_count", "pct", False)
    got = aggregation.monthly_values(frame, indicator=spec, group_by="school_type")
    want = aggregation.monthly_values(
        services.months_frame(fiscal_years=[2020]), indicator=spec, group_by="school_type"
    )
    assert got[["numerator", "denominator"]].equals(want[["numerator", "denominator"]])


def test_board_groups_by_any_school(api, board, data):
    ids = [data[0].pk, data[3].pk]
    got = series(api(board), indicator="overtime_80h", fiscal_year=[2020], grouping="school", school=ids)
    months = services.months_frame(fiscal_years=[2020])
    monthly, yearly = expected(
        "overtime_80h", [2020], "school_id", months=months[months["school_id"].isin(ids)]
    )
    assert_rows_equal(got["monthly"], monthly)
    assert_rows_equal(got["years"], yearly)
    page = series(api(board), indicator="overtime_80h", fiscal_year=[2020], grouping="school", page_size=2)
    assert page["schools"] == {"count": 5, "page": 1, "page_size": 2}
    assert {m["group"] for m in page["monthly"]} == {str(s.pk) for s in sorted(data, key=lambda s: s.pk)[:2]}


def test_principal_groups_by_own_school_only(api, principal_a, school_a, school_b, data):
    client = api(principal_a)
    got = series(client, indicator="overtime_80h", fiscal_year=[2020], grouping="school")
    assert {m["group"] for m in got["monthly"]} == {str(school_a.pk)}
    other = client.get(
        reverse("api:series"),
        {"indicator": "overtime_80h", "fiscal_year": 2020, "grouping": "school", "school": school_b.pk},
    )
    assert other.status_code == 404
    pooled = series(client, indicator="overtime_80h", fiscal_year=[2020], grouping="school_type")
    assert {m["group"] for m in pooled["monthly"]} == {"elementary", "junior_high", "high"}


def test_official_cannot_group_by_school(api, official, data):
    response = api(official).get(
        reverse("api:series"), {"indicator": "overtime_80h", "fiscal_year": 2020, "grouping": "school"}
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["reason"]


def test_anonymous_gets_no_series(api, data):
    assert (
        api().get(reverse("api:series"), {"indicator": "overtime_80h", "fiscal_year": 2020}).status_code
        == 401
    )


@pytest.mark.parametrize(
    "params, field",
    [
        ({"fiscal_year": 2020}, "indicator"),
        ({"indicator": "nope", "fiscal_year": 2020}, "indicator"),
        ({"indicator": "overtime_80h"}, "fiscal_year"),
        ({"indicator": "overtime_80h", "fiscal_year": "twenty"}, "fiscal_year"),
        ({"indicator": "overtime_80h", "fiscal_year": 99999999999999999999}, "fiscal_year"),
        ({"indicator": "overtime_80h", "fiscal_year": 2020, "grouping": "city"}, "grouping"),
        ({"indicator": "overtime_80h", "fiscal_year": 2020, "type": "kosen"}, "type"),
        ({"indicator": "overtime_80h", "fiscal_year": 2020, "school": 1}, "school"),
        (
            {"indicator": "overtime_80h", "fiscal_year": 2020, "grouping": "school", "page_size": 501},
            "page_size",
        ),
    ],
)
def test_bad_series_requests_are_400_with_the_field(api, board, data, params, field):
    response = api(board).get(reverse("api:series"), params)
    assert response.status_code == 400
    assert any(e["field"].split(".")[0] == field for e in response.json()["errors"])  # "fiscal_year.0"


# --- rollups kept current --------------------------------------------------------------------


def rollup_staff(fy, month):
    return sum(
        MonthlyRollup.objects.filter(fiscal_year=fy, month=month).values_list("staff_count", flat=True)
    )


def counted_staff(fy, month):
    rows = MonthlyReport.objects.filter(
        fiscal_year=fy, month=month, status__in=MonthlyReport.COUNTED_STATUSES
    )
    return sum(rows.values_list("staff_count", flat=True))


def test_saving_a_school_month_refreshes_its_rollup(data, django_capture_on_commit_callbacks):
    report = MonthlyReport.objects.filter(fiscal_year=2020, month=7).first()
    with django_capture_on_commit_callbacks(execute=True):
        report.staff_count += 100
        report.save()
    assert rollup_staff(2020, 7) == counted_staff(2020, 7)
    with django_capture_on_commit_callbacks(execute=True):
        report.status = "draft"
        report.save()
    assert rollup_staff(2020, 7) == counted_staff(2020, 7)


def test_moving_a_month_refreshes_both_months(data, django_capture_on_commit_callbacks):
    report = MonthlyReport.objects.filter(fiscal_year=2020, month=7).first()
    report.delete()  # free a slot to move into
    other = MonthlyReport.objects.filter(fiscal_year=2020, month=8, school=report.school).get()
    with django_capture_on_commit_callbacks(execute=True):
        other.month = 7
        other.save()
    assert rollup_staff(2020, 7) == counted_staff(2020, 7)
    assert rollup_staff(2020, 8) == counted_staff(2020, 8)


def test_bulk_writes_and_deletes_refresh_rollups(data, django_capture_on_commit_callbacks):
    school = SchoolFactory()
    with django_capture_on_commit_callbacks(execute=True):
        MonthlyReport.objects.bulk_create(
            [
                MonthlyReport(
                    school=school,
                    fiscal_year=2020,
                    month=m,
                    staff_count=50,
                    over_80h_count=5,
                    left_by_19_count=40,
                    leave_days_total=3,
                    leave_10plus_count=0,
                    status="submitted",
                )
                for m in (4, 5)
            ]
        )
    assert rollup_staff(2020, 4) == counted_staff(2020, 4)
    with django_capture_on_commit_callbacks(execute=True):
        MonthlyReport.objects.filter(fiscal_year=2020, month=5).update(status="draft")
    assert rollup_staff(2020, 5) == 0
    with django_capture_on_commit_callbacks(execute=True):
        rows = [
            MonthlyReport(pk=pk, staff_count=60)
            for pk in MonthlyReport.objects.filter(school=school).values_list("pk", flat=True)
        ]
        MonthlyReport.objects.bulk_update(rows, ["staff_count"])
    assert rollup_staff(2020, 4) == counted_staff(2020, 4)
    with django_capture_on_commit_callbacks(execute=True):
        MonthlyReport.objects.filter(fiscal_year=2020, month=4).delete()
    assert rollup_staff(2020, 4) == 0


def test_a_school_moving_district_moves_its_months(api, board, data, django_capture_on_commit_callbacks):
    school = data[0]
    with django_capture_on_commit_callbacks(execute=True):
        school.district = District.objects.get(code="east")
        school.save()
    got = series(api(board), indicator="overtime_80h", fiscal_year=[2020], grouping="district")
    monthly, _ = expected("overtime_80h", [2020], "district")
    assert_rows_equal(got["monthly"], monthly)


def test_refresh_rollups_command_rebuilds_them(data):
    from io import StringIO

    from django.core.management import call_command

    MonthlyRollup.objects.all().delete()
    call_command("refresh_rollups", stdout=StringIO())
    assert rollup_staff(2020, 4) == counted_staff(2020, 4) > 0
