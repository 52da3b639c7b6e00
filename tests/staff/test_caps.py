"""The national caps on hand-built staff years (hours April → March; None = no record)."""

import numpy as np
import pandas as pd
import pytest

from reform.fiscal import FISCAL_MONTHS
from staff.caps import RULES, breach_counts, cap_frame, cap_result


def year(**months):
    """Twelve months April → March from keyword months like apr=50, with 0 h for the others."""
    names = ["apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "jan", "feb", "mar"]
    return [float(months.get(n, 0.0)) if months.get(n, 0.0) is not None else None for n in names]


def test_a_quiet_year_breaks_nothing():
    result = cap_result([30.0] * 12)  # 360 h exactly: "at most 360"
    assert result.total_hours == 360
    assert result.breaches == frozenset()


def test_over_45_in_one_month_breaks_only_the_monthly_ordinary_limit():
    result = cap_result(year(apr=45.25))
    assert result.breaches == {"over_45_month"}
    assert result.months_over_45 == 1
    assert cap_result(year(apr=45)).breaches == frozenset()  # 45.0 is within


def test_over_360_in_the_year():
    assert cap_result([30.0] * 11 + [30.5]).breaches == {"over_360_year"}


def test_a_month_of_100_hours_breaks_the_under_100_limit():
    # 100 h: the limit is "under 100 h"; 99.75 h is within it (and still over 45 h).
    assert "month_100" in cap_result(year(jul=100)).breaches
    assert "month_100" not in cap_result(year(jul=99.75)).breaches


def test_two_month_average_over_80():
    # May 90, June 75: average 82.5 over two months; no single month over 80 is needed for the third.
    result = cap_result(year(may=90, jun=75))
    assert result.worst_average == pytest.approx(82.5)
    assert result.worst_window == (5, 6)
    assert result.breaches == {"over_45_month", "avg_80"}


def test_six_month_average_over_80_though_no_shorter_window_is_worse():
    # 81 h for six months: every window of 2–6 months averages 81 → breach; 80 h for six months does not.
    assert "avg_80" in cap_result(year(apr=81, may=81, jun=81, jul=81, aug=81, sep=81)).breaches
    assert "avg_80" not in cap_result(year(apr=80, may=80, jun=80, jul=80, aug=80, sep=80)).breaches


def test_windows_longer_than_six_months_are_not_counted():
    # 100, then 60 ×6: the best window is the 2-month 80.0 (not over 80), 7-month windows do not count.
    result = cap_result(year(apr=99.5, may=60, jun=60, jul=60, aug=60, sep=60, oct=60))
    assert result.worst_average == pytest.approx(79.75)
    assert "avg_80" not in result.breaches


def test_a_missing_month_breaks_the_window():
    # April 90, May no record, June 90, nothing after: no two consecutive recorded months, no average.
    result = cap_result([90.0, None, 90.0] + [None] * 9)
    assert result.worst_average is None
    assert "avg_80" not in result.breaches
    assert result.total_hours == 180  # the missing month is not zero… and is not counted


def test_the_average_may_start_in_the_previous_year():
    # March of last year 95, April 70: average 82.5 across the fiscal year's start.
    previous = [None, None, None, None, 95.0]  # Nov … Mar
    result = cap_result(year(apr=70), previous=previous)
    assert result.worst_window == (3, 4)
    assert "avg_80" in result.breaches
    assert "avg_80" not in cap_result(year(apr=70)).breaches


def test_more_than_six_months_over_45():
    six = cap_result(year(apr=50, may=50, jun=50, jul=50, aug=50, sep=50))
    seven = cap_result(year(apr=50, may=50, jun=50, jul=50, aug=50, sep=50, oct=50))
    assert "months_45" not in six.breaches and six.months_over_45 == 6
    assert "months_45" in seven.breaches and seven.months_over_45 == 7
    assert seven.total_hours == 350 and "over_360_year" not in seven.breaches


def test_over_720_in_the_year():
    assert "over_720_year" in cap_result([60.25] * 12).breaches  # 723 h
    assert "over_720_year" not in cap_result([60.0] * 12).breaches  # 720 h exactly


def test_the_vectorised_rules_agree_with_the_single_staff_ones():
    rng = np.random.default_rng(8)
    hours = pd.DataFrame(rng.uniform(20, 110, (300, 12)).round(2), columns=list(FISCAL_MONTHS))
    hours = hours.mask(rng.random((300, 12)) < 0.1)  # some months without a record
    previous = pd.DataFrame(rng.uniform(20, 110, (300, 12)).round(2), columns=list(FISCAL_MONTHS))
    table = cap_frame(hours, previous)
    for i in range(300):
        before = [previous.at[i, m] for m in (11, 12, 1, 2, 3)]
        single = cap_result(
            [None if np.isnan(v) else v for v in hours.loc[i, list(FISCAL_MONTHS)]], previous=before
        )
        assert {r for r in RULES if table.at[i, r]} == single.breaches
        assert table.at[i, "total_hours"] == pytest.approx(single.total_hours)
        if single.worst_average is None:
            assert np.isnan(table.at[i, "worst_average"])
        else:
            assert table.at[i, "worst_average"] == pytest.approx(single.worst_average)


def test_breach_counts_per_group():
    hours = pd.DataFrame(
        [year(apr=50), year(apr=30), year(apr=101)], index=["s1", "s2", "s3"], columns=list(FISCAL_MONTHS)
    )
    table = cap_frame(hours)
    counts = breach_counts(table, group=pd.Series({"s1": "A", "s2": "A", "s3": "B"}))
    a = counts[counts["group"] == "A"].iloc[0]
    b = counts[counts["group"] == "B"].iloc[0]
    assert (a["staff_count"], a["over_45_month"], a["month_100"], a["any_special"]) == (2, 1, 0, 0)
    assert (b["staff_count"], b["over_45_month"], b["month_100"], b["any_special"]) == (1, 1, 1, 1)
    overall = breach_counts(table).iloc[0]
    assert (overall["group"], overall["staff_count"], overall["over_45_month"]) == ("all", 3, 2)
