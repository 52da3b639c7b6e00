"""Hand-checkable tests for metrics.aggregation (pure pandas, no database)."""

import math

import pandas as pd
import pytest

from metrics.aggregation import (
    INDICATORS,
    IndicatorSpec,
    common_full_year_types,
    full_year_types,
    monthly_values,
    round_half_up,
    stress_scores,
    year_figures,
)
from reform.fiscal import FISCAL_MONTHS, months_label


def row(
    school_id,
    month,
    staff,
    over80=0,
    left=0,
    *,
    fy=2020,
    school_type="elementary",
    district="north",
    leave_days=0.0,
    leave10=0,
    over45=None,
):
    return {
        "school_id": school_id,
        "school_type": school_type,
        "district": district,
        "fiscal_year": fy,
        "month": month,
        "staff_count": staff,
        "over_80h_count": over80,
        "left_by_19_count": left,
        "over_45h_count": over45,
        "over_100h_count": None,
        "leave_days_total": leave_days,
        "leave_10plus_count": leave10,
    }


def frame(*rows):
    return pd.DataFrame(list(rows))


def one(df, **where):
    mask = pd.Series(True, index=df.index)
    for col, val in where.items():
        mask &= df[col] == val
    assert mask.sum() == 1, df
    return df[mask].iloc[0]


def test_pooled_not_average_of_school_percentages():
    months = frame(row(1, 4, 10, over80=1), row(2, 4, 30, over80=9))
    out = monthly_values(months, indicator="overtime_80h")
    got = one(out, month=4)
    assert got["group"] == "all"
    assert got["numerator"] == 10
    assert got["denominator"] == 40
    assert got["value"] == pytest.approx(25.0)  # (10% + 30%) / 2 would be 20


def test_year_mean_ignores_months_without_rows_and_lists_them():
    months = frame(
        row(1, 4, 10, over80=1),  # 10 %
        row(1, 5, 10, over80=3),  # 30 %
        row(1, 1, 10, over80=2),  # 20 %  (January, after December in the fiscal year)
    )
    fig = one(year_figures(months, indicator="overtime_80h"), group="all")
    assert fig["value"] == pytest.approx(20.0)
    assert fig["months"] == [4, 5, 1]
    assert not fig["full_year"]
    assert math.isnan(fig["value_excluding_events"])
    assert fig["months_excluding_events"] is None


def test_zero_staff_month_gives_no_value_not_zero():
    months = frame(
        row(1, 4, 10, over80=2),
        row(1, 5, 0, over80=0),  # a month with zero staff: no value
        row(2, 5, 0, over80=0),
    )
    monthly = monthly_values(months, indicator="overtime_80h")
    assert math.isnan(one(monthly, month=5)["value"])
    fig = one(year_figures(months, indicator="overtime_80h"), group="all")
    assert fig["value"] == pytest.approx(20.0)  # not (20 + 0) / 2
    assert fig["months"] == [4]


def test_zero_staff_school_does_not_dilute_its_group():
    months = frame(row(1, 4, 20, left=15), row(2, 4, 0, left=0))
    out = monthly_values(months, indicator="left_by_19", group_by="school_id")
    assert math.isnan(one(out, group="2")["value"])
    assert one(monthly_values(months, indicator="left_by_19"), month=4)["value"] == pytest.approx(75.0)


def mid_year_frame():
    """Elementary all year 2019 (10 %); high only September-March (50 %)."""
    rows = [row(1, m, 10, over80=1, left=8, fy=2019) for m in FISCAL_MONTHS]
    rows += [row(2, m, 10, over80=5, left=4, fy=2019, school_type="high") for m in FISCAL_MONTHS[5:]]
    return frame(*rows)


def test_type_starting_mid_year_is_left_out_of_all_and_lists_its_months():
    months = mid_year_frame()
    assert full_year_types(months, fiscal_year=2019) == ["elementary"]
    everything = one(year_figures(months, indicator="overtime_80h"), group="all")
    assert everything["value"] == pytest.approx(10.0)  # high's 50 % not pooled
    assert everything["types"] == ["elementary"]
    high = one(year_figures(months, indicator="overtime_80h", group_by="school_type"), group="high")
    assert high["value"] == pytest.approx(50.0)
    assert high["months"] == [9, 10, 11, 12, 1, 2, 3]
    assert not high["full_year"]
    assert months_label(high["months"]) == "9月～3月"
    assert months_label(high["months"], "en") == "Sep–Mar"


def test_comparable_basis_restricted_to_types():
    rows = [row(1, m, 10, over80=1, fy=2019) for m in FISCAL_MONTHS]
    rows += [row(1, m, 10, over80=1, fy=2020) for m in FISCAL_MONTHS]  # elementary 10 %
    rows += [row(2, m, 30, over80=9, fy=2020, school_type="high") for m in FISCAL_MONTHS]  # 30 %
    months = frame(*rows)
    default = year_figures(months, indicator="overtime_80h")
    assert one(default, fiscal_year=2020)["value"] == pytest.approx(25.0)  # 10 / 40 staff
    assert one(default, fiscal_year=2020)["types"] == ["elementary", "high"]
    basis = common_full_year_types(months, fiscal_years=[2019, 2020])
    assert basis == ["elementary"]
    comparable = year_figures(months, indicator="overtime_80h", types=basis)
    assert one(comparable, fiscal_year=2020)["value"] == pytest.approx(10.0)
    assert one(comparable, fiscal_year=2020)["types"] == ["elementary"]


