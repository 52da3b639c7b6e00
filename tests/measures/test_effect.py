"""The difference in differences on small hand-built frames whose answers are worked out below."""

import pandas as pd
import pytest

from measures.effect import compare_adoption

FISCAL_MONTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]


def school_months(school_id, school_type, fiscal_year, staff, over_80h, months=FISCAL_MONTHS, leave_10plus=0):
    """Twelve (or the given) months of one school with the same counts each month."""
    return [
        {
            "school_id": school_id,
            "school_type": school_type,
            "district": "d1",
            "fiscal_year": fiscal_year,
            "month": m,
            "staff_count": staff,
            "over_80h_count": over_80h,
            "left_by_19_count": 0,
            "over_45h_count": None,
            "over_100h_count": None,
            "leave_days_total": 0.0,
            "leave_10plus_count": leave_10plus,
        }
        for m in months
    ]


def hand_built() -> pd.DataFrame:
    rows = []
    # Adopting elementary schools 1–5: 10 staff, 3 over 80 h in FY2019 (30 %), 1 in FY2020 (10 %).
    for s in range(1, 6):
        rows += school_months(s, "elementary", 2019, 10, 3)
        rows += school_months(s, "elementary", 2020, 10, 1)
    # …except that in April 2020 school 1 had 5 over 80 h: April's pooled share is (5+1+1+1+1)/50 = 18 %,
    # so FY2020 = (18 + 11 × 10) / 12 = 128 / 12 = 10.666… %, a change of −19.333… points.
    rows = [r for r in rows if not (r["school_id"] == 1 and r["fiscal_year"] == 2020 and r["month"] == 4)]
    rows += school_months(1, "elementary", 2020, 10, 5, months=[4])
    # Comparison elementary schools 11–13 (10 staff) and 14–16 (30 staff).
    # FY2019: 11–13 have 1 over 80 h, 14–16 have 9: pooled (3 + 27) / (30 + 90) = 25 % (not the 20 % mean).
    # FY2020: 11–13 have 1, 14–16 have 6: pooled (3 + 18) / 120 = 17.5 %. Change −7.5 points.
    for s in (11, 12, 13):
        rows += school_months(s, "elementary", 2019, 10, 1)
        rows += school_months(s, "elementary", 2020, 10, 1)
    for s in (14, 15, 16):
        rows += school_months(s, "elementary", 2019, 30, 9)
        rows += school_months(s, "elementary", 2020, 30, 6)
    # School 20 took part already in FY2019: in neither group, whatever its figures.
    rows += school_months(20, "elementary", 2019, 10, 10)
    rows += school_months(20, "elementary", 2020, 10, 0)
    # A junior high school: another type than the adopters, so not compared.
    rows += school_months(30, "junior_high", 2019, 10, 10)
    rows += school_months(30, "junior_high", 2020, 10, 0)
    # School 40 lacks March 2020: without a full year in both years it is left out.
    rows += school_months(40, "elementary", 2019, 10, 10)
    rows += school_months(40, "elementary", 2020, 10, 0, months=FISCAL_MONTHS[:-1])
    return pd.DataFrame(rows)


def test_difference_in_differences_by_hand():
    result = compare_adoption(
        hand_built(), indicator="overtime_80h", adopting={1, 2, 3, 4, 5, 20}, earlier={20}, after_year=2020
    )
    assert result.before_year == 2019
    assert result.school_types == ["elementary"]
    assert result.adopting.schools == 5
    assert result.adopting.before == pytest.approx(30.0)
    assert result.adopting.after == pytest.approx(128 / 12)
    assert result.comparison.schools == 6
    assert result.comparison.before == pytest.approx(25.0)
    assert result.comparison.after == pytest.approx(17.5)
    # (10.666… − 30) − (17.5 − 25) = −19.333… + 7.5 = −11.833…
    assert result.difference == pytest.approx(128 / 12 - 30 + 7.5)
    assert result.left_out_earlier == 1
    assert result.left_out_incomplete == 1


