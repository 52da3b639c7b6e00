"""Database rows → DataFrames → aggregation → plain data for pages, commands and exports."""

from decimal import Decimal

import pandas as pd
from django.db import connections

from metrics import aggregation
from metrics.models import Event, Indicator, MonthlyReport, PublishedFigure, StressCheckResult, Target

# School-months that count in the figures: a principal's draft, or one the board
# returned, is not yet part of the city's numbers.

MONTH_COLUMNS = {
    "school_id": "school_id",
    "school__school_type__code": "school_type",
    "school__district__code": "district",
    "fiscal_year": "fiscal_year",
    "month": "month",
    **{name: name for name in MonthlyReport.VALUE_FIELDS},
}
STRESS_COLUMNS = {
    "school_id": "school_id",
    "school__school_type__code": "school_type",
    "school__district__code": "district",
    "fiscal_year": "fiscal_year",
    "respondents": "respondents",
    "total_health_risk": "total_health_risk",
    "workload_control": "workload_control",
    "support": "support",
}
STRESS_INDICATORS = {
    "stress_total": "total_health_risk",
    "stress_workload": "workload_control",
    "stress_support": "support",
}


def _frame(queryset, columns: dict) -> pd.DataFrame:
    """Rows of `queryset` as a DataFrame, read with one raw cursor (no model or Decimal objects)."""
    sql, params = queryset.values_list(*columns).query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=list(columns.values()))


