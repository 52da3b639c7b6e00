"""The MEXT survey bands: boundaries, counts from staff rows and from school-months, shares, suppression."""

import pandas as pd
import pytest

from staff.bands import band_counts_from_months, band_counts_from_staff, band_of, band_shares


def test_band_boundaries():
    assert [band_of(h) for h in (0, 45, 45.25, 80, 80.25, 100, 100.25)] == [
        "up_to_45",
        "up_to_45",
        "45_to_80",
        "45_to_80",
        "80_to_100",
        "80_to_100",
        "over_100",
    ]


def staff_rows():
    # April: elementary 4 staff (30, 50, 90, 120 h), junior high 1 staff (46 h).
    return pd.DataFrame(
        {
            "school_type": ["elementary"] * 4 + ["junior_high"],
            "month": [4] * 5,
            "overtime_hours": [30, 50, 90, 120, 46],
        }
    )


def test_counts_and_shares_from_staff_rows():
    shares = band_shares(band_counts_from_staff(staff_rows())).set_index("group")
    elementary = shares.loc["elementary"]
    assert elementary["staff_count"] == 4
    assert [elementary[f"{b}_pct"] for b in ("up_to_45", "45_to_80", "80_to_100", "over_100")] == [
        25,
        25,
        25,
        25,
    ]
    overall = shares.loc["all"]  # pooled: 5 staff, two of them 45–80 h
    assert overall["staff_count"] == 5
    assert overall["45_to_80_pct"] == pytest.approx(40.0)
    assert overall["up_to_45_pct"] == pytest.approx(20.0)


def test_school_month_counts_give_the_same_bands():
    months = pd.DataFrame(
        {
            "school_type": ["elementary", "elementary", "junior_high", "elementary"],
            "month": [4, 4, 4, 4],
            "staff_count": [2, 2, 1, 10],
            "over_45h_count": [1, 2, 1, None],  # the last school did not give the bands: left out
            "over_80h_count": [0, 2, 0, 3],
            "over_100h_count": [0, 1, 0, None],
        }
    )
    from_months = band_counts_from_months(months).set_index("group")
    from_staff = band_counts_from_staff(staff_rows()).set_index("group")
    assert from_months.loc[["all", "elementary", "junior_high"]].equals(
        from_staff.loc[["all", "elementary", "junior_high"]]
    )


def test_groups_under_the_minimum_are_suppressed():
    shares = band_shares(band_counts_from_staff(staff_rows()), min_staff=5).set_index("group")
    assert not shares.loc["all", "suppressed"]  # 5 staff: shown
    assert shares.loc["elementary", "suppressed"]  # 4 staff: not shown
    assert pd.isna(shares.loc["elementary", "over_100_pct"]) and pd.isna(shares.loc["elementary", "over_100"])
    assert shares.loc["all", "over_100_pct"] == pytest.approx(20.0)
