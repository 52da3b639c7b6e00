"""The MEXT survey's overtime bands (pure; no Django).

The annual survey (教育委員会における学校の働き方改革のための取組状況調査) asks, by school type
and month, for the share of staff whose monthly overtime was at most 45 h, over 45 up to 80 h,
over 80 up to 100 h, and over 100 h. A school-month's counts give the same four bands:

    ≤ 45 h      staff − over_45h
    45–80 h     over_45h − over_80h
    80–100 h    over_80h − over_100h
    > 100 h     over_100h

Shares are pooled over the group's staff (Σ counts / Σ staff × 100), as every figure of the
dashboard is. A group-month with no staff has no shares (NaN).
"""

import numpy as np
import pandas as pd

BANDS = ("up_to_45", "45_to_80", "80_to_100", "over_100")
ALL = "all"
COUNT_COLUMNS = ["group", "month", "staff_count", *BANDS]


def band_of(hours: float) -> str:
    """The band of one month's overtime: 45.0 h is "up_to_45", 45.25 h is "45_to_80"."""
    if hours <= 45:
        return "up_to_45"
    if hours <= 80:
        return "45_to_80"
    if hours <= 100:
        return "80_to_100"
    return "over_100"


def _with_all(counts: pd.DataFrame) -> pd.DataFrame:
    """Per-type rows plus "all" rows (the sum over types) for each month."""
    if counts.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    overall = counts.groupby("month", sort=False)[["staff_count", *BANDS]].sum().reset_index()
    overall.insert(0, "group", ALL)
    return pd.concat([overall, counts], ignore_index=True)[COUNT_COLUMNS]


def band_counts_from_staff(staff: pd.DataFrame) -> pd.DataFrame:
    """Staff per band for each school type and month (and "all"), from per-staff rows.

    `staff`: columns school_type, month, overtime_hours (one row per staff member and month).
    Returns columns group, month, staff_count and one count per band.
    """
    if staff.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    hours = staff["overtime_hours"].astype("float64")
    bands = np.select([hours <= 45, hours <= 80, hours <= 100], list(BANDS[:3]), default=BANDS[3])
    table = (
        pd.crosstab([staff["school_type"].astype(str), staff["month"].astype(int)], bands)
        .reindex(columns=list(BANDS), fill_value=0)
        .rename_axis(columns=None)
        .reset_index()
        .rename(columns={"school_type": "group"})
    )
    table.insert(2, "staff_count", table[list(BANDS)].sum(axis=1))
    return _with_all(table)


def band_counts_from_months(months: pd.DataFrame) -> pd.DataFrame:
    """Staff per band for each school type and month (and "all"), from school-month counts.

    `months`: columns school_type, month, staff_count, over_45h_count, over_80h_count,
    over_100h_count. School-months missing either optional band (45 h or 100 h) are left out:
    their staff cannot be put in bands.
    """
    given = months.dropna(subset=["over_45h_count", "over_100h_count"])
    if given.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    staff = given["staff_count"].astype("int64")
    over_45 = given["over_45h_count"].astype("int64")
    over_80 = given["over_80h_count"].astype("int64")
    over_100 = given["over_100h_count"].astype("int64")
    rows = pd.DataFrame(
        {
            "group": given["school_type"].astype(str),
            "month": given["month"].astype(int),
            "staff_count": staff,
            "up_to_45": staff - over_45,
            "45_to_80": over_45 - over_80,
            "80_to_100": over_80 - over_100,
            "over_100": over_100,
        }
    )
    summed = rows.groupby(["group", "month"], sort=True)[["staff_count", *BANDS]].sum().reset_index()
    return _with_all(summed)


def band_shares(counts: pd.DataFrame, *, min_staff: int = 1) -> pd.DataFrame:
    """`counts` with a `<band>_pct` column per band (share of the group-month's staff, in %).

    A group-month with fewer than `min_staff` staff (officials: 5) is suppressed: its counts and
    shares become NaN and `suppressed` is True. No staff at all gives NaN shares.
    """
    out = counts.copy()
    staff = out["staff_count"].astype("float64")
    for band in BANDS:
        out[f"{band}_pct"] = (out[band].astype("float64") / staff.where(staff > 0)) * 100
    out["suppressed"] = staff < min_staff
    if out["suppressed"].any():
        cells = ["staff_count", *BANDS, *(f"{b}_pct" for b in BANDS)]
        out[cells] = out[cells].astype("float64").where(~out["suppressed"])
    return out