def test_excluded_months_give_a_second_figure():
    rows = [row(1, m, 10, over80=2, fy=2019) for m in FISCAL_MONTHS if m != 3]  # 20 % x 11
    rows.append(row(1, 3, 10, over80=0, fy=2019))  # closure month 0 %
    rows += [row(1, m, 10, over80=1, fy=2020) for m in FISCAL_MONTHS]
    months = frame(*rows)
    out = year_figures(months, indicator="overtime_80h", excluded_months={(2019, 3)})
    fy19 = one(out, fiscal_year=2019)
    assert fy19["value"] == pytest.approx(220 / 12)
    assert fy19["value_excluding_events"] == pytest.approx(20.0)
    assert fy19["months_excluding_events"] == list(FISCAL_MONTHS[:-1])
    fy20 = one(out, fiscal_year=2020)
    assert math.isnan(fy20["value_excluding_events"])  # no excluded month in FY2020


def test_cumulative_leave_year_figure_is_march_end_with_fallback():
    staff = 20
    rows = [
        row(1, 4, staff, leave10=1, leave_days=10.0),
        row(1, 9, staff, leave10=4, leave_days=60.0),
        row(1, 3, staff, leave10=12, leave_days=240.0),
        row(1, 4, staff, fy=2019, leave10=2, leave_days=20.0),
        row(1, 1, staff, fy=2019, leave10=10, leave_days=200.0),  # no February/March
    ]
    months = frame(*rows)
    share = year_figures(months, indicator="leave_10plus")
    fy20 = one(share, fiscal_year=2020)
    assert fy20["value"] == pytest.approx(60.0)  # March 12 / 20, not the mean
    assert fy20["as_of_month"] == 3
    assert fy20["full_year"]
    fy19 = one(share, fiscal_year=2019)
    assert fy19["value"] == pytest.approx(50.0)
    assert fy19["as_of_month"] == 1
    assert not fy19["full_year"]
    days = year_figures(months, indicator="leave_avg_days")
    assert one(days, fiscal_year=2020)["value"] == pytest.approx(12.0)  # days, not x100
    assert INDICATORS["leave_avg_days"].unit == "days"


def test_nullable_band_leaves_missing_rows_out_of_denominator():
    months = frame(row(1, 4, 10, over45=5), row(2, 4, 30, over45=None))
    spec = IndicatorSpec("over_45h", "over_45h_count", "pct", False)
    got = one(monthly_values(months, indicator=spec), month=4)
    assert got["denominator"] == 10
    assert got["value"] == pytest.approx(50.0)


def test_grouping_by_district_and_unknown_group_by():
    months = frame(row(1, 4, 10, over80=1, district="north"), row(2, 4, 10, over80=3, district="south"))
    out = monthly_values(months, indicator="overtime_80h", group_by="district")
    assert one(out, group="north")["value"] == pytest.approx(10.0)
    assert one(out, group="south")["value"] == pytest.approx(30.0)
    with pytest.raises(ValueError):
        monthly_values(months, indicator="overtime_80h", group_by="city")


def test_stress_is_respondent_weighted_and_ignores_zero_respondents():
    stress = pd.DataFrame(
        [
            {
                "school_id": 1,
                "school_type": "elementary",
                "district": "north",
                "fiscal_year": 2020,
                "respondents": 10,
                "total_health_risk": 90.0,
                "workload_control": 100.0,
                "support": 90.0,
            },
            {
                "school_id": 2,
                "school_type": "elementary",
                "district": "north",
                "fiscal_year": 2020,
                "respondents": 30,
                "total_health_risk": 110.0,
                "workload_control": 110.0,
                "support": 100.0,
            },
            {
                "school_id": 3,
                "school_type": "junior_high",
                "district": "south",
                "fiscal_year": 2020,
                "respondents": 0,
                "total_health_risk": 500.0,
                "workload_control": 500.0,
                "support": 500.0,
            },
        ]
    )
    out = one(stress_scores(stress), group="all")
    assert out["respondents"] == 40
    assert out["schools"] == 2
    assert out["workload_control"] == pytest.approx(107.5)  # (100x10 + 110x30) / 40, not 105
    assert out["total_health_risk"] == pytest.approx(105.0)
    by_type = stress_scores(stress, group_by="school_type")
    assert list(by_type["group"]) == ["elementary"]  # junior high had no respondents


def test_labels_and_rounding():
    assert months_label(FISCAL_MONTHS, full_year_label=False) == ""
    assert months_label(FISCAL_MONTHS) == "4月～3月"
    assert months_label([4, 5, 7]) == "4月～5月、7月"
    assert months_label([]) == ""
    assert round_half_up(7.65) == 7.7
    assert round_half_up(0.25) == 0.3
    assert round_half_up(float("nan")) is None


def test_empty_input_gives_empty_frames():
    empty = frame(row(1, 4, 10)).iloc[0:0]
    assert monthly_values(empty, indicator="overtime_80h").empty
    assert year_figures(empty, indicator="overtime_80h").empty
