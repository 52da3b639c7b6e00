"""The national caps on overtime, per staff member and fiscal year (pure; no Django).

MEXT's guideline under 給特法 (公立学校の教育職員の業務量の適切な管理等に関する指針, 上限指針)
limits 時間外在校等時間, the time at school beyond duty hours, weekends included:

    ordinary limits (原則)
      over_45_month   a month over 45 h                                   月45時間以内
      over_360_year   a year over 360 h                                   年360時間以内
    limits even in special circumstances (特例)
      month_100       a month of 100 h or more (the limit is "under 100") 月100時間未満
      avg_80          an average over 80 h across any 2–6 consecutive     複数月平均80時間以内
                      months
      months_45       more than 6 months over 45 h                        月45時間超は年6か月まで
      over_720_year   a year over 720 h                                   年720時間以内

Hours come as twelve values April → March, None for a month without a record (not yet, on leave,
at another employer). A missing month is not zero: totals add the recorded months (the year so
far), and no 2–6-month window spans a missing month. The windows of the average end in the fiscal
year but may start in the months before April (`previous`), as the guideline counts them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reform.fiscal import FISCAL_MONTHS

RULES = ("over_45_month", "over_360_year", "month_100", "avg_80", "months_45", "over_720_year")
ORDINARY_RULES = ("over_45_month", "over_360_year")
MONTH_LIMIT = 45.0
YEAR_LIMIT = 360.0
HARD_MONTH_LIMIT = 100.0  # a month must stay under this
AVERAGE_LIMIT = 80.0
AVERAGE_WINDOWS = (2, 3, 4, 5, 6)
MONTHS_OVER_45_ALLOWED = 6
HARD_YEAR_LIMIT = 720.0
PREVIOUS_MONTHS = max(AVERAGE_WINDOWS) - 1


@dataclass(frozen=True)
class CapResult:
    """One staff member's year against the caps."""

    total_hours: float
    months_over_45: int
    max_month_hours: float | None
    worst_average: float | None  # the highest mean over 2–6 consecutive recorded months
    worst_window: tuple[int, ...]  # the calendar months of that window, oldest first
    breaches: frozenset[str]


def _months_before_april() -> list[int]:
    return list(FISCAL_MONTHS[-PREVIOUS_MONTHS:])  # Nov … Mar of the previous fiscal year


def cap_result(hours: Sequence[float | None], *, previous: Sequence[float | None] = ()) -> CapResult:
    """The caps a staff member broke in a fiscal year.

    `hours`: twelve monthly figures April → March (None where there is no record).
    `previous`: up to five months just before April (oldest first, the last one is March), used only
    by the 2–6-month average. Example: 90 h in May and 75 h in June break `over_45_month` (twice) and
    `avg_80` (May–June average 82.5 h), not `month_100`.
    """
    if len(hours) != 12:
        raise ValueError("hours must hold twelve months, April to March")
    recorded = [float(h) for h in hours if h is not None]
    total = sum(recorded)
    over_45 = sum(h > MONTH_LIMIT for h in recorded)
    highest = max(recorded) if recorded else None
    previous = list(previous)[-PREVIOUS_MONTHS:]
    timeline = [None] * (PREVIOUS_MONTHS - len(previous)) + previous + list(hours)
    labels = _months_before_april() + list(FISCAL_MONTHS)
    worst, window = None, ()
    for end in range(PREVIOUS_MONTHS, len(timeline)):
        for size in AVERAGE_WINDOWS:
            part = timeline[end - size + 1 : end + 1]
            if any(h is None for h in part):
                continue
            mean = sum(float(h) for h in part) / size
            if worst is None or mean > worst:
                worst, window = mean, tuple(labels[end - size + 1 : end + 1])
    breaches = {
        "over_45_month": over_45 > 0,
        "over_360_year": total > YEAR_LIMIT,
        "month_100": highest is not None and highest >= HARD_MONTH_LIMIT,
        "avg_80": worst is not None and worst > AVERAGE_LIMIT,
        "months_45": over_45 > MONTHS_OVER_45_ALLOWED,
        "over_720_year": total > HARD_YEAR_LIMIT,
    }
    return CapResult(
        total_hours=total,
        months_over_45=over_45,
        max_month_hours=highest,
        worst_average=worst,
        worst_window=window,
        breaches=frozenset(rule for rule, broken in breaches.items() if broken),
    )


def cap_frame(hours: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """`cap_result` for many staff at once (the same rules, vectorised).

    `hours`: one row per staff member (any index), columns the calendar months 4 … 3 (NaN where
    there is no record; missing columns count as missing months). `previous`: the same for the
    previous fiscal year (only its Nov–Mar are read), aligned on the index; rows without it have no
    earlier months. Returns, on the same index: total_hours, months_over_45, max_month_hours,
    worst_average and one boolean column per rule in RULES.
    """
    current = hours.reindex(columns=list(FISCAL_MONTHS)).to_numpy(dtype="float64")
    if previous is None:
        before = np.full((len(hours), PREVIOUS_MONTHS), np.nan)
    else:
        before = previous.reindex(index=hours.index, columns=_months_before_april()).to_numpy(dtype="float64")
    timeline = np.concatenate([before, current], axis=1)
    recorded = ~np.isnan(current)
    total = np.where(recorded, current, 0.0).sum(axis=1)
    over_45 = (np.nan_to_num(current, nan=0.0) > MONTH_LIMIT).sum(axis=1)
    highest = np.where(recorded.any(axis=1), np.nanmax(np.where(recorded, current, -np.inf), axis=1), np.nan)
    worst = np.full(len(hours), np.nan)
    for size in AVERAGE_WINDOWS:
        for end in range(PREVIOUS_MONTHS, timeline.shape[1]):
            mean = timeline[:, end - size + 1 : end + 1].mean(axis=1)  # NaN if any month is missing
            worst = np.fmax(worst, mean)
    out = pd.DataFrame(
        {
            "total_hours": total,
            "months_over_45": over_45,
            "max_month_hours": highest,
            "worst_average": worst,
        },
        index=hours.index,
    )
    out["over_45_month"] = over_45 > 0
    out["over_360_year"] = total > YEAR_LIMIT
    out["month_100"] = np.nan_to_num(highest, nan=0.0) >= HARD_MONTH_LIMIT
    out["avg_80"] = np.nan_to_num(worst, nan=0.0) > AVERAGE_LIMIT
    out["months_45"] = over_45 > MONTHS_OVER_45_ALLOWED
    out["over_720_year"] = total > HARD_YEAR_LIMIT
    return out


def breach_counts(caps: pd.DataFrame, *, group: pd.Series | None = None) -> pd.DataFrame:
    """Staff counted and staff breaking each rule, per value of `group` (aligned on the index of
    `caps`) or over everyone (one row, group "all"). Columns: group, staff_count, then RULES, then
    `any_special` (any of the special-circumstance limits)."""
    special = [r for r in RULES if r not in ORDINARY_RULES]
    flags = caps[list(RULES)].astype("int64")
    flags["any_special"] = caps[special].any(axis=1).astype("int64")
    flags["staff_count"] = 1
    if group is None:
        summed = flags.sum().to_frame().T
        summed.insert(0, "group", "all")
    else:
        summed = flags.groupby(group.reindex(caps.index).astype(str), sort=True).sum().reset_index()
        summed = summed.rename(columns={summed.columns[0]: "group"})
    return summed[["group", "staff_count", *RULES, "any_special"]].reset_index(drop=True)