def months_frame(*, fiscal_years=None, queryset=None) -> pd.DataFrame:
    """Counted school-months (all schools unless `queryset` narrows them) as an aggregation input."""
    qs = MonthlyReport.objects.all() if queryset is None else queryset
    qs = qs.filter(status__in=MonthlyReport.COUNTED_STATUSES)
    if fiscal_years is not None:
        qs = qs.filter(fiscal_year__in=list(fiscal_years))
    df = _frame(qs, MONTH_COLUMNS)
    for col in ("leave_days_total", "over_45h_count", "over_100h_count"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def stress_frame(*, fiscal_years=None, district: str | None = None) -> pd.DataFrame:
    qs = StressCheckResult.objects.all()
    if district:
        qs = qs.filter(school__district__code=district)
    if fiscal_years is not None:
        qs = qs.filter(fiscal_year__in=list(fiscal_years))
    df = _frame(qs, STRESS_COLUMNS)
    for col in STRESS_INDICATORS.values():
        df[col] = pd.to_numeric(df[col]).astype("float64")
    return df


def excluded_months() -> frozenset[tuple[int, int]]:
    """(fiscal year, month) pairs of events flagged to be left out of the year's average."""
    return frozenset(
        pair for event in Event.objects.filter(exclude_from_average=True) for pair in event.fiscal_months()
    )


def targets_for(fiscal_year: int) -> dict[str, Decimal]:
    """Each indicator's target in force in `fiscal_year` (the latest set on or before it)."""
    found = {}
    for target in Target.objects.filter(fiscal_year__lte=fiscal_year).select_related("indicator"):
        found[target.indicator.code] = target  # ordered by fiscal year: the latest wins
    return {code: t.value for code, t in found.items()}


def _round(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return aggregation.round_half_up(float(value), 1)


def _published_year_figures(fiscal_year: int) -> dict[tuple[str, str, bool], PublishedFigure]:
    figures = PublishedFigure.objects.filter(fiscal_year=fiscal_year, month__isnull=True).select_related(
        "indicator"
    )
    return {(f.indicator.code, f.group, f.excluding_events): f for f in figures}


def _comparable(months, code, types, other_year, excluded) -> dict | None:
    """The "all" figure restricted to the types present all through `other_year` too."""
    figures = aggregation.year_figures(months, indicator=code, types=types, excluded_months=excluded)
    if figures.empty:
        return None
    fig = figures.iloc[0]
    return {
        "types": types,
        "compared_with": other_year,
        "value": _round(fig["value"]),
        "value_excluding_events": _round(fig["value_excluding_events"]),
    }


def indicator_summary(*, fiscal_year: int) -> list[dict]:
    """Each indicator's year figure for all types and each type, with target and whether it is met.

    Figures come from the school-months where they exist; a published figure is
    shown for a group with no data (source "published") and beside a computed one
    otherwise (`published`), never in its place.
    """
    indicators = {i.code: i for i in Indicator.objects.all()}
    targets = targets_for(fiscal_year)
    published = _published_year_figures(fiscal_year)
    both_years = months_frame(fiscal_years=[fiscal_year, fiscal_year - 1])
    months = both_years[both_years["fiscal_year"] == fiscal_year]
    comparable_types = aggregation.common_full_year_types(
        both_years, fiscal_years=[fiscal_year, fiscal_year - 1]
    )
    excluded = excluded_months()
    rows = []
    for code in aggregation.INDICATORS:
        figures = pd.concat(
            [
                aggregation.year_figures(months, indicator=code, excluded_months=excluded),
                aggregation.year_figures(
                    months, indicator=code, group_by="school_type", excluded_months=excluded
                ),
            ]
        )
        for fig in figures.to_dict("records"):
            months_covered = fig["months"]
            if aggregation.INDICATORS[code].cumulative and not pd.isna(fig["as_of_month"]):
                months_covered = [int(fig["as_of_month"])]
            rows.append(
                {
                    "indicator": code,
                    "fiscal_year": fiscal_year,
                    "group": fig["group"],
                    "value": _round(fig["value"]),
                    "months": months_covered,
                    "full_year": bool(fig["full_year"]),
                    "types": fig["types"] if fig["group"] == aggregation.ALL else [fig["group"]],
                    "value_excluding_events": _round(fig["value_excluding_events"]),
                    "months_excluding_events": fig["months_excluding_events"],
                    "source": "data",
                }
            )
            if fig["group"] == aggregation.ALL and comparable_types and comparable_types != fig["types"]:
                rows[-1]["comparable"] = _comparable(
                    months, code, comparable_types, fiscal_year - 1, excluded
                )
    stress = aggregation.stress_scores(stress_frame(fiscal_years=[fiscal_year]))
    stress_by_type = aggregation.stress_scores(
        stress_frame(fiscal_years=[fiscal_year]), group_by="school_type"
    )
    for fig in pd.concat([stress, stress_by_type]).to_dict("records"):
        for code, column in STRESS_INDICATORS.items():
            rows.append(
                {
                    "indicator": code,
                    "fiscal_year": fiscal_year,
                    "group": fig["group"],
                    "value": _round(fig[column]),
                    "months": [],
                    "full_year": True,
                    "types": [],
                    "value_excluding_events": None,
                    "months_excluding_events": None,
                    "respondents": int(fig["respondents"]),
                    "source": "data",
                }
            )
    seen = {(r["indicator"], r["group"]) for r in rows}
    for (code, group, excluding_events), fig in published.items():
        if (code, group) not in seen and not excluding_events:
            rows.append(
                {
                    "indicator": code,
                    "fiscal_year": fiscal_year,
                    "group": group,
                    "value": float(fig.value),
                    "months": [],
                    "full_year": None,
                    "types": [],
                    "value_excluding_events": None,
                    "months_excluding_events": None,
                    "source": "published",
                    "note": fig.note,
                }
            )
    for row in rows:
        indicator = indicators[row["indicator"]]
        target = targets.get(row["indicator"])
        row["target"] = float(target) if target is not None else None
        row["met"] = indicator.meets(row["value"], target)
        pub = published.get((row["indicator"], row["group"], False))
        row["published"] = float(pub.value) if pub is not None else None
        pub = published.get((row["indicator"], row["group"], True))
        row["published_excluding_events"] = float(pub.value) if pub is not None else None
    order = {code: i.order for code, i in indicators.items()}
    rows.sort(key=lambda r: (order[r["indicator"]], r["group"] != aggregation.ALL))
    return rows
