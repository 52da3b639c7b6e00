"""Pure pandas arithmetic for the reform indicators (no Django imports).

Inputs are plain DataFrames:

``months``: one row per school-month with columns ``school_id``, ``school_type``,
``district``, ``fiscal_year`` (FY2020 = April 2020 - March 2021), ``month``
(calendar month 1-12), ``staff_count``, ``over_80h_count``, ``left_by_19_count``,
``over_45h_count`` / ``over_100h_count`` (nullable), ``leave_days_total`` and
``leave_10plus_count`` (both cumulative since April).

``stress``: one row per school-year with ``school_id``, ``school_type``,
``district``, ``fiscal_year``, ``respondents``, ``total_health_risk``,
``workload_control``, ``support``.

Shares are pooled (sum of numerators / sum of staff over the group's schools),
never averages of school percentages. Nothing is rounded here: callers round for
display (``round_half_up``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from reform.fiscal import fiscal_position

SCHOOL_TYPES: list[str] = ["elementary", "junior_high", "special_needs", "high"]
GROUP_BY_CHOICES: tuple[str | None, ...] = (None, "school_type", "district", "school_id")
ALL = "all"

MONTH_COLUMNS = ["fiscal_year", "group", "month", "numerator", "denominator", "value"]
YEAR_COLUMNS = [
    "fiscal_year",
    "group",
    "value",
    "months",
    "full_year",
    "as_of_month",
    "types",
    "value_excluding_events",
    "months_excluding_events",
]
STRESS_SCORES = ["total_health_risk", "workload_control", "support"]
STRESS_COLUMNS = ["fiscal_year", "group", "schools", "respondents", *STRESS_SCORES]


@dataclass(frozen=True)
class IndicatorSpec:
    """How a monthly indicator is computed from the count columns.

    ``unit`` is ``"pct"`` (numerator / staff x 100) or ``"days"`` (numerator /
    staff, e.g. average leave days). ``cumulative`` indicators accumulate since
    April, so their year figure is the March-end value, not a mean.
    """

    code: str
    numerator: str
    unit: str
    cumulative: bool
    label_ja: str = ""
    label_en: str = ""

    @property
    def scale(self) -> float:
        return 100.0 if self.unit == "pct" else 1.0


INDICATORS: dict[str, IndicatorSpec] = {
    spec.code: spec
    for spec in (
        IndicatorSpec(
            "overtime_80h",
            "over_80h_count",
            "pct",
            False,
            "時間外勤務80時間超の教職員の割合",
            "Share of staff with over 80 h overtime",
        ),
        IndicatorSpec(
            "left_by_19",
            "left_by_19_count",
            "pct",
            False,
            "19時までに退勤する教職員の割合",
            "Share of staff leaving by 19:00",
        ),
        IndicatorSpec(
            "leave_10plus",
            "leave_10plus_count",
            "pct",
            True,
            "年休10日以上取得者の割合",
            "Share of staff with 10+ days of annual leave",
        ),
        IndicatorSpec(
            "leave_avg_days",
            "leave_days_total",
            "days",
            True,
            "年休の平均取得日数",
            "Average annual leave days taken",
        ),
    )
}


# --- small helpers -----------------------------------------------------------


def round_half_up(value: float | None, ndigits: int = 1) -> float | None:
    """Round for display the way the board publishes (half up); None/NaN -> None."""
    if value is None or pd.isna(value):
        return None
    quantum = Decimal(1).scaleb(-ndigits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def _spec(indicator: str | IndicatorSpec) -> IndicatorSpec:
    if isinstance(indicator, IndicatorSpec):
        return indicator
    try:
        return INDICATORS[indicator]
    except KeyError:
        raise ValueError(f"unknown indicator {indicator!r}") from None


def _type_sort_key(code: str) -> tuple[int, str]:
    return (SCHOOL_TYPES.index(code), "") if code in SCHOOL_TYPES else (len(SCHOOL_TYPES), code)


def _ordered_types(codes: Iterable[str]) -> list[str]:
    return sorted({str(c) for c in codes}, key=_type_sort_key)


def _group_sort_key(code: str) -> tuple:
    if code == ALL:
        return (0, 0, "")
    if code in SCHOOL_TYPES:
        return (1, SCHOOL_TYPES.index(code), "")
    if code.isdigit():
        return (2, int(code), "")
    return (3, 0, code)


def _check_group_by(group_by: str | None) -> None:
    if group_by not in GROUP_BY_CHOICES:
        raise ValueError(f"group_by must be one of {GROUP_BY_CHOICES}, got {group_by!r}")


# --- coverage ------------------------------------------------------------------


def _staffed(months: pd.DataFrame) -> pd.DataFrame:
    return months[pd.to_numeric(months["staff_count"], errors="coerce").fillna(0) > 0]


def full_year_types(months: pd.DataFrame, *, fiscal_year: int) -> list[str]:
    """School types with data in every month that has data in ``fiscal_year``.

    A month "has data" for a type when the type's schools report staff in it
    (rows with zero staff do not count). These are the types "all" pools by
    default: a type that joined mid-year (high schools from September 2019)
    is left out of that year's "all". Returned in the canonical type order.
    """
    rows = _staffed(months[months["fiscal_year"] == fiscal_year])
    if rows.empty:
        return []
    # A type's months are a subset of the year's, so equal counts mean full coverage.
    per_type = rows.groupby("school_type")["month"].nunique()
    return _ordered_types(per_type.index[per_type == rows["month"].nunique()])


def common_full_year_types(months: pd.DataFrame, *, fiscal_years: Iterable[int]) -> list[str]:
    """Types with full coverage in each of ``fiscal_years``: the comparable basis.

    E.g. FY2019 and FY2020 -> the three types present all through FY2019.
    """
    sets = [set(full_year_types(months, fiscal_year=fy)) for fy in fiscal_years]
    return _ordered_types(set.intersection(*sets)) if sets else []


def _select(months: pd.DataFrame, group_by: str | None, types: Collection[str] | None) -> pd.DataFrame:
    """Rows entering the computation, with a str ``group`` column added."""
    if types is not None:
        rows = months[months["school_type"].isin(list(types))]
    elif group_by is None:
        keep = [
            g[g["school_type"].isin(full_year_types(g, fiscal_year=fy))]
            for fy, g in months.groupby("fiscal_year", sort=True)
        ]
        rows = pd.concat(keep) if keep else months.iloc[0:0]
    else:
        rows = months
    group = ALL if group_by is None else rows[group_by].astype(str)
    return rows.assign(group=group)


# --- monthly and yearly indicator values ------------------------------------------


def monthly_values(
    months: pd.DataFrame,
    *,
    indicator: str | IndicatorSpec,
    group_by: str | None = None,
    types: Collection[str] | None = None,
) -> pd.DataFrame:
    """Pooled monthly value of an indicator per fiscal year, group and month.

    Returns columns ``fiscal_year, group, month, numerator, denominator, value``,
    sorted by year, group and fiscal month (April first). ``numerator`` is the
    summed indicator column, ``denominator`` the summed ``staff_count``;
    ``value`` = numerator / denominator x 100 for "pct" indicators (a percentage)
    or numerator / denominator for "days".

    Grouping: ``group_by`` None gives one group "all"; otherwise "school_type",
    "district" or "school_id" and ``group`` holds that code as str.
    With ``group_by`` None and ``types`` None, "all" pools per fiscal year only
    the full-year types (``full_year_types``). An explicit ``types`` pools (or,
    with a ``group_by``, filters to) exactly those types.

    Edge cases: months without rows are absent; a group-month whose staff total
    is 0 is kept with value NaN (no value, not zero). Rows whose numerator is
    null (optional bands) are left out of both numerator and denominator.
    """
    spec = _spec(indicator)
    _check_group_by(group_by)
    rows = _select(months, group_by, types)
    num = pd.to_numeric(rows[spec.numerator], errors="coerce").astype("float64")
    den = pd.to_numeric(rows["staff_count"], errors="coerce").fillna(0).astype("float64")
    work = pd.DataFrame(
        {
            "fiscal_year": rows["fiscal_year"].astype(int),
            "group": rows["group"],
            "month": rows["month"].astype(int),
            "numerator": num,
            "denominator": den,
        }
    )[num.notna()]
    if work.empty:
        return pd.DataFrame(columns=MONTH_COLUMNS)
    out = work.groupby(["fiscal_year", "group", "month"], as_index=False)[["numerator", "denominator"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["numerator"] / out["denominator"] * spec.scale
    out["value"] = ratio.where(out["denominator"] > 0)
    out["denominator"] = out["denominator"].astype("int64")
    if spec.unit == "pct":
        out["numerator"] = out["numerator"].round().astype("int64")
    out = _sort(out, with_month=True)
    return out[MONTH_COLUMNS]


def _sort(df: pd.DataFrame, *, with_month: bool) -> pd.DataFrame:
    keys = {g: _group_sort_key(g) for g in df["group"].unique()}
    years = df["fiscal_year"].tolist()
    groups = df["group"].tolist()
    months = df["month"].map(fiscal_position).tolist() if with_month else [0] * len(df)
    order = sorted(range(len(df)), key=lambda i: (years[i], keys[groups[i]], months[i]))
    return df.iloc[order].reset_index(drop=True)


def year_figures(
    months: pd.DataFrame,
    *,
    indicator: str | IndicatorSpec,
    group_by: str | None = None,
    types: Collection[str] | None = None,
    excluded_months: Collection[tuple[int, int]] = frozenset(),
    monthly: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The year's figure per fiscal year and group.

    Non-cumulative indicators: ``value`` = mean of the group's monthly values
    (``monthly_values``) over the months that have a value; ``months`` lists
    them in fiscal order (e.g. [9, 10, 11, 12, 1, 2, 3]) and ``full_year`` says
    whether all twelve are there. ``value_excluding_events`` is the same mean
    without the ``excluded_months`` ((fiscal_year, month) pairs) of that year,
    with its ``months_excluding_events``; both are NaN/None when no excluded
    month falls in the group's data for the year (NaN too if nothing is left).

    Cumulative indicators (leave): ``value`` is the March-end value; if March
    has no value, the last month with a value, named by ``as_of_month``
    (``full_year`` is then False). Event exclusion does not apply to them.

    ``types`` lists the school types pooled into the group (for "all", the
    full-year types, or the explicit ``types``). Groups with no month with a
    value are absent. Grouping and ``types`` are as in ``monthly_values``;
    ``monthly`` may pass that function's result for the same arguments when the
    caller already has it.
    """
    spec = _spec(indicator)
    if monthly is None:
        monthly = monthly_values(months, indicator=spec, group_by=group_by, types=types)
    monthly = monthly[monthly["value"].notna()]
    if monthly.empty:
        return pd.DataFrame(columns=YEAR_COLUMNS)
    pooled_types = _types_per_group(months, group_by=group_by, types=types, numerator=spec.numerator)
    excluded = {(int(fy), int(m)) for fy, m in excluded_months}
    records = []
    for (fy, group), g in monthly.groupby(["fiscal_year", "group"], sort=False):
        month_list = [int(m) for m in g["month"]]
        values = dict(zip(month_list, g["value"].astype(float), strict=True))
        record = {
            "fiscal_year": int(fy),
            "group": group,
            "months": month_list,
            "types": pooled_types.get((int(fy), group), []),
            "value_excluding_events": np.nan,
            "months_excluding_events": None,
            "as_of_month": pd.NA,
        }
        if spec.cumulative:
            as_of = 3 if 3 in values else month_list[-1]
            record.update(value=values[as_of], as_of_month=as_of, full_year=as_of == 3)
        else:
            record.update(value=float(np.mean(list(values.values()))), full_year=len(values) == 12)
            dropped = {m for m in month_list if (int(fy), m) in excluded}
            if dropped:
                kept = [m for m in month_list if m not in dropped]
                record["months_excluding_events"] = kept
                record["value_excluding_events"] = (
                    float(np.mean([values[m] for m in kept])) if kept else np.nan
                )
        records.append(record)
    out = pd.DataFrame.from_records(records)
    out["value_excluding_events"] = out["value_excluding_events"].astype("float64")
    out["as_of_month"] = out["as_of_month"].astype("Int64")
    return out[YEAR_COLUMNS]


