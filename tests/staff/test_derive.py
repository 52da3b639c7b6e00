"""School-month counts derived from staff rows: the pure rules, and the database query that applies them."""

import numpy as np
import pandas as pd
import pytest

from staff import services
from staff.derive import COUNT_FIELDS, differences, school_month_counts


def rows(records):
    return pd.DataFrame.from_records(
        records,
        columns=[
            "school_id",
            "fiscal_year",
            "month",
            "staff_code",
            "overtime_hours",
            "weekday_overtime_hours",
            "leave_days",
        ],
    )


HAND_BUILT = [
    # school 1, April: a 50 h (weekday 40), b 90 h (weekday 60), c 101 h (weekday 45)
    (1, 2020, 4, "a", 50, 40, 6),
    (1, 2020, 4, "b", 90, 60, 1),
    (1, 2020, 4, "c", 101, 45, 0),
    # May: a moves to school 2; b and c stay
    (2, 2020, 5, "a", 30, 30, 4.5),
    (1, 2020, 5, "b", 45, 45, 9),
    (1, 2020, 5, "c", 80, 46, 2),
]


def test_counts_by_hand():
    counts = school_month_counts(rows(HAND_BUILT)).set_index(["school_id", "month"])
    april = counts.loc[(1, 4)]
    # over 45: a, b, c; over 80: b, c; over 100: c; left by 19 (weekday ≤ 45): a, c
    assert [april[f] for f in ("staff_count", "over_45h_count", "over_80h_count", "over_100h_count")] == [
        3,
        3,
        2,
        1,
    ]
    assert april["left_by_19_count"] == 2
    assert april["leave_days_total"] == 7.0 and april["leave_10plus_count"] == 0
    may_1 = counts.loc[(1, 5)]
    # b: 1 + 9 = 10 days since April (10+); c: 0 + 2 = 2; 80 h is not over 80
    assert may_1["leave_days_total"] == 12.0 and may_1["leave_10plus_count"] == 1
    assert may_1["over_80h_count"] == 0 and may_1["left_by_19_count"] == 1
    may_2 = counts.loc[(2, 5)]
    # a's leave follows them to school 2: 6 + 4.5 = 10.5
    assert may_2["leave_days_total"] == 10.5 and may_2["leave_10plus_count"] == 1


def test_differences_ignore_bands_the_principal_left_empty():
    derived = {f: 1 for f in COUNT_FIELDS} | {"leave_days_total": 12.04}
    entered = derived | {"over_45h_count": None, "leave_days_total": 12.0, "over_80h_count": 2}
    assert differences(derived, entered) == [("over_80h_count", 1, 2)]


@pytest.mark.django_db
def test_the_database_derivation_agrees_with_the_pure_rules(school_a, school_b):
    rng = np.random.default_rng(3)
    records = []
    for month in (4, 5, 6, 7, 1, 2, 3):  # across the calendar year's turn, in fiscal order
        for n in range(40):
            school = school_a if n % 3 else school_b
            overtime = round(float(rng.uniform(10, 120)), 2)
            records.append(
                (
                    school.pk,
                    2020,
                    month,
                    f"S{n:03d}",
                    overtime,
                    round(overtime * 0.7, 2),
                    round(float(rng.uniform(0, 3)), 1),
                )
            )
    frame = rows(records)
    from staff.models import StaffMonth

    StaffMonth.objects.bulk_create(StaffMonth(**r) for r in frame.to_dict("records"))
    by_sql = (
        services.derived_for_year(fiscal_year=2020).sort_values(["school_id", "month"]).reset_index(drop=True)
    )
    by_pandas = school_month_counts(frame).sort_values(["school_id", "month"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(by_sql, by_pandas, check_dtype=False)
