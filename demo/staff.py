"""Demo per-staff months consistent with the demo school-months (pure numpy + pandas; no Django).

For each chosen school-month the staff rows give back its counts: the same staff, the same number
over 45, 80 and 100 h and leaving by 19:00, the same leave days since April to 0.1 day and the same
number with 10+ days. Each school keeps one roster per year (`D<school><n>`: pseudonymous, never a
name); heavier workers stay heavier from month to month, so some staff break the 2–6-month average
and the six-months-over-45 cap as real staff do. Where a month's leave cannot be met without taking
leave back from an earlier month, the staff keep what they had and that school-month's leave
differs a little (shown on the reconciliation page, as a real mismatch would be).
"""

import numpy as np
import pandas as pd

from reform.fiscal import FISCAL_MONTHS

COLUMNS = [
    "school_code",
    "staff_code",
    "fiscal_year",
    "month",
    "overtime_hours",
    "weekday_overtime_hours",
    "leave_days",
]
BAND_RANGES = ((5.0, 45.0), (45.25, 80.0), (80.25, 100.0), (100.25, 125.0))  # ≤45, 45–80, 80–100, >100


def _quarter_hours(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.round(rng.uniform(low, high, size) * 4) / 4


def _spread(total: int, room: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`total` units over slots with at most `room` each, at random; whatever does not fit is dropped."""
    given = np.zeros(len(room), dtype=np.int64)
    left = min(int(total), int(room.sum()))
    while left > 0:
        open_slots = np.flatnonzero(given < room)
        weights = rng.random(len(open_slots)) + 0.2
        share = np.floor(weights / weights.sum() * left).astype(np.int64)
        share = np.minimum(share, room[open_slots] - given[open_slots])
        if share.sum() == 0:
            share[rng.integers(len(open_slots))] = 1
        given[open_slots] += share
        left -= int(share.sum())
    return given


def _school_year(school_code: str, months: pd.DataFrame, rng: np.random.Generator) -> list[tuple]:
    """The rows of one school's fiscal year; `months` are its school-months (staff constant in a year)."""
    staff = int(months["staff_count"].max())
    codes = [f"D{school_code}{n:03d}" for n in range(1, staff + 1)]
    intensity = rng.normal(0, 1, staff)
    leave_order = rng.permutation(staff)  # who reaches 10 days first
    since_april = np.zeros(staff, dtype=np.int64)  # tenths of a day
    rows = []
    by_month = {int(r["month"]): r for r in months.to_dict("records")}
    for month in FISCAL_MONTHS:
        record = by_month.get(month)
        if record is None:
            continue
        n = int(record["staff_count"])
        over_45, over_80 = int(record["over_45h_count"]), int(record["over_80h_count"])
        over_100, left_by_19 = int(record["over_100h_count"]), int(record["left_by_19_count"])
        rank = np.argsort(-(intensity[:n] + rng.normal(0, 0.6, n)))  # heaviest first
        hours = np.empty(n)
        bounds = [0, over_100, over_80, over_45, n]
        for band, (low, high) in zip(
            (3, 2, 1, 0), (BAND_RANGES[3], BAND_RANGES[2], BAND_RANGES[1], BAND_RANGES[0]), strict=True
        ):
            chosen = rank[bounds[3 - band] : bounds[4 - band]]
            hours[chosen] = _quarter_hours(rng, low, high, len(chosen))
        weekday = np.minimum(hours, np.round(hours * rng.uniform(0.7, 0.95, n) * 4) / 4)
        heavy = rank[:over_45]  # over 45 h: some of them still left by 19:00 (their extra was weekends)
        early = max(0, left_by_19 - (n - over_45))
        leaving = rng.permutation(heavy)
        weekday[leaving[:early]] = np.minimum(hours[leaving[:early]], _quarter_hours(rng, 30, 45, early))
        late = leaving[early:]
        weekday[late] = np.maximum(45.25, np.round(hours[late] * rng.uniform(0.6, 0.95, len(late)) * 4) / 4)
        weekday = np.minimum(weekday, hours)
        wanted_10 = int(record["leave_10plus_count"])
        total = int(round(float(record["leave_days_total"]) * 10))
        top = leave_order[:wanted_10]
        rest = leave_order[wanted_10:n]
        target = since_april[:n].copy()
        target[top] = np.maximum(target[top], 100)
        left = total - int(target.sum())
        if left > 0:
            room = np.maximum(0, 99 - target[rest])
            extra = _spread(left, room, rng)
            target[rest] += extra
            left -= int(extra.sum())
        if left > 0:
            target[top] += _spread(left, np.full(len(top), 10**6), rng)
        taken = target - since_april[:n]
        since_april[:n] = target
        rows += [
            (school_code, codes[i], int(record["fiscal_year"]), month, hours[i], weekday[i], taken[i] / 10)
            for i in range(n)
        ]
    return rows


def generate(months: pd.DataFrame, *, seed: int = 2020) -> pd.DataFrame:
    """Staff rows for the school-months in `months` (columns school_code, fiscal_year, month,
    staff_count, over_45h_count, over_80h_count, over_100h_count, left_by_19_count,
    leave_days_total, leave_10plus_count). Same input and seed, same rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for (code, _year), group in months.groupby(["school_code", "fiscal_year"], sort=True):
        rows += _school_year(str(code), group, rng)
    return pd.DataFrame.from_records(rows, columns=COLUMNS)