def test_groups_under_five_schools_are_not_shown():
    result = compare_adoption(
        hand_built(), indicator="overtime_80h", adopting={1, 2, 3, 4}, earlier={20}, after_year=2020
    )
    assert result.adopting.schools == 4
    assert not result.adopting.shown
    assert result.adopting.before is None and result.adopting.after is None
    assert result.difference is None
    # School 5 now belongs to the comparison group (with 11–16): 7 schools, shown.
    assert result.comparison.shown and result.comparison.schools == 7


def test_a_comparison_group_under_five_is_not_shown_either():
    frame = hand_built()
    result = compare_adoption(
        frame, indicator="overtime_80h", adopting={1, 2, 3, 4, 5, 11, 12}, earlier={20}, after_year=2020
    )
    assert result.comparison.schools == 4  # 13–16
    assert not result.comparison.shown
    assert result.difference is None
    assert result.adopting.shown


def test_the_minimum_group_size_can_be_set():
    result = compare_adoption(
        hand_built(), indicator="overtime_80h", adopting={1, 2, 3, 4}, after_year=2020, min_schools=4
    )
    assert result.adopting.shown


def test_cumulative_indicator_uses_march():
    rows = []
    for s in range(1, 6):
        rows += school_months(s, "elementary", 2019, 10, 0, leave_10plus=2)
        rows += school_months(s, "elementary", 2020, 10, 0, leave_10plus=2)
    for s in range(6, 11):
        rows += school_months(s, "elementary", 2019, 10, 0, leave_10plus=2)
        rows += school_months(s, "elementary", 2020, 10, 0, leave_10plus=2)
    frame = pd.DataFrame(rows)
    # March 2020 at the adopting schools: 5 of 10 staff with 10+ days (50 %) instead of 20 %.
    march = (frame["fiscal_year"] == 2020) & (frame["month"] == 3) & frame["school_id"].between(1, 5)
    frame.loc[march, "leave_10plus_count"] = 5
    result = compare_adoption(frame, indicator="leave_10plus", adopting={1, 2, 3, 4, 5}, after_year=2020)
    assert result.adopting.before == pytest.approx(20.0)
    assert result.adopting.after == pytest.approx(50.0)
    assert result.difference == pytest.approx(30.0)


def test_stress_scores_are_respondent_weighted():
    rows = []
    for s in range(1, 6):
        rows.append(
            {
                "school_id": s,
                "school_type": "elementary",
                "fiscal_year": 2019,
                "respondents": 10,
                "total_health_risk": 110.0,
                "workload_control": 100.0,
                "support": 100.0,
            }
        )
        rows.append(
            {
                "school_id": s,
                "school_type": "elementary",
                "fiscal_year": 2020,
                "respondents": 10,
                "total_health_risk": 100.0,
                "workload_control": 100.0,
                "support": 100.0,
            }
        )
    for s in range(6, 11):
        # 30 respondents at 120 and 10 at 100 → (3 600 + 1 000) / 40 = 115 in FY2019 at schools 6–7 …
        respondents = 30 if s <= 7 else 10
        rows.append(
            {
                "school_id": s,
                "school_type": "elementary",
                "fiscal_year": 2019,
                "respondents": respondents,
                "total_health_risk": 120.0 if s <= 7 else 100.0,
                "workload_control": 100.0,
                "support": 100.0,
            }
        )
        rows.append(
            {
                "school_id": s,
                "school_type": "elementary",
                "fiscal_year": 2020,
                "respondents": respondents,
                "total_health_risk": 110.0,
                "workload_control": 100.0,
                "support": 100.0,
            }
        )
    result = compare_adoption(
        pd.DataFrame(rows), indicator="stress_total", adopting=range(1, 6), after_year=2020
    )
    # Comparison FY2019: (2 × 30 × 120 + 3 × 10 × 100) / 90 = (7 200 + 3 000) / 90 = 113.33…
    assert result.comparison.before == pytest.approx(10200 / 90)
    assert result.comparison.after == pytest.approx(110.0)
    assert result.adopting.change == pytest.approx(-10.0)
    assert result.difference == pytest.approx(-10.0 - (110.0 - 10200 / 90))


def test_unknown_indicator_is_refused():
    with pytest.raises(ValueError):
        compare_adoption(hand_built(), indicator="nonsense", adopting={1}, after_year=2020)
