"""Deterministic demo data reproducing the published FY2019/FY2020 figures.

Pure numpy + pandas (no Django). ``generate()`` returns fictitious schools
("横浜市立デモ第1小学校" ...), their monthly counts and stress-check results.
Computed with ``metrics.aggregation`` and rounded half-up to one decimal, the
data gives back every figure in ``PUBLISHED`` exactly.

How the match is made exact rather than lucky: staff are constant per school
within a year, so a pooled year figure is Σ_t w_t x (type year figure) with
w_t the type's staff share. The type staff totals are solved from the
published "all types" figures of both monthly indicators, and every
type-month numerator is an integer chosen so the type's mean over the year
hits its published figure; numerators are then spread over schools. Leave is split
between types in proportion to staff x a type ratio, within the pooled totals, so each type
draws a line of its own.

Each school-month also has the time it was submitted (70-95 % of schools by the due day, day
``REPORTING_DUE_DAY`` of the following month; the rest days late) and approved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reform.fiscal import FISCAL_MONTHS

SOURCE = "令和２年度 取組状況（横浜市教育委員会）"
EXCLUDING_EVENTS_NOTE = "令和2年3月（一斉臨時休業）を除く"
FISCAL_YEARS = (2019, 2020)

DISTRICTS: list[tuple[str, str, str]] = [
    ("north", "北部方面", "North district"),
    ("south", "南部方面", "South district"),
    ("east", "東部方面", "East district"),
    ("west", "西部方面", "West district"),
]

# code -> (school code prefix, digits, number of schools, staff range, name_ja, name_en)
SCHOOL_TYPE_INFO: dict[str, tuple[str, int, int, tuple[int, int], str, str]] = {
    "elementary": ("E", 3, 340, (25, 45), "小学校", "Elementary School"),
    "junior_high": ("J", 3, 145, (35, 60), "中学校", "Junior High School"),
    "special_needs": ("S", 2, 12, (80, 150), "特別支援学校", "Special Needs School"),
    "high": ("H", 2, 9, (60, 90), "高等学校", "High School"),
}

EVENTS: list[dict] = [
    {
        "label_ja": "一斉臨時休業",
        "label_en": "Nationwide school closure",
        "start_date": dt.date(2020, 3, 2),
        "end_date": dt.date(2020, 3, 31),
        "exclude_from_average": True,
    },
    *(
        {"label_ja": ja, "label_en": en, "start_date": start, "end_date": end, "exclude_from_average": False}
        for ja, en, start, end in [
            ("一斉臨時休業", "School closure", dt.date(2020, 4, 1), dt.date(2020, 5, 31)),
            (
                "段階的な教育活動再開",
                "Gradual restart of school activities",
                dt.date(2020, 6, 1),
                dt.date(2020, 6, 30),
            ),
            (
                "給食・部活動再開",
                "School lunches and clubs restart",
                dt.date(2020, 7, 1),
                dt.date(2020, 7, 31),
            ),
            (
                "例年より短い夏季休業",
                "Shorter summer break than usual",
                dt.date(2020, 8, 3),
                dt.date(2020, 8, 16),
            ),
            (
                "延期されていた行事への対応",
                "Postponed school events held",
                dt.date(2020, 9, 1),
                dt.date(2020, 11, 30),
            ),
            (
                "緊急事態宣言による再度の各活動の制限",
                "State of emergency: activities limited again",
                dt.date(2021, 1, 1),
                dt.date(2021, 3, 31),
            ),
        ]
    ),
]

_TYPES = list(SCHOOL_TYPE_INFO)
_YEAR_FIGURES = {  # indicator -> fiscal year -> group -> published year figure (%)
    "overtime_80h": {
        2020: {"all": 7.6, "elementary": 5.2, "junior_high": 13.9, "special_needs": 0.6, "high": 8.4},
        2019: {"all": 11.6, "elementary": 5.7, "junior_high": 26.3, "special_needs": 1.0, "high": 10.0},
    },
    "left_by_19": {
        2020: {"all": 77.3, "elementary": 75.2, "junior_high": 77.9, "special_needs": 91.1, "high": 82.6},
        2019: {"all": 72.5, "elementary": 71.2, "junior_high": 71.6, "special_needs": 88.5, "high": 71.9},
    },
}
_EXCLUDING_MARCH_2020 = {"overtime_80h": 12.6, "left_by_19": 70.8}
_LEAVE_10PLUS_2020 = [0.3, 1.5, 1.8, 2.1, 6.6, 8.0, 10.3, 13.0, 21.0, 35.3, 38.8, 60.5]
_LEAVE_AVG_DAYS_2020 = 11.8


def _published() -> list[dict]:
    rows: list[dict] = []
    for indicator, years in _YEAR_FIGURES.items():
        for fy, groups in years.items():
            for group, value in groups.items():
                note = ""
                if fy == 2019 and group == "all":
                    note = "3校種（小学校・中学校・特別支援学校）の平均"
                elif fy == 2019 and group == "high":
                    note = "9月～3月"
                rows.append(
                    {
                        "indicator": indicator,
                        "fiscal_year": fy,
                        "group": group,
                        "month": None,
                        "value": value,
                        "note": note,
                        "source": SOURCE,
                    }
                )
        rows.append(
            {
                "indicator": indicator,
                "fiscal_year": 2019,
                "group": "all",
                "month": None,
                "value": _EXCLUDING_MARCH_2020[indicator],
                "note": EXCLUDING_EVENTS_NOTE,
                "source": SOURCE,
            }
        )
    for month, value in zip(FISCAL_MONTHS, _LEAVE_10PLUS_2020, strict=True):
        rows.append(
            {
                "indicator": "leave_10plus",
                "fiscal_year": 2020,
                "group": "all",
                "month": month,
                "value": value,
                "note": f"{month}月末時点",
                "source": SOURCE,
            }
        )
    rows.append(
        {
            "indicator": "leave_avg_days",
            "fiscal_year": 2020,
            "group": "all",
            "month": None,
            "value": _LEAVE_AVG_DAYS_2020,
            "note": "3月末時点",
            "source": SOURCE,
        }
    )
    return rows


PUBLISHED: list[dict] = _published()

# Seasonal shapes in fiscal order (Apr ... Mar). March 2020 is pinned below.
_SHAPE_80H = {
    2019: [1.5, 1.25, 1.2, 1.05, 0.15, 1.1, 1.3, 1.2, 0.9, 0.8, 1.0, 1.0],
    2020: [0.15, 0.2, 1.15, 1.3, 0.55, 1.35, 1.5, 1.4, 1.0, 0.95, 1.0, 1.05],
}
# shape of the share NOT leaving by 19:00
_SHAPE_LATE = {
    2019: [1.3, 1.15, 1.1, 1.0, 0.35, 1.05, 1.2, 1.15, 0.95, 0.9, 1.0, 1.0],
    2020: [0.25, 0.3, 1.1, 1.2, 0.7, 1.25, 1.35, 1.3, 1.0, 0.95, 1.0, 1.05],
}
# March 2020 closure: same share for every type, so the pooled month ignores weights
_MARCH_2020 = {"overtime_80h": 0.6, "late": 100.0 - 91.2}
_LEAVE_10PLUS_2019 = [0.5, 2.0, 2.6, 3.2, 12.0, 14.1, 17.0, 20.2, 30.5, 45.0, 50.2, 68.4]
_LEAVE_DAYS = {
    2019: [0.7, 1.5, 2.1, 2.8, 6.2, 6.7, 7.4, 8.1, 9.6, 11.2, 12.0, 14.0],
    2020: [0.6, 1.3, 1.8, 2.4, 4.6, 5.0, 5.6, 6.2, 7.3, 8.9, 9.5, _LEAVE_AVG_DAYS_2020],
}
# Leave per type relative to the pool. High schools take a little less than the city's teachers
# (a ratio of 1 would draw their line on top of the "all types" line: FY2019 high is not pooled).
_LEAVE_RATIO = {"elementary": 1.06, "junior_high": 0.85, "special_needs": 1.25, "high": 0.88}
_DAYS_RATIO = {"elementary": 1.04, "junior_high": 0.9, "special_needs": 1.15, "high": 0.92}
# Submissions: the share of schools submitting a month by the due day (day REPORTING_DUE_DAY of the
# following month), fiscal order. Lower for April 2020 (the closure), December (due after the
# New Year holidays) and March (due in the first days of the new school year).
REPORTING_DUE_DAY = 10  # metrics ReportingDeadline's default
_ON_TIME_SHARE = {
    2019: [0.86, 0.84, 0.9, 0.89, 0.8, 0.91, 0.92, 0.9, 0.78, 0.87, 0.89, 0.76],
    2020: [0.74, 0.8, 0.86, 0.88, 0.83, 0.9, 0.92, 0.9, 0.79, 0.84, 0.88, 0.81],
}
# Days no one submits or approves: New Year (Dec 29 - Jan 3) and the Golden Week holidays.
_CLOSED_DAYS = [
    *(f"{y}-12-{d}" for y in (2019, 2020) for d in (29, 30, 31)),
    *(f"{y}-01-0{d}" for y in (2020, 2021) for d in (1, 2, 3)),
    *(f"{y}-{md}" for y in (2019, 2020, 2021) for md in ("04-29", "05-03", "05-04", "05-05")),
]
_POOLED_STAFF = {2019: 19800, 2020: 20600}  # "all" pool: 3 types in FY2019, 4 in FY2020
_HIGH_WEIGHT_2020 = 0.033
_HIGH_STAFF_2019 = 675


@dataclass
class DemoData:
    """Demo tables: ``schools``, ``months`` (one row per school-month), ``stress`` (per school-year)."""

    schools: pd.DataFrame
    months: pd.DataFrame
    stress: pd.DataFrame


def _months_of(fy: int, school_type: str) -> list[int]:
    if fy == 2019 and school_type == "high":
        return list(FISCAL_MONTHS[5:])  # high-school data starts September 2019
    return list(FISCAL_MONTHS)


def _type_staff_totals(fy: int) -> dict[str, int]:
    """Type staff totals whose shares make the pooled year figures come out as published."""
    o, late = _YEAR_FIGURES["overtime_80h"][fy], _YEAR_FIGURES["left_by_19"][fy]
    pooled = ["elementary", "junior_high", "special_needs"]
    fixed = {"high": _HIGH_WEIGHT_2020} if fy == 2020 else {}
    rest = 1.0 - sum(fixed.values())
    a = np.array([[1.0] * 3, [o[t] for t in pooled], [late[t] for t in pooled]])
    b = np.array(
        [
            rest,
            o["all"] - sum(w * o[t] for t, w in fixed.items()),
            late["all"] - sum(w * late[t] for t, w in fixed.items()),
        ]
    )
    weights = dict(zip(pooled, np.linalg.solve(a, b), strict=True)) | fixed
    totals = {t: int(round(w * _POOLED_STAFF[fy])) for t, w in weights.items()}
    totals.setdefault("high", _HIGH_STAFF_2019)
    return totals


def _allocate(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Split an integer total proportionally to weights, never above caps (largest remainder)."""
    caps = caps.astype(np.int64)
    if total > caps.sum():
        raise ValueError("total exceeds capacity")
    w = np.where(caps > 0, np.maximum(weights.astype(float), 1e-12), 0.0)
    x = np.zeros(len(w))
    fixed = caps <= 0
    for _ in range(len(w) + 1):
        free = ~fixed
        x[free] = (total - x[fixed].sum()) * w[free] / w[free].sum()
        over = free & (x > caps)
        if not over.any():
            break
        x[over] = caps[over]
        fixed |= over
    n = np.minimum(np.floor(x + 1e-9).astype(np.int64), caps)
    short = total - int(n.sum())
    if short:
        frac = np.where(n < caps, x - n, -np.inf)
        n[np.argsort(-frac, kind="stable")[:short]] += 1
    return n


