"""Adopting and non-adopting schools before and after a measure: a difference in differences.

Pure pandas, no Django. For a measure adopted by some schools in ``after_year``:

- the adopting group is the schools taking part in ``after_year`` that had not taken
  part before (schools that took part earlier were already "treated" in the year
  before, so they are left out of both groups);
- the comparison group is every other school of the school types found among the
  adopting schools (a measure for elementary schools is compared with elementary
  schools only);
- only schools with data all through both years count (a full twelve months for a
  monthly indicator, a stress-check result in each year), so each group holds the
  same schools before and after;
- each group's figure is computed the way the dashboard computes a group's figure
  (staff pooled per month, then the mean over the twelve months; March for the
  cumulative leave indicators; respondent-weighted for stress scores);
- difference in differences = (adopting after − before) − (comparison after − before),
  in the indicator's unit (percentage points for shares).

A group of fewer than ``min_schools`` schools is not shown (its figures are None),
and neither is the difference. The result describes an association between
taking part and the change in the indicator; it does not prove that the measure
caused it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from metrics.aggregation import INDICATORS

MIN_SCHOOLS = 5
STRESS_SCORES = {
    "stress_total": "total_health_risk",
    "stress_workload": "workload_control",
    "stress_support": "support",
}
SUPPORTED_INDICATORS = (*INDICATORS, *STRESS_SCORES)


@dataclass(frozen=True)
class GroupFigures:
    """One group's size and its indicator figure in the year before and the year of adoption."""

    schools: int
    before: float | None
    after: float | None
    shown: bool

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class EffectComparison:
    """The two groups, what was left out of them, and the difference in differences."""

    indicator: str
    before_year: int
    after_year: int
    school_types: list[str]
    adopting: GroupFigures
    comparison: GroupFigures
    left_out_earlier: int  # took part before after_year: in neither group
    left_out_incomplete: int  # no full data in both years
    min_schools: int

    @property
    def difference(self) -> float | None:
        """(adopting after − before) − (comparison after − before); None when a group is not shown."""
        a, c = self.adopting.change, self.comparison.change
        if a is None or c is None:
            return None
        return a - c


def compare_adoption(
    frame: pd.DataFrame,
    *,
    indicator: str,
    adopting: Collection[int],
    earlier: Collection[int] = (),
    after_year: int,
    min_schools: int = MIN_SCHOOLS,
) -> EffectComparison:
    """Compare adopting and non-adopting schools on ``indicator`` in ``after_year - 1`` and ``after_year``.

    ``frame`` is the monthly school-month frame of ``metrics.aggregation`` (columns
    ``school_id, school_type, fiscal_year, month, staff_count`` and the count
    columns) for a monthly indicator (``overtime_80h``, ``left_by_19``,
    ``leave_10plus``, ``leave_avg_days``), or the stress frame (``school_id,
    school_type, fiscal_year, respondents`` and the three scores) for a stress
    indicator (``stress_total``, ``stress_workload``, ``stress_support``).
    ``adopting``: school ids taking part in ``after_year``; ``earlier``: school ids
    that took part in any year before it. Months with zero staff, or school-years
    with no respondents, count as missing. Nothing is rounded.
    """
    if indicator not in SUPPORTED_INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}")
    before_year = after_year - 1
    adopting = {int(s) for s in adopting}
    earlier = {int(s) for s in earlier}
    new_adopters = adopting - earlier
    rows = frame[frame["fiscal_year"].isin([before_year, after_year])]
    if indicator in STRESS_SCORES:
        rows, complete = _stress_rows(rows, STRESS_SCORES[indicator])
    else:
        rows, complete = _month_rows(rows, INDICATORS[indicator].numerator)
    type_of = rows.drop_duplicates("school_id").set_index("school_id")["school_type"]
    types = sorted({str(type_of[s]) for s in new_adopters if s in type_of.index})
    candidates = {int(s) for s, t in type_of.items() if t in types} | new_adopters
    candidates -= earlier
    left_out_earlier = len({int(s) for s, t in type_of.items() if t in types} & earlier)
    groups = {
        "adopting": new_adopters & complete,
        "comparison": (candidates - new_adopters) & complete,
    }
    figures = {}
    for name, ids in groups.items():
        shown = len(ids) >= min_schools
        values = {}
        if shown:
            group_rows = rows[rows["school_id"].isin(ids)]
            for year in (before_year, after_year):
                year_rows = group_rows[group_rows["fiscal_year"] == year]
                if indicator in STRESS_SCORES:
                    values[year] = _stress_value(year_rows, STRESS_SCORES[indicator])
                else:
                    values[year] = _month_value(year_rows, indicator)
        figures[name] = GroupFigures(
            schools=len(ids), before=values.get(before_year), after=values.get(after_year), shown=shown
        )
    return EffectComparison(
        indicator=indicator,
        before_year=before_year,
        after_year=after_year,
        school_types=types,
        adopting=figures["adopting"],
        comparison=figures["comparison"],
        left_out_earlier=left_out_earlier,
        left_out_incomplete=len(candidates - complete),
        min_schools=min_schools,
    )


def _month_rows(rows: pd.DataFrame, numerator: str) -> tuple[pd.DataFrame, set[int]]:
    """Rows with staff and a value, and the schools that have all twelve months in both years."""
    staff = pd.to_numeric(rows["staff_count"], errors="coerce").fillna(0)
    rows = rows[(staff > 0) & pd.to_numeric(rows[numerator], errors="coerce").notna()]
    months = rows.groupby(["school_id", "fiscal_year"])["month"].nunique()
    full = months[months == 12].reset_index()
    per_school = full.groupby("school_id")["fiscal_year"].nunique()
    return rows, {int(s) for s in per_school.index[per_school == 2]}


def _month_value(rows: pd.DataFrame, indicator: str) -> float:
    """Staff pooled per month; the mean over the months, or March for a cumulative indicator."""
    spec = INDICATORS[indicator]
    per_month = rows.groupby("month")[[spec.numerator, "staff_count"]].sum()
    values = per_month[spec.numerator].astype(float) / per_month["staff_count"].astype(float) * spec.scale
    if spec.cumulative:
        return float(values.loc[3])
    return float(values.mean())


def _stress_rows(rows: pd.DataFrame, score: str) -> tuple[pd.DataFrame, set[int]]:
    """School-years with respondents and a score, and the schools that have both years."""
    respondents = pd.to_numeric(rows["respondents"], errors="coerce").fillna(0)
    rows = rows[(respondents > 0) & pd.to_numeric(rows[score], errors="coerce").notna()]
    per_school = rows.groupby("school_id")["fiscal_year"].nunique()
    return rows, {int(s) for s in per_school.index[per_school == 2]}


def _stress_value(rows: pd.DataFrame, score: str) -> float:
    """Respondent-weighted mean score."""
    weights = rows["respondents"].astype(float)
    return float((rows[score].astype(float) * weights).sum() / weights.sum())
