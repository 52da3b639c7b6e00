"""The demo data reproduces every published figure through metrics.aggregation, with plausible
submission dates and school types whose lines are their own."""

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from demo.city import (
    DISTRICTS,
    EVENTS,
    EXCLUDING_EVENTS_NOTE,
    PUBLISHED,
    REPORTING_DUE_DAY,
    SOURCE,
    generate,
)
from metrics.aggregation import (
    INDICATORS,
    monthly_values,
    round_half_up,
    stress_scores,
    year_figures,
)
from reform.fiscal import FISCAL_MONTHS, calendar_year, fiscal_months_between

THREE_TYPES = ["elementary", "junior_high", "special_needs"]


@pytest.fixture(scope="module")
def demo():
    return generate()


def excluded_months():
    pairs = set()
    for event in EVENTS:
        if event["exclude_from_average"]:
            pairs |= set(fiscal_months_between(event["start_date"], event["end_date"]))
    return pairs


def computed(months: pd.DataFrame, figure: dict) -> float:
    indicator, fy, group, month = figure["indicator"], figure["fiscal_year"], figure["group"], figure["month"]
    group_by = None if group == "all" else "school_type"
    if month is not None:
        out = monthly_values(months, indicator=indicator, group_by=group_by)
        hit = out[(out["fiscal_year"] == fy) & (out["group"] == group) & (out["month"] == month)]
        assert len(hit) == 1
        return hit["value"].iloc[0]
    out = year_figures(months, indicator=indicator, group_by=group_by, excluded_months=excluded_months())
    hit = out[(out["fiscal_year"] == fy) & (out["group"] == group)]
    assert len(hit) == 1
    column = "value_excluding_events" if figure["note"] == EXCLUDING_EVENTS_NOTE else "value"
    return hit[column].iloc[0]


def figure_id(figure: dict) -> str:
    suffix = "-excl" if figure["note"] == EXCLUDING_EVENTS_NOTE else ""
    return f"{figure['indicator']}-{figure['fiscal_year']}-{figure['group']}-{figure['month']}{suffix}"


def test_published_list_is_complete():
    assert len(PUBLISHED) == 2 * 10 + 2 + 12 + 1
    assert {f["source"] for f in PUBLISHED} == {SOURCE}
    assert sum(f["note"] == EXCLUDING_EVENTS_NOTE for f in PUBLISHED) == 2


@pytest.mark.parametrize("figure", PUBLISHED, ids=figure_id)
def test_every_published_figure_is_reproduced(demo, figure):
    assert round_half_up(computed(demo.months, figure), 1) == figure["value"]


def test_fy2019_all_is_a_three_type_pool_and_high_is_september_to_march(demo):
    figures = year_figures(demo.months, indicator="overtime_80h", group_by=None)
    fy19 = figures[figures["fiscal_year"] == 2019].iloc[0]
    assert fy19["types"] == THREE_TYPES
    fy20 = figures[figures["fiscal_year"] == 2020].iloc[0]
    assert fy20["types"] == [*THREE_TYPES, "high"]
    by_type = year_figures(demo.months, indicator="left_by_19", group_by="school_type")
    high19 = by_type[(by_type["fiscal_year"] == 2019) & (by_type["group"] == "high")].iloc[0]
    assert high19["months"] == [9, 10, 11, 12, 1, 2, 3]
    assert not high19["full_year"]


def test_only_the_march_2020_closure_is_excluded():
    assert excluded_months() == {(2019, 3)}


def test_sizes_and_staff(demo):
    counts = demo.schools["school_type"].value_counts().to_dict()
    assert counts == {"elementary": 340, "junior_high": 145, "special_needs": 12, "high": 9}
    assert set(demo.schools["district"]) == {d[0] for d in DISTRICTS}
    assert demo.schools["code"].is_unique and demo.schools["school_id"].is_unique
    assert all("デモ" in name for name in demo.schools["name_ja"])
    ranges = {"elementary": (25, 45), "junior_high": (35, 60), "special_needs": (80, 150), "high": (60, 90)}
    for school_type, (lo, hi) in ranges.items():
        staff = demo.months.loc[demo.months["school_type"] == school_type, "staff_count"]
        assert staff.between(lo, hi).all()
    per_year = demo.months.groupby(["school_id", "fiscal_year"])["staff_count"].nunique()
    assert (per_year == 1).all()


def test_months_present(demo):
    months = demo.months
    assert not months.duplicated(["school_id", "fiscal_year", "month"]).any()
    n_months = months.groupby(["fiscal_year", "school_type"])["month"].apply(lambda s: set(s))
    for (fy, school_type), present in n_months.items():
        expected = set(FISCAL_MONTHS[5:]) if (fy, school_type) == (2019, "high") else set(FISCAL_MONTHS)
        assert present == expected
    assert (months["school_code"].str.len() > 0).all()


def test_row_constraints(demo):
    m = demo.months
    assert (m[["over_80h_count", "left_by_19_count", "over_45h_count", "over_100h_count"]] >= 0).all().all()
    assert (m["over_100h_count"] <= m["over_80h_count"]).all()
    assert (m["over_80h_count"] <= m["over_45h_count"]).all()
    assert (m["over_45h_count"] <= m["staff_count"]).all()
    assert (m["left_by_19_count"] <= m["staff_count"]).all()
    assert (m["over_45h_count"] >= m["staff_count"] - m["left_by_19_count"]).all()
    assert (m["leave_10plus_count"] <= m["staff_count"]).all()
    assert (m["leave_days_total"] >= 10 * m["leave_10plus_count"]).all()