def _fit_total(raw: np.ndarray, total: int, lo: int, hi: int, rng: np.random.Generator) -> np.ndarray:
    """Integer staff counts within [lo, hi] summing exactly to total."""
    n = np.clip(np.round(raw * total / raw.sum()), lo, hi).astype(np.int64)
    while (diff := total - int(n.sum())) != 0:
        room = np.flatnonzero(n < hi) if diff > 0 else np.flatnonzero(n > lo)
        pick = rng.choice(room, size=min(abs(diff), len(room)), replace=False)
        n[pick] += np.sign(diff)
    return n


def _type_month_counts(
    share_target: float, months: list[int], shape: list[float], staff: int, pinned: dict[int, float]
) -> np.ndarray:
    """Integer numerators per month so mean(count / staff x 100) hits share_target."""
    year_total = int(round(share_target * len(months) * staff / 100))
    counts = np.zeros(len(months), dtype=np.int64)
    free = [i for i, m in enumerate(months) if m not in pinned]
    for i, m in enumerate(months):
        if m in pinned:
            counts[i] = int(round(pinned[m] * staff / 100))
    shape_free = np.array([shape[FISCAL_MONTHS.index(months[i])] for i in free])
    counts[free] = _allocate(year_total - int(counts.sum()), shape_free, np.full(len(free), staff))
    return counts


