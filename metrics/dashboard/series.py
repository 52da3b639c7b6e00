"""An indicator's series for the API: monthly values with numerators and denominators, year figures.

The numbers come from `metrics.aggregation`, as on the pages. Pooled groups (all, school type,
district) are computed from the monthly rollups (`rollups.pooled_frame`, a few thousand rows a
year at national size); per-school groups from the school-months of the requested schools only.
"""

import math

import pandas as pd

from metrics import aggregation, disclosure, rollups, services
from metrics.models import MonthlyReport, PublishedFigure

GROUPINGS = {"all": None, "school_type": "school_type", "district": "district", "school": "school_id"}


def _plain(value):
    """JSON-safe scalars: NaN/NA -> None, numpy numbers -> int/float."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def indicator_series(
    *,
    indicator: str,
    fiscal_years: list[int],
    grouping: str = "all",
    types: list[str] | None = None,
    school_ids: list[int] | None = None,
    audience: disclosure.Audience = disclosure.BOARD_AUDIENCE,
) -> dict:
    """`indicator`'s monthly values and year figures for `fiscal_years`, grouped by `grouping`.

    `grouping` is "all", "school_type", "district" or "school" (then only `school_ids`, which the
    caller has checked the user may see). `types` restricts the school types pooled (the
    comparable basis); None pools, for "all", each year's full-year types. Year figures carry the
    months covered and, where events are excluded from the average, the figure without them.
    Every figure carries its coverage and `audience`'s decision (`metrics.disclosure`): a
    suppressed figure is None with a reason code in `suppressed`.
    """
    spec = aggregation.INDICATORS[indicator]
    group_by = GROUPINGS[grouping]
    if group_by == "school_id":
        reports = MonthlyReport.objects.filter(school_id__in=school_ids or [])
        months = services.months_frame(fiscal_years=fiscal_years, queryset=reports)
    else:
        months = rollups.pooled_frame(fiscal_years=fiscal_years, numerator=spec.numerator)
    excluded = sorted(services.excluded_months())
    monthly = aggregation.monthly_values(months, indicator=spec, group_by=group_by, types=types)
    years = aggregation.year_figures(
        months, indicator=spec, group_by=group_by, types=types, excluded_months=excluded
    )
    full_year = {fy: aggregation.full_year_types(months, fiscal_year=fy) for fy in fiscal_years}
    table = disclosure.Table.load(fiscal_years=fiscal_years, audience=audience, city_types=full_year)
    monthly = disclosure.disclose_monthly(
        monthly, table=table, group_by=group_by, types=types, full_year_types=full_year
    )
    years = disclosure.disclose_years(years, monthly).assign(source=SCHOOLS)
    published = _published_years(indicator, fiscal_years, grouping=grouping, types=types, shown=years)
    return {
        "indicator": indicator,
        "unit": spec.unit,
        "cumulative": spec.cumulative,
        "grouping": grouping,
        "fiscal_years": sorted(fiscal_years),
        "types": types,
        "excluded_months": [{"fiscal_year": fy, "month": m} for fy, m in excluded if fy in fiscal_years],
        "monthly": _records(monthly),
        "years": _records(years) + published,
    }


SCHOOLS, PUBLISHED = "schools", "published"


def _published_years(indicator, fiscal_years, *, grouping, types, shown: pd.DataFrame) -> list[dict]:
    """The city's published year figures where there are no school data for the year and group, as the
    indicator pages show them (`source: published`; the `excluding_events` variant beside its figure)."""
    if grouping not in ("all", "school_type"):
        return []
    have = set(zip(shown["fiscal_year"].astype(int), shown["group"].astype(str), strict=True))
    figures = PublishedFigure.objects.filter(
        indicator__code=indicator, fiscal_year__in=list(fiscal_years), month__isnull=True
    ).order_by("fiscal_year", "group", "excluding_events")
    rows: dict[tuple[int, str], dict] = {}
    for f in figures:
        if (f.fiscal_year, f.group) in have:
            continue
        if (grouping == "all") != (f.group == aggregation.ALL) or (types and f.group not in [*types, "all"]):
            continue
        row = rows.setdefault(
            (f.fiscal_year, f.group),
            {
                "fiscal_year": f.fiscal_year,
                "group": f.group,
                "value": None,
                "months": [],
                "full_year": True,
                "as_of_month": None,
                "types": [],
                "value_excluding_events": None,
                "months_excluding_events": None,
                "provisional": False,
                "months_provisional": [],
                "suppressed": None,
                "source": PUBLISHED,
                "published_source": f.source,
                "note": f.note,
            },
        )
        row["value_excluding_events" if f.excluding_events else "value"] = float(f.value)
    return list(rows.values())