def test_leave_is_cumulative_per_school(demo):
    m = demo.months.assign(pos=demo.months["month"].map(FISCAL_MONTHS.index))
    m = m.sort_values(["school_id", "fiscal_year", "pos"])
    grouped = m.groupby(["school_id", "fiscal_year"])
    assert (grouped["leave_10plus_count"].diff().fillna(0) >= 0).all()
    assert (grouped["leave_days_total"].diff().fillna(0) >= 0).all()


def test_fy2019_leave_is_a_bit_better_than_fy2020(demo):
    leave = year_figures(demo.months, indicator="leave_10plus").set_index("fiscal_year")["value"]
    days = year_figures(demo.months, indicator="leave_avg_days").set_index("fiscal_year")["value"]
    assert leave[2019] > leave[2020]
    assert days[2019] > days[2020]


def test_seasonality_is_plausible(demo):
    fy20 = monthly_values(demo.months, indicator="overtime_80h")
    fy20 = fy20[fy20["fiscal_year"] == 2020].set_index("month")["value"]
    assert fy20[4] < fy20[10] and fy20[5] < fy20[10] and fy20[8] < fy20[10]
    left = monthly_values(demo.months, indicator="left_by_19")
    left = left[left["fiscal_year"] == 2020].set_index("month")["value"]
    assert left[4] > left[10]


def test_stress_improves_and_workload_still_above_national(demo):
    s = demo.stress
    assert set(s["fiscal_year"]) == {2019, 2020}
    assert len(s) == 2 * len(demo.schools)
    assert np.allclose(s["total_health_risk"], s["workload_control"] * s["support"] / 100, atol=0.005)
    for group_by in (None, "school_type"):
        scores = stress_scores(s, group_by=group_by)
        for group, g in scores.groupby("group"):
            by_year = g.set_index("fiscal_year")
            for col in ("total_health_risk", "workload_control", "support"):
                assert by_year.loc[2020, col] < by_year.loc[2019, col], (group, col)
    city = stress_scores(s).set_index("fiscal_year")
    assert city.loc[2020, "workload_control"] > 100


def due_date(fiscal_year: int, month: int) -> dt.date:
    """Day REPORTING_DUE_DAY of the month after (fiscal_year, month)."""
    year = calendar_year(fiscal_year, month) + (month == 12)
    return dt.date(year, month % 12 + 1, REPORTING_DUE_DAY)


def test_due_date_is_the_following_month():
    assert due_date(2020, 4) == dt.date(2020, 5, REPORTING_DUE_DAY)
    assert due_date(2020, 12) == dt.date(2021, 1, REPORTING_DUE_DAY)
    assert due_date(2020, 3) == dt.date(2021, 4, REPORTING_DUE_DAY)


def test_most_schools_submit_on_time_and_the_late_ones_days_late(demo):
    m = demo.months
    assert m["submitted_at"].notna().all() and m["approved_at"].notna().all()
    due = pd.to_datetime(
        pd.Series([due_date(fy, mo) for fy, mo in zip(m["fiscal_year"], m["month"], strict=True)])
    )
    late_days = (m["submitted_at"].dt.normalize() - due).dt.days
    month_end = due - pd.to_timedelta(REPORTING_DUE_DAY - 1, unit="D")  # the 1st of the following month
    assert (m["submitted_at"] >= month_end).all()  # a month is reported once it is over
    assert late_days.max() <= 31  # late by days, not months
    on_time = m.assign(on_time=late_days <= 0).groupby(["fiscal_year", "month"])["on_time"].mean() * 100
    for (fy, month), share in on_time.items():
        assert 70 <= share <= 95, (fy, month, share)
    assert len(on_time.loc[2020]) == 12
    assert on_time.loc[2020].nunique() > 6  # months differ
    assert (m["submitted_at"].dt.day_of_week < 5).all()  # principals submit on working days
    assert (m["approved_at"] > m["submitted_at"]).all()
    assert ((m["approved_at"] - m["submitted_at"]).dt.days <= 21).all()
    # lateness is a habit of some schools: many are never late, a few often
    late_count = m.assign(late=late_days > 0).groupby("school_id")["late"].sum()
    assert (late_count == 0).mean() > 0.1 and (late_count >= 8).sum() >= 10


@pytest.mark.parametrize("indicator", list(INDICATORS))
def test_no_school_type_draws_the_all_types_line(demo, indicator):
    """Each type's monthly line differs from the "all types" one in most months (the March 2020
    closure is pinned alike for every type)."""
    every = monthly_values(demo.months, indicator=indicator, group_by=None)
    by_type = monthly_values(demo.months, indicator=indicator, group_by="school_type")
    for (fy, group), line in by_type.groupby(["fiscal_year", "group"]):
        line = line.set_index("month")["value"].map(lambda v: round_half_up(v, 1))
        pooled = (
            every[every["fiscal_year"] == fy].set_index("month")["value"].map(lambda v: round_half_up(v, 1))
        )
        months = line.index.intersection(pooled.index)
        assert len(months) >= 7
        same = int((line[months] == pooled[months]).sum())
        assert same <= 1, (indicator, fy, group, same, len(months))


def test_deterministic_and_fast():
    start = time.perf_counter()
    first = generate(seed=7)
    assert time.perf_counter() - start < 3
    second = generate(seed=7)
    pd.testing.assert_frame_equal(first.months, second.months)
    pd.testing.assert_frame_equal(first.stress, second.stress)
    pd.testing.assert_frame_equal(first.schools, second.schools)
    assert not first.months.equals(generate(seed=8).months)


@pytest.mark.parametrize("seed", [1, 99])
def test_other_seeds_still_reproduce_the_year_figures(seed):
    months = generate(seed=seed).months
    for figure in PUBLISHED:
        assert round_half_up(computed(months, figure), 1) == figure["value"], figure_id(figure)
