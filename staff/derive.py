"""A school-month's counts derived from its staff's rows (pure; no Django).

For each school and month of a fiscal year, over the staff with a row there:

    staff_count          staff with a row
    over_45h_count       overtime > 45 h
    over_80h_count       overtime > 80 h                       (indicator ①)
    over_100h_count      overtime > 100 h
    left_by_19_count     weekday overtime ≤ 45 h (left by 19:00 on 20 school days; indicator ②)
    leave_days_total     Σ each one's leave days since April (cumulative)
    leave_10plus_count   staff with 10 or more leave days since April    (indicator ④)

A staff member's leave since April adds their rows of the fiscal year up to the month, whichever
school they were at (leave follows the person); a month with no row adds nothing.
"""

import pandas as pd

from metrics.models import MonthlyReport
from reform.fiscal import fiscal_position

# The school-month's values, all derived from its staff rows.
COUNT_FIELDS = MonthlyReport.VALUE_FIELDS
KEY = ["school_id", "fiscal_year", "month"]
LEFT_BY_19_HOURS = 45
LEAVE_DAYS_WANTED = 10


def school_month_counts(staff: pd.DataFrame) -> pd.DataFrame:
    """Counts per school-month from per-staff rows.

    `staff`: columns school_id, fiscal_year, month, staff_code, overtime_hours,
    weekday_overtime_hours, leave_days (the month's leave, not cumulative). Returns one row per
    school-month present, columns KEY + COUNT_FIELDS; leave_days_total is rounded to 0.1 day.
    """
    if staff.empty:
        return pd.DataFrame(columns=KEY + list(COUNT_FIELDS))
    rows = staff.assign(
        position=staff["month"].map(fiscal_position),
        overtime=staff["overtime_hours"].astype("float64"),
        weekday=staff["weekday_overtime_hours"].astype("float64"),
        leave=staff["leave_days"].astype("float64"),
    ).sort_values(["fiscal_year", "staff_code", "position"])
    rows["leave_since_april"] = rows.groupby(["fiscal_year", "staff_code"], sort=False)["leave"].cumsum()
    flags = pd.DataFrame(
        {
            "school_id": rows["school_id"],
            "fiscal_year": rows["fiscal_year"],
            "month": rows["month"],
            "staff_count": 1,
            "over_80h_count": rows["overtime"] > 80,
            "left_by_19_count": rows["weekday"] <= LEFT_BY_19_HOURS,
            "over_45h_count": rows["overtime"] > 45,
            "over_100h_count": rows["overtime"] > 100,
            "leave_days_total": rows["leave_since_april"],
            "leave_10plus_count": rows["leave_since_april"] >= LEAVE_DAYS_WANTED,
        }
    )
    counts = flags.groupby(KEY, sort=True).sum().reset_index()
    for name in COUNT_FIELDS:
        if name != "leave_days_total":
            counts[name] = counts[name].astype("int64")
    counts["leave_days_total"] = counts["leave_days_total"].round(1)
    return counts[KEY + list(COUNT_FIELDS)]


def differences(derived: dict, entered: dict) -> list[tuple[str, object, object]]:
    """(field, derived, entered) for each count that differs; an empty optional band (None) in the
    entered month is not a difference. Leave days compare to 0.1 day."""
    found = []
    for name in COUNT_FIELDS:
        mine, theirs = derived.get(name), entered.get(name)
        if theirs is None and name in ("over_45h_count", "over_100h_count"):
            continue
        if name == "leave_days_total":
            same = theirs is not None and round(float(mine), 1) == round(float(theirs), 1)
        else:
            same = theirs is not None and int(mine) == int(theirs)
        if not same:
            found.append((name, mine, theirs))
    return found