def _types_per_group(
    months: pd.DataFrame, *, group_by: str | None, types: Collection[str] | None, numerator: str
) -> dict[tuple[int, str], list[str]]:
    rows = _staffed(_select(months, group_by, types))
    rows = rows[rows[numerator].notna()]
    per = rows.groupby(["fiscal_year", "group"])["school_type"].agg(_ordered_types)
    return {(int(fy), str(g)): list(v) for (fy, g), v in per.items()}


# --- stress check ---------------------------------------------------------------------


def stress_scores(
    stress: pd.DataFrame,
    *,
    group_by: str | None = None,
    types: Collection[str] | None = None,
) -> pd.DataFrame:
    """Respondent-weighted mean stress scores per fiscal year and group.

    Returns ``fiscal_year, group, schools, respondents, total_health_risk,
    workload_control, support`` (national average = 100; higher = more stress).
    Each score is Σ(score x respondents) / Σ respondents over the group's
    schools. Rows with 0 or missing respondents, or a missing score, are
    ignored (a score missing only ignores the row for the whole group-year);
    a group with no respondents is absent. "all" pools every type given
    (stress checks are yearly, so there is no partial-year exclusion);
    ``types`` restricts the rows first.
    """
    _check_group_by(group_by)
    rows = stress if types is None else stress[stress["school_type"].isin(list(types))]
    resp = pd.to_numeric(rows["respondents"], errors="coerce").fillna(0).astype("float64")
    scores = rows[STRESS_SCORES].apply(pd.to_numeric, errors="coerce").astype("float64")
    ok = (resp > 0) & scores.notna().all(axis=1)
    if not ok.any():
        return pd.DataFrame(columns=STRESS_COLUMNS)
    work = scores[ok].mul(resp[ok], axis=0)
    work["respondents"] = resp[ok]
    work["fiscal_year"] = rows.loc[ok, "fiscal_year"].astype(int)
    work["group"] = ALL if group_by is None else rows.loc[ok, group_by].astype(str)
    work["schools"] = 1
    out = work.groupby(["fiscal_year", "group"], as_index=False)[
        [*STRESS_SCORES, "respondents", "schools"]
    ].sum()
    for col in STRESS_SCORES:
        out[col] = out[col] / out["respondents"]
    out["respondents"] = out["respondents"].round().astype("int64")
    return _sort(out, with_month=False)[STRESS_COLUMNS]