def _schools(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    district_codes = [d[0] for d in DISTRICTS]
    school_id = 0
    for school_type, (prefix, digits, count, _, name_ja, name_en) in SCHOOL_TYPE_INFO.items():
        districts = rng.permutation(np.arange(count) % len(DISTRICTS))
        for i in range(1, count + 1):
            school_id += 1
            rows.append(
                {
                    "school_id": school_id,
                    "code": f"{prefix}{i:0{digits}d}",
                    "name_ja": f"横浜市立デモ第{i}{name_ja}",
                    "name_en": f"Yokohama Demo {name_en} No. {i}",
                    "school_type": school_type,
                    "district": district_codes[districts[i - 1]],
                }
            )
    return pd.DataFrame(rows)


def _year_type_rows(rng, fy, school_type, schools, staff, type_total) -> pd.DataFrame:
    months = _months_of(fy, school_type)
    n, k = len(schools), len(months)
    pinned_80 = {3: _MARCH_2020["overtime_80h"]} if fy == 2019 else {}
    pinned_late = {3: _MARCH_2020["late"]} if fy == 2019 else {}
    c80 = _type_month_counts(
        _YEAR_FIGURES["overtime_80h"][fy][school_type], months, _SHAPE_80H[fy], type_total, pinned_80
    )
    clate = _type_month_counts(
        100.0 - _YEAR_FIGURES["left_by_19"][fy][school_type], months, _SHAPE_LATE[fy], type_total, pinned_late
    )
    common = rng.normal(size=n)
    f80 = np.exp(0.45 * common + 0.2 * rng.normal(size=n))
    flate = np.exp(0.3 * common + 0.1 * rng.normal(size=n))
    over80 = np.zeros((n, k), dtype=np.int64)
    late = np.zeros((n, k), dtype=np.int64)
    for j in range(k):
        over80[:, j] = _allocate(c80[j], staff * f80 * np.exp(rng.normal(0, 0.15, n)), staff)
        late[:, j] = _allocate(clate[j], staff * flate * np.exp(rng.normal(0, 0.15, n)), staff)
    staff_m = np.repeat(staff[:, None], k, axis=1)
    floor45 = np.maximum(over80, late)
    over45 = floor45 + np.round((staff_m - floor45) * rng.uniform(0.05, 0.35, (n, k))).astype(np.int64)
    over100 = rng.binomial(over80, 0.3)
    return pd.DataFrame(
        {
            "school_id": np.repeat(schools["school_id"].to_numpy(), k),
            "school_code": np.repeat(schools["code"].to_numpy(), k),
            "school_type": school_type,
            "district": np.repeat(schools["district"].to_numpy(), k),
            "fiscal_year": fy,
            "month": np.tile(months, n),
            "staff_count": staff_m.ravel(),
            "over_80h_count": over80.ravel(),
            "left_by_19_count": (staff_m - late).ravel(),
            "over_45h_count": over45.ravel(),
            "over_100h_count": over100.ravel(),
        }
    )


def _leave(
    rng, fy: int, schools: pd.DataFrame, staff: np.ndarray, totals: dict[str, int], pooled: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative leave_10plus and leave_days_total per school (rows) x fiscal month (cols)."""
    ten_path = _LEAVE_10PLUS_2020 if fy == 2020 else _LEAVE_10PLUS_2019
    days_path = _LEAVE_DAYS[fy]
    types = schools["school_type"].to_numpy()
    pooled_staff = sum(totals[t] for t in pooled)
    # type x month cumulative counts: ten (persons) and extra half-days beyond 10 x ten
    ten_t = {t: np.zeros(12, dtype=np.int64) for t in totals}
    extra_t = {t: np.zeros(12, dtype=np.int64) for t in totals}
    prev_ten, prev_extra = 0, 0
    for j in range(12):
        ten = int(round(ten_path[j] * pooled_staff / 100))
        extra = int(round(2 * days_path[j] * pooled_staff)) - 20 * ten
        cur = np.array([ten_t[t][j - 1] if j else 0 for t in pooled])
        cap = np.array([totals[t] for t in pooled]) - cur
        d_ten = _allocate(ten - prev_ten, np.array([totals[t] * _LEAVE_RATIO[t] for t in pooled]), cap)
        d_extra = _allocate(
            extra - prev_extra,
            np.array([totals[t] * _DAYS_RATIO[t] for t in pooled]),
            np.full(len(pooled), 10**9),
        )
        for i, t in enumerate(pooled):
            ten_t[t][j] = cur[i] + d_ten[i]
            extra_t[t][j] = (extra_t[t][j - 1] if j else 0) + d_extra[i]
        prev_ten, prev_extra = ten, extra
    for t in set(totals) - set(pooled):  # not pooled (FY2019 high): own rounding, still monotone
        ten_t[t] = np.round(np.array(ten_path) * _LEAVE_RATIO[t] * totals[t] / 100).astype(np.int64)
        extra_t[t] = (
            np.round(2 * np.array(days_path) * _DAYS_RATIO[t] * totals[t]).astype(np.int64) - 20 * ten_t[t]
        )
    ten_s = np.zeros((len(schools), 12), dtype=np.int64)
    extra_s = np.zeros((len(schools), 12), dtype=np.int64)
    for t in totals:
        idx = np.flatnonzero(types == t)
        f_ten = staff[idx] * np.exp(rng.normal(0, 0.3, len(idx)))
        f_days = staff[idx] * np.exp(rng.normal(0, 0.2, len(idx)))
        for j in range(12):
            prev_s = ten_s[idx, j - 1] if j else np.zeros(len(idx), dtype=np.int64)
            prev_e = extra_s[idx, j - 1] if j else np.zeros(len(idx), dtype=np.int64)
            d_ten = ten_t[t][j] - (ten_t[t][j - 1] if j else 0)
            d_extra = extra_t[t][j] - (extra_t[t][j - 1] if j else 0)
            ten_s[idx, j] = prev_s + _allocate(d_ten, f_ten * (staff[idx] - prev_s), staff[idx] - prev_s)
            extra_s[idx, j] = prev_e + _allocate(d_extra, f_days, np.full(len(idx), 10**9))
    return ten_s, 10.0 * ten_s + extra_s / 2.0


def _stress(
    rng: np.random.Generator, staff_by_year: dict[int, pd.Series], schools: pd.DataFrame
) -> pd.DataFrame:
    n = len(schools)
    offset = (
        schools["school_type"]
        .map({"elementary": 0.0, "junior_high": 3.0, "special_needs": -3.0, "high": -1.0})
        .to_numpy()
    )
    wc19 = rng.normal(106.0, 4.0, n) + offset
    sup19 = rng.normal(98.0, 4.0, n) + offset / 2
    scores = {
        2019: (wc19, sup19),
        2020: (wc19 - rng.normal(3.0, 1.5, n), sup19 - rng.normal(2.5, 1.5, n)),
    }
    frames = []
    for fy, (wc, sup) in scores.items():
        wc, sup = np.round(wc), np.round(sup)
        staff = staff_by_year[fy].to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "school_id": schools["school_id"],
                    "school_code": schools["code"],
                    "school_type": schools["school_type"],
                    "district": schools["district"],
                    "fiscal_year": fy,
                    "respondents": np.round(staff * rng.uniform(0.8, 0.98, n)).astype(np.int64),
                    "total_health_risk": np.round(wc * sup / 100, 2),
                    "workload_control": wc,
                    "support": sup,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _due_date(fy: int, month: int) -> np.datetime64:
    year = fy + (month <= 3)
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return np.datetime64(dt.date(year, month, REPORTING_DUE_DAY))


def _submissions(seed: int, months: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """When each school-month was submitted and approved (naive local date-times, minutes).

    Per month, `_ON_TIME_SHARE` of the schools submit on a working day from the 1st to the due day,
    more of them near the due day; the rest, more often the same schools, one to a dozen working
    days late. The board approves three to ten working days after the submission. A generator of
    its own, so the counts are the same as without the dates.
    """
    rng = np.random.default_rng([seed, 17])
    n = len(months)
    lateness = np.exp(rng.normal(0, 1.2, int(months["school_id"].max()) + 1))  # by school id
    days = np.empty(n, dtype="datetime64[D]")
    for (fy, month), idx in months.groupby(["fiscal_year", "month"]).indices.items():
        due = _due_date(int(fy), int(month))
        first = due - np.timedelta64(REPORTING_DUE_DAY - 1, "D")
        late = np.zeros(len(idx), dtype=bool)
        n_late = int(round((1 - _ON_TIME_SHARE[fy][FISCAL_MONTHS.index(month)]) * len(idx)))
        w = lateness[months["school_id"].to_numpy()[idx]]
        late[rng.choice(len(idx), size=n_late, replace=False, p=w / w.sum())] = True
        open_days = np.busday_count(first, due + 1, holidays=_CLOSED_DAYS)
        weights = np.arange(1, open_days + 1) ** 1.5
        on_day = rng.choice(open_days, size=len(idx), p=weights / weights.sum())
        late_by = np.minimum(rng.geometric(0.3, size=len(idx)), 12)
        offset = np.where(late, open_days - 1 + late_by, on_day)
        days[idx] = np.busday_offset(first, offset, roll="forward", holidays=_CLOSED_DAYS)
    approved = np.busday_offset(days, rng.integers(3, 11, n), roll="forward", holidays=_CLOSED_DAYS)

    def at(day: np.ndarray, first_hour: int, last_hour: int) -> np.ndarray:
        minutes = rng.integers(first_hour * 60, last_hour * 60, n)
        return day.astype("datetime64[m]") + minutes.astype("timedelta64[m]")

    return at(days, 8, 19), at(approved, 9, 18)


def generate(*, seed: int = 2020) -> DemoData:
    """Build the demo tables; the same seed gives the same data.

    ``months`` has one row per school-month: FY2019 high schools September-March
    only, every other type and year April-March. Staff are constant per school
    within a year. Leave columns are cumulative since April. ``submitted_at`` and
    ``approved_at`` are naive date-times in the board's time zone.
    """
    rng = np.random.default_rng(seed)
    schools = _schools(rng)
    base = np.zeros(len(schools))
    for t, (*_, (lo, hi), _, _) in SCHOOL_TYPE_INFO.items():
        mask = (schools["school_type"] == t).to_numpy()
        base[mask] = rng.uniform(lo, hi, mask.sum())
    frames, staff_by_year = [], {}
    for fy in FISCAL_YEARS:
        totals = _type_staff_totals(fy)
        staff = np.zeros(len(schools), dtype=np.int64)
        for t, (*_, (lo, hi), _, _) in SCHOOL_TYPE_INFO.items():
            mask = (schools["school_type"] == t).to_numpy()
            raw = base[mask] * np.exp(rng.normal(0, 0.04, mask.sum()))
            staff[mask] = _fit_total(raw, totals[t], lo, hi, rng)
        staff_by_year[fy] = pd.Series(staff, index=schools.index)
        pooled = [t for t in _TYPES if _months_of(fy, t) == list(FISCAL_MONTHS)]
        ten, days = _leave(rng, fy, schools, staff, totals, pooled)
        for t in _TYPES:
            mask = (schools["school_type"] == t).to_numpy()
            rows = _year_type_rows(rng, fy, t, schools[mask], staff[mask], totals[t])
            cols = [FISCAL_MONTHS.index(m) for m in _months_of(fy, t)]
            rows["leave_days_total"] = days[mask][:, cols].ravel()
            rows["leave_10plus_count"] = ten[mask][:, cols].ravel()
            frames.append(rows)
    months = pd.concat(frames, ignore_index=True)
    order = months["month"].map(lambda m: FISCAL_MONTHS.index(m))
    months = months.assign(_o=order).sort_values(["fiscal_year", "_o", "school_id"]).drop(columns="_o")
    months = months.reset_index(drop=True)
    months["submitted_at"], months["approved_at"] = _submissions(seed, months)
    return DemoData(schools=schools, months=months, stress=_stress(rng, staff_by_year, schools))
