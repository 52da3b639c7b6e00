"""What the dashboard pages show: figures, tables and descriptions built from the data.

Each builder takes the parsed filters and returns plain data for one page; views only
render it. Database reads are a fixed handful per page, whatever the number of schools.
"""

from dataclasses import dataclass, field

import pandas as pd
from django.utils.translation import gettext as _

from metrics import aggregation, disclosure, rollups
from metrics.dashboard import charts, forecasts
from metrics.dashboard.filters import DashboardFilters
from metrics.models import Event, Indicator, PublishedFigure
from metrics.services import excluded_months, months_frame, stress_frame, targets_for
from reform.fiscal import FISCAL_MONTHS, era_label, fiscal_year_label, month_label, months_label
from reform.i18n import active_language, circled, is_english

UNIT_SUFFIX = {"pct": "%", "days": "", "index": ""}


def _year_short(fiscal_year: int) -> str:
    """A year in legends and table rows, as the page names it: 令和2年度 (FY2020 in English)."""
    return f"FY{fiscal_year}" if is_english() else era_label(fiscal_year)


def _fmt(value, unit: str = "pct") -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{aggregation.round_half_up(value, 1):.1f}{UNIT_SUFFIX.get(unit, '')}"


@dataclass
class Context:
    """Everything a page reads from the database, read once."""

    filters: DashboardFilters
    months: pd.DataFrame
    indicators: dict[str, Indicator]
    targets: dict
    excluded: frozenset
    events: list[Event]
    type_names: dict[str, str]
    published: dict = field(default_factory=dict)  # (indicator, fiscal year, group) → PublishedFigure
    audience: disclosure.Audience = disclosure.BOARD_AUDIENCE
    memo: dict = field(default_factory=dict)

    def cached(self, key, compute):
        """Each figure is computed once per request, however many parts of the page use it."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def target(self, code):
        value = self.targets.get(code)
        return None if value is None else float(value)


def load_context(
    filters: DashboardFilters, audience: disclosure.Audience = disclosure.BOARD_AUDIENCE
) -> Context:
    # The rollups hold the counted school-months summed per type, district and month: pooled
    # figures come out the same as from the school rows, at a fraction of the reading.
    months = rollups.pooled_frame(fiscal_years=filters.years, numerator="over_80h_count")
    if filters.district:
        months = months[months["district"] == filters.district]
    return Context(
        filters=filters,
        months=months,
        indicators={i.code: i for i in Indicator.objects.all()},
        targets=targets_for(filters.fiscal_year or 0),
        excluded=excluded_months(),
        events=list(Event.objects.all()),
        type_names={t.code: t.name for t in filters.type_choices},
        published=_published(filters),
        audience=audience,
    )


def _table(ctx: Context) -> disclosure.Table:
    """The counted cells and the audience's decisions behind every figure of the page (read once)."""
    return ctx.cached(
        "disclosure", lambda: disclosure.Table.load(fiscal_years=ctx.filters.years, audience=ctx.audience)
    )


def disclose(
    ctx: Context, monthly: pd.DataFrame, year: pd.DataFrame, *, group_by=None, types=None
) -> pd.DataFrame:
    """`monthly` with its coverage and the audience's decision (metrics.disclosure)."""
    full_year = {fy: aggregation.full_year_types(year, fiscal_year=fy) for fy in year["fiscal_year"].unique()}
    return disclosure.disclose_monthly(
        monthly,
        table=_table(ctx),
        group_by=group_by,
        types=types,
        full_year_types=full_year,
        district=ctx.filters.district or None,
    )


def _published(filters: DashboardFilters) -> dict:
    """The city's published year figures for the shown years (not for one district: they are city-wide)."""
    if filters.district:
        return {}
    figures = PublishedFigure.objects.filter(
        fiscal_year__in=filters.years, month__isnull=True, excluding_events=False
    ).select_related("indicator")
    return {(f.indicator.code, f.fiscal_year, f.group): f for f in figures}


def _group_name(ctx: Context, group: str) -> str:
    return _("All types") if group == aggregation.ALL else ctx.type_names.get(group, group)


def _all_types(ctx: Context, fiscal_year: int) -> list[str] | None:
    """Types pooled into "all": the full-year types, narrowed to the chosen ones."""
    if not ctx.filters.chosen_types:
        return None
    year = ctx.months[ctx.months["fiscal_year"] == fiscal_year]
    return [t for t in aggregation.full_year_types(year, fiscal_year=fiscal_year) if t in ctx.filters.types]


def _monthly(ctx: Context, code: str, fiscal_year: int) -> pd.DataFrame:
    """Monthly values for "all" and each shown type in one fiscal year."""
    return ctx.cached(("monthly", code, fiscal_year), lambda: _compute_monthly(ctx, code, fiscal_year))


def _compute_monthly(ctx: Context, code: str, fiscal_year: int) -> pd.DataFrame:
    year = ctx.months[ctx.months["fiscal_year"] == fiscal_year]
    if year.empty:
        return pd.DataFrame(columns=aggregation.MONTH_COLUMNS)
    by_type = aggregation.monthly_values(
        year, indicator=code, group_by="school_type", types=ctx.filters.types
    )
    all_types = _all_types(ctx, fiscal_year)
    overall = aggregation.monthly_values(year, indicator=code, types=all_types)
    # The arithmetic's own figures, for `aggregation.year_figures`; the year's decision follows its months.
    ctx.memo[("raw", code, fiscal_year)] = pd.concat([overall, by_type], ignore_index=True)
    return pd.concat(
        [
            disclose(ctx, overall, year, types=all_types),
            disclose(ctx, by_type, year, group_by="school_type", types=ctx.filters.types),
        ],
        ignore_index=True,
    )


def _year_figures(ctx: Context, code: str, fiscal_year: int, *, types=None) -> pd.DataFrame:
    """Year figures for "all" and each shown type (or only "all" pooled over `types`)."""
    key = ("year", code, fiscal_year, tuple(types) if types else None)
    return ctx.cached(key, lambda: _compute_year_figures(ctx, code, fiscal_year, types=types))


def _compute_year_figures(ctx: Context, code: str, fiscal_year: int, *, types=None) -> pd.DataFrame:
    year = ctx.months[ctx.months["fiscal_year"] == fiscal_year]
    if year.empty:
        return pd.DataFrame(
            columns=[*aggregation.YEAR_COLUMNS, "provisional", "months_provisional", "suppressed"]
        )
    if types is not None:
        figures = aggregation.year_figures(year, indicator=code, types=types, excluded_months=ctx.excluded)
        monthly = disclose(
            ctx, aggregation.monthly_values(year, indicator=code, types=types), year, types=types
        )
        return disclosure.disclose_years(figures, monthly)
    monthly = _monthly(ctx, code, fiscal_year)
    raw = ctx.memo[("raw", code, fiscal_year)]
    all_types = _all_types(ctx, fiscal_year)
    overall = aggregation.year_figures(
        year,
        indicator=code,
        types=all_types,
        excluded_months=ctx.excluded,
        monthly=raw[monthly["group"] == aggregation.ALL],
    )
    by_type = aggregation.year_figures(
        year,
        indicator=code,
        group_by="school_type",
        types=ctx.filters.types,
        excluded_months=ctx.excluded,
        monthly=raw[monthly["group"] != aggregation.ALL],
    )
    return disclosure.disclose_years(pd.concat([overall, by_type], ignore_index=True), monthly)


def monthly_frame(ctx: Context, code: str, fiscal_year: int) -> pd.DataFrame:
    """The monthly values behind a page's chart and table ("all", then each shown type), for exports."""
    return _monthly(ctx, code, fiscal_year)


def year_frame(ctx: Context, code: str, fiscal_year: int) -> pd.DataFrame:
    """The year figures behind a page's year table ("all", then each shown type), for exports."""
    return _year_figures(ctx, code, fiscal_year)


def _chosen(ctx: Context) -> str:
    """What the filters chose, for a chart's title: " — 中学校・南部方面" (nothing when all are shown)."""
    f = ctx.filters
    parts = [ctx.type_names.get(code, code) for code in f.chosen_types]
    parts += [d.name for d in f.district_choices if d.code == f.district]
    return f" — {'・'.join(parts)}" if parts else ""


def _series(ctx: Context, monthly: pd.DataFrame, fiscal_year: int, *, dashed: bool) -> list[dict]:
    # One type chosen: the "all types" line pools that type alone, so the type's line says it.
    types = ctx.filters.types
    redundant = len(types) == 1 and types[0] in set(monthly["group"])
    series = []
    for group, rows in monthly.groupby("group", sort=False):
        if redundant and group == aggregation.ALL:
            continue
        by_month = dict(zip(rows["month"], rows["value"], strict=True))
        series.append(
            {
                "name": f"{_group_name(ctx, group)} {_year_short(fiscal_year)}",
                "group": group,
                "months": FISCAL_MONTHS,
                "values": [None if pd.isna(by_month.get(m)) else float(by_month[m]) for m in FISCAL_MONTHS],
                "dashed": dashed,
            }
        )
    return series


def _events(ctx: Context, fiscal_year: int) -> list[dict]:
    """Events touching `fiscal_year`, as bands from their first to last month within it."""
    bands = []
    for event in ctx.events:
        months = [m for fy, m in event.fiscal_months() if fy == fiscal_year]
        if months:
            ordered = sorted(months, key=FISCAL_MONTHS.index)
            bands.append(
                {
                    "label": event.label,
                    "first": ordered[0],
                    "last": ordered[-1],
                    "excluded": event.exclude_from_average,
                }
            )
    return bands


def _target_label(ctx: Context, code: str) -> str:
    indicator = ctx.indicators[code]
    target = ctx.target(code)
    if target is None:
        return ""
    return _("Target %(comparator)s %(value)s") % {
        "comparator": indicator.get_comparator_display(),
        "value": _fmt(target, indicator.unit),
    }


def _monthly_table(ctx: Context, monthly_by_year: dict[int, pd.DataFrame], unit: str) -> list[dict]:
    rows = []
    for fiscal_year, monthly in monthly_by_year.items():
        for group, g in monthly.groupby("group", sort=False):
            by_month = {int(r["month"]): r for r in g.to_dict("records")}
            label = f"{_group_name(ctx, group)} {_year_short(fiscal_year)}"
            rows.append({"label": label, "cells": [_cell(by_month.get(m), unit) for m in FISCAL_MONTHS]})
            if "schools" in g:
                rows.append(
                    {
                        "label": _("%(group)s: schools reported/expected・staff") % {"group": label},
                        "cells": [coverage_cell(by_month.get(m)) for m in FISCAL_MONTHS],
                        "coverage": True,
                    }
                )
    return rows


SUPPRESSED = "X"


def _cell(row: dict | None, unit: str) -> str:
    """A monthly table cell: X when withheld from the reader, the value marked 速報値 when provisional."""
    if row is None:
        return "—"
    if isinstance(row.get("suppressed"), str):
        return SUPPRESSED
    text = _fmt(row["value"], unit)
    return _provisional(text) if row.get("provisional") is True else text


def _provisional(text: str) -> str:
    return _("%(value)s (provisional)") % {"value": text}


def coverage_label(row: dict, *, respondents: bool = False) -> str:
    """E.g. 提出 312/506校・教職員 15,210人 (or 回答者 for a stress figure's `respondents`), and 速報値
    below the coverage threshold (a withheld figure gives its schools only: its staff count is
    withheld with it)."""
    counts = {"schools": row["schools"], "expected": row["schools_expected"]}
    if row.get("staff") is None or pd.isna(row["staff"]):
        text = _("Reported %(schools)s/%(expected)s schools") % counts
    elif respondents:
        text = _("Reported %(schools)s/%(expected)s schools, %(staff)s respondents") % {
            **counts,
            "staff": f"{int(row['staff']):,}",
        }
    else:
        text = _("Reported %(schools)s/%(expected)s schools, %(staff)s staff") % {
            **counts,
            "staff": f"{int(row['staff']):,}",
        }
    return _provisional(text) if row.get("provisional") else text


def coverage_cell(row: dict | None) -> str:
    """A coverage table cell: schools reported/expected and staff counted (e.g. 312/506・15,210)."""
    if row is None:
        return "—"
    text = f"{row['schools']}/{row['schools_expected']}"
    if row.get("staff") is not None and not pd.isna(row["staff"]):
        text += f"・{int(row['staff']):,}"
    return _provisional(text) if row.get("provisional") else text


def _disclosure_notes(ctx: Context, monthly: list[pd.DataFrame]) -> list[str]:
    """The footnotes of withheld (X) and provisional figures, when `monthly` (disclosed frames) has any."""
    notes = []
    frames = [m for m in monthly if not m.empty]
    if any(m["suppressed"].notna().any() for m in frames):
        notes.append(_suppressed_note())
    if any(m["provisional"].astype(bool).any() for m in frames):
        notes.append(_provisional_note(ctx))
    return notes


def _suppressed_note(*, respondents: bool = False) -> str:
    if respondents:
        text = _(
            "%(mark)s: not shown to you: fewer than %(staff)s respondents or %(schools)s schools, or a "
            "figure that would let another be worked out."
        )
    else:
        text = _(
            "%(mark)s: not shown to you: fewer than %(staff)s staff or %(schools)s schools, or a figure "
            "that would let another be worked out."
        )
    return text % {"mark": SUPPRESSED, "staff": disclosure.MIN_STAFF, "schools": disclosure.MIN_SCHOOLS}


def _provisional_note(ctx: Context) -> str:
    return _("Provisional: fewer than %(share)s%% of the schools expected have reported.") % {
        "share": _table(ctx).threshold
    }


def _gap_note() -> str:
    return _("Gaps in the chart are figures not shown to you (%(mark)s in the table).") % {"mark": SUPPRESSED}


def chart_caption(monthly: pd.DataFrame, fiscal_year: int) -> str:
    """Under a monthly chart: the coverage of the year's latest month of "all" (or of the first group
    shown) and, when a line has gaps for the reader, a note saying why."""
    year = monthly[monthly["fiscal_year"] == fiscal_year] if not monthly.empty else monthly
    if year.empty:
        return ""
    lead = year[year["group"] == aggregation.ALL]
    lead = lead if not lead.empty else year[year["group"] == year.iloc[0]["group"]]
    latest = lead.sort_values("month", key=lambda m: m.map(FISCAL_MONTHS.index)).iloc[-1]
    when = f"{_year_short(fiscal_year)} {month_label(int(latest['month']), active_language())}"
    parts = [f"{when}: {coverage_label(latest)}"]
    if monthly["suppressed"].notna().any():
        parts.append(_gap_note())
    return " ".join(parts)


def _describe(ctx: Context, code: str, monthly: pd.DataFrame, figures: pd.DataFrame, fiscal_year: int) -> str:
    """A sentence for screen readers: the year's figure, target, and the highest and lowest months."""
    unit = ctx.indicators[code].unit
    overall = monthly[(monthly["group"] == aggregation.ALL) & monthly["value"].notna()]
    year = figures[figures["group"] == aggregation.ALL]
    if overall.empty or year.empty:
        return _("No data for %(year)s.") % {"year": fiscal_year_label(fiscal_year, active_language())}
    high = overall.loc[overall["value"].idxmax()]
    low = overall.loc[overall["value"].idxmin()]
    value = float(year["value"].iloc[0])
    met = ctx.indicators[code].meets(aggregation.round_half_up(value), ctx.target(code))
    return _(
        "%(indicator)s, %(year)s, all types: year figure %(value)s (%(target)s, %(met)s). "
        "Highest in %(high_month)s at %(high)s, lowest in %(low_month)s at %(low)s."
    ) % {
        "indicator": ctx.indicators[code].name,
        "year": fiscal_year_label(fiscal_year, active_language()),
        "value": _fmt(value, unit),
        "target": _target_label(ctx, code) or _("no target"),
        "met": _met_word(met),
        "high_month": month_label(int(high["month"]), active_language()),
        "high": _fmt(high["value"], unit),
        "low_month": month_label(int(low["month"]), active_language()),
        "low": _fmt(low["value"], unit),
    }


def _met_word(met: bool | None) -> str:
    if met is None:
        return _("not judged")
    return _("target met") if met else _("target not met")


def _types_with_data(ctx: Context, fiscal_year: int) -> set[str]:
    """Shown types with any month of data in the year (whether or not all year)."""
    year = ctx.months[ctx.months["fiscal_year"] == fiscal_year]
    return set(year["school_type"]) & set(ctx.filters.types)


def _year_table(
    ctx: Context, code: str, figures_by_year: dict[int, pd.DataFrame]
) -> tuple[list[dict], list[str]]:
    """Rows of year figures by group for the chosen and comparison years, and their footnotes."""
    unit = ctx.indicators[code].unit
    notes: list[str] = []
    marks: dict[str, str] = {}

    def mark(text: str) -> str:
        if text not in marks:
            marks[text] = f"※{len(marks) + 1}"
            notes.append(f"{marks[text]} {text}")
        return marks[text]

    groups = [aggregation.ALL, *ctx.filters.types]
    rows = []
    for group in groups:
        cells = []
        values = []
        for fiscal_year, figures in figures_by_year.items():
            hit = figures[figures["group"] == group]
            published = ctx.published.get((code, fiscal_year, group))
            if hit.empty:
                if published is None:
                    cells.append({"value": "—", "marks": ""})
                    values.append(None)
                    continue
                note = _("Published figure (there are no school data for this year): %(source)s %(note)s") % {
                    "source": published.source,
                    "note": published.note,
                }
                cells.append({"value": _fmt(published.value, unit), "marks": mark(note.strip())})
                values.append(float(published.value))
                continue
            fig = hit.iloc[0]
            if isinstance(fig.get("suppressed"), str):
                cells.append({"value": SUPPRESSED, "marks": ""})
                values.append(None)
                continue
            cell_marks = []
            if published is not None and abs(float(published.value) - float(fig["value"])) >= 0.05:
                cell_marks.append(
                    mark(
                        _("%(year)s %(group)s: the published figure is %(value)s (%(source)s).")
                        % {
                            "year": fiscal_year_label(fiscal_year, active_language()),
                            "group": _group_name(ctx, group),
                            "value": _fmt(published.value, unit),
                            "source": published.source,
                        }
                    )
                )
            if not fig["full_year"] and fig["months"]:
                cell_marks.append(
                    mark(
                        _("%(year)s: figure over %(months)s only (months with data).")
                        % {
                            "year": fiscal_year_label(fiscal_year, active_language()),
                            "months": months_label(fig["months"], active_language()),
                        }
                    )
                )
            present = _types_with_data(ctx, fiscal_year)
            if group == aggregation.ALL and len(fig["types"]) < len(present):
                names = "・".join(ctx.type_names.get(t, t) for t in fig["types"])
                cell_marks.append(
                    mark(
                        _(
                            "%(year)s: average of %(count)s types (%(names)s); types without data "
                            "all year are left out."
                        )
                        % {
                            "year": fiscal_year_label(fiscal_year, active_language()),
                            "count": len(fig["types"]),
                            "names": names,
                        }
                    )
                )
            if not pd.isna(fig["value_excluding_events"]):
                cell_marks.append(
                    mark(
                        _("%(year)s %(group)s without the months of excluded events (%(months)s): %(value)s.")
                        % {
                            "year": fiscal_year_label(fiscal_year, active_language()),
                            "group": _group_name(ctx, group),
                            "months": months_label(fig["months_excluding_events"], active_language()) or "—",
                            "value": _fmt(fig["value_excluding_events"], unit),
                        }
                    )
                )
            cells.append({"value": _fmt(fig["value"], unit), "marks": " ".join(cell_marks)})
            values.append(aggregation.round_half_up(fig["value"]))
        change = None
        if len(values) == 2 and None not in values:
            change = f"{values[0] - values[1]:+.1f}"
        rows.append({"group": _group_name(ctx, group), "cells": cells, "change": change or "—"})
    return rows, notes


def _comparable_note(ctx: Context, code: str) -> str | None:
    """The chosen year's "all" figure restricted to the types present all through the comparison year."""
    f = ctx.filters
    if not f.compare_year:
        return None
    common = aggregation.common_full_year_types(ctx.months, fiscal_years=f.years)
    common = [t for t in common if t in f.types]
    current = _year_figures(ctx, code, f.fiscal_year)
    overall = current[current["group"] == aggregation.ALL]
    if not common or overall.empty or list(overall.iloc[0]["types"]) == common:
        return None
    figure = _year_figures(ctx, code, f.fiscal_year, types=common)
    if figure.empty:
        return None
    return _(
        "Comparable basis: %(year)s averaged over the same %(count)s types as %(other)s (%(names)s): "
        "%(value)s."
    ) % {
        "year": fiscal_year_label(f.fiscal_year, active_language()),
        "count": len(common),
        "other": fiscal_year_label(f.compare_year, active_language()),
        "names": "・".join(ctx.type_names[t] for t in common),
        "value": _fmt(figure.iloc[0]["value"], ctx.indicators[code].unit),
    }


def _forecast(ctx: Context, code: str, monthly: dict[int, pd.DataFrame]) -> dict | None:
    """The year in progress (no March yet): a dashed, labelled forecast continuation with its note,
    table row and card line, from metrics/dashboard/forecasts.py; None otherwise."""
    year = ctx.filters.fiscal_year
    if year not in monthly:
        return None
    counted = monthly[year]
    if "provisional" in counted:  # a forecast stands on months that reach the coverage threshold only
        counted = counted[~counted["provisional"].astype(bool) & counted["suppressed"].isna()]
    return forecasts.for_dashboard(ctx, code, counted)


def _forecast_rows(forecast: dict | None) -> list[dict]:
    return [forecast["row"]] if forecast else []


def indicator_page(ctx: Context, code: str) -> dict:
    """Indicator ① or ②: monthly lines by type for both years, target, events, tables, footnotes."""
    f = ctx.filters
    indicator = ctx.indicators[code]
    monthly = {y: _monthly(ctx, code, y) for y in f.years}
    figures = {y: _year_figures(ctx, code, y) for y in f.years}
    series = []
    for y in f.years:
        series += _series(ctx, monthly[y], y, dashed=y != f.fiscal_year)
    forecast = _forecast(ctx, code, monthly)
    if forecast:
        series.append(forecast["series"])
    figure = charts.monthly_figure(
        series=series,
        target=ctx.target(code),
        target_label=_target_label(ctx, code),
        events=_events(ctx, f.fiscal_year) if f.fiscal_year else [],
        title=f"{_('Indicator')} {circled(indicator.number)} {indicator.name}{_chosen(ctx)}",
        y_title=_("Share of staff (%)"),
        unit="%",
        lang=active_language(),
    )
    year_rows, notes = _year_table(ctx, code, figures)
    notes += _disclosure_notes(ctx, list(monthly.values()))
    comparable = _comparable_note(ctx, code)
    if comparable:
        notes.append(comparable)
    if forecast:
        notes.append(forecast["note"])
    return {
        "indicator": indicator,
        "figure": figure,
        "caption": chart_caption(monthly[f.fiscal_year], f.fiscal_year) if f.fiscal_year in monthly else "",
        "has_data": any(not m.empty for m in monthly.values()),
        "has_published": any(key[0] == code for key in ctx.published),
        "description": _describe(
            ctx,
            code,
            monthly.get(f.fiscal_year, pd.DataFrame(columns=aggregation.MONTH_COLUMNS)),
            figures.get(f.fiscal_year, pd.DataFrame(columns=aggregation.YEAR_COLUMNS)),
            f.fiscal_year,
        )
        if f.fiscal_year
        else "",
        "months_header": [month_label(m, active_language()) for m in FISCAL_MONTHS],
        "monthly_rows": _monthly_table(ctx, monthly, indicator.unit) + _forecast_rows(forecast),
        "year_headers": [fiscal_year_label(y, active_language()) for y in f.years],
        "year_rows": year_rows,
        "footnotes": notes,
        "events": _events(ctx, f.fiscal_year) if f.fiscal_year else [],
        "target_label": _target_label(ctx, code),
    }


def leave_page(ctx: Context) -> dict:
    """Indicator ④: cumulative share with 10+ days at each month end, and average days taken."""
    f = ctx.filters
    share = {y: _monthly(ctx, "leave_10plus", y) for y in f.years}
    days = {y: _monthly(ctx, "leave_avg_days", y) for y in f.years}
    series = []
    for y in f.years:
        series += _series(ctx, share[y], y, dashed=y != f.fiscal_year)
    forecast = _forecast(ctx, "leave_10plus", share)
    if forecast:
        series.append(forecast["series"])
    indicator = ctx.indicators["leave_10plus"]
    figure = charts.monthly_figure(
        series=series,
        target=ctx.target("leave_10plus"),
        target_label=_target_label(ctx, "leave_10plus"),
        events=_events(ctx, f.fiscal_year) if f.fiscal_year else [],
        title=f"{_('Indicator')} ④ {indicator.name}{_chosen(ctx)}",
        y_title=_("Share of staff (%)"),
        unit="%",
        lang=active_language(),
        month_suffix="" if is_english() else "末",
    )
    share_figures = {y: _year_figures(ctx, "leave_10plus", y) for y in f.years}
    day_figures = {y: _year_figures(ctx, "leave_avg_days", y) for y in f.years}
    share_rows, share_notes = _year_table(ctx, "leave_10plus", share_figures)
    day_rows, day_notes = _year_table(ctx, "leave_avg_days", day_figures)
    return {
        "indicator": indicator,
        "figure": figure,
        "caption": chart_caption(share[f.fiscal_year], f.fiscal_year) if f.fiscal_year in share else "",
        "has_data": any(not m.empty for m in share.values()),
        "has_published": any(key[0] in ("leave_10plus", "leave_avg_days") for key in ctx.published),
        "description": _describe(
            ctx,
            "leave_10plus",
            share.get(f.fiscal_year, pd.DataFrame(columns=aggregation.MONTH_COLUMNS)),
            share_figures.get(f.fiscal_year, pd.DataFrame(columns=aggregation.YEAR_COLUMNS)),
            f.fiscal_year,
        )
        if f.fiscal_year
        else "",
        "months_header": [month_label(m, active_language()) for m in FISCAL_MONTHS],
        "share_rows": _monthly_table(ctx, share, "pct") + _forecast_rows(forecast),
        "days_rows": _monthly_table(ctx, days, "days"),
        "year_headers": [fiscal_year_label(y, active_language()) for y in f.years],
        "share_year_rows": share_rows,
        "days_year_rows": day_rows,
        "footnotes": share_notes
        + [n for n in day_notes if n not in share_notes]
        + [n for n in _disclosure_notes(ctx, [*share.values(), *days.values()]) if n not in share_notes]
        + ([forecast["note"]] if forecast else []),
    }


STRESS_LABELS = {
    "total_health_risk": "stress_total",
    "workload_control": "stress_workload",
    "support": "stress_support",
}


def _stress(ctx: Context) -> pd.DataFrame:
    """The stress scores up to the chosen year, "all" then each shown type, with their coverage (schools
    with respondents of the schools expected, respondents as `staff`) and the audience's decision."""
    return ctx.cached("stress", lambda: _compute_stress(ctx))


def _compute_stress(ctx: Context) -> pd.DataFrame:
    f = ctx.filters
    stress = stress_frame(district=f.district)
    stress = stress[stress["fiscal_year"] <= (f.fiscal_year or 0)]
    columns = ["month", *aggregation.STRESS_COLUMNS]
    if stress.empty:
        return pd.DataFrame(columns=[*columns, *disclosure.COVERAGE_COLUMNS])
    all_types = f.chosen_types or None
    cells = disclosure.stress_cells_frame(fiscal_years=sorted(set(stress["fiscal_year"])))
    table = disclosure.Table.of(cells, audience=ctx.audience)
    frames = [
        (aggregation.stress_scores(stress, types=all_types), None, all_types),
        (aggregation.stress_scores(stress, group_by="school_type", types=f.types), "school_type", f.types),
    ]
    return pd.concat(
        [
            disclosure.disclose_groups(
                scores.assign(month=disclosure.YEAR),
                table=table,
                group_by=group_by,
                types=types,
                district=f.district or None,
                columns=columns,
                blank=[*aggregation.STRESS_SCORES, "respondents"],
            )
            for scores, group_by, types in frames
        ],
        ignore_index=True,
    )


def stress_page(ctx: Context) -> dict:
    """Indicator ③: the three scores per year against the national 100, for all types and each type.

    Every score carries its coverage and the audience's decision: a withheld group-year is a gap in
    its chart (with a note) and X in the table (with a footnote); its `respondents` is 0 there."""
    names = {column: ctx.indicators[code].name for column, code in STRESS_LABELS.items()}
    short_names = {
        column: name.split(" ", 1)[-1].replace("ストレスチェック ", "").replace("Stress check: ", "")
        for column, name in names.items()
    }
    scores = _stress(ctx)
    charts_out, table = [], []
    for group, rows in scores.groupby("group", sort=False):
        records = []
        for r in rows.to_dict("records"):
            hidden = isinstance(r["suppressed"], str)
            records.append(
                {
                    "fiscal_year": int(r["fiscal_year"]),
                    **{c: None if hidden else float(r[c]) for c in names},
                    "respondents": 0 if hidden else int(r["respondents"]),
                    "suppressed": r["suppressed"] if hidden else None,
                    "coverage": coverage_label(r, respondents=True),
                    "provisional": bool(r["provisional"]),
                }
            )
        title = f"{_group_name(ctx, group)}"
        latest = records[-1]
        charts_out.append(
            {
                "id": f"stress-{group}",
                "title": title,
                "figure": charts.stress_figure(
                    rows=records, score_names=short_names, title=title, lang=active_language()
                ),
                "caption": " ".join(
                    [
                        f"{_year_short(latest['fiscal_year'])}: {latest['coverage']}",
                        *([_gap_note()] if any(r["suppressed"] for r in records) else []),
                    ]
                ),
            }
        )
        for r in records:
            table.append(
                {
                    "group": _group_name(ctx, group),
                    "year": fiscal_year_label(r["fiscal_year"], active_language()),
                    "respondents": r["respondents"],
                    "respondents_text": SUPPRESSED if r["suppressed"] else f"{r['respondents']:,}",
                    "suppressed": r["suppressed"],
                    "coverage": r["coverage"],
                    "scores": [
                        {"value": SUPPRESSED, "met": None}
                        if r["suppressed"]
                        else {
                            "value": _provisional(_fmt(r[c], "index"))
                            if r["provisional"]
                            else _fmt(r[c], "index"),
                            "met": ctx.indicators[STRESS_LABELS[c]].meets(
                                aggregation.round_half_up(r[c]), ctx.target(STRESS_LABELS[c])
                            ),
                        }
                        for c in names
                    ],
                }
            )
    footnotes = []
    if scores["suppressed"].notna().any():
        footnotes.append(_suppressed_note(respondents=True))
    if scores["provisional"].astype(bool).any():
        footnotes.append(_provisional_note(ctx))
    return {
        "charts": charts_out,
        "score_names": list(short_names.values()),
        "table": table,
        "footnotes": footnotes,
        "has_data": bool(table),
    }


def stress_frame_disclosed(ctx: Context) -> pd.DataFrame:
    """The stress scores behind the stress page (all, then each shown type; every year up to the chosen
    one) with coverage and the audience's decision, for exports."""
    return _stress(ctx)


def _card_monthly(ctx: Context, code: str) -> dict:
    f = ctx.filters
    indicator = ctx.indicators[code]
    reported = _monthly(ctx, code, f.fiscal_year)
    reported = reported[reported["group"] == aggregation.ALL]
    current = reported[reported["value"].notna()]
    card = {
        "indicator": indicator,
        "url_code": "leave" if code == "leave_10plus" else code,  # ④'s page shows both its figures
        "unit": UNIT_SUFFIX[indicator.unit],
        "target": _target_label(ctx, code),
    }
    if reported.empty:
        return _published_card(ctx, card, code)
    if current.empty or reported["suppressed"].notna().any():
        # A withheld month would show through the year so far: the card withholds it all, as the
        # indicator page's year table does.
        return {
            **card,
            "suppressed": True,
            "coverage": coverage_label(reported.iloc[-1]),
            "note": _suppressed_note(),
        }
    latest = current.iloc[-1]
    months = [int(m) for m in current["month"]]
    cumulative = aggregation.INDICATORS[code].cumulative
    year_value = float(latest["value"]) if cumulative else float(current["value"].mean())
    complete = 3 in months
    met = indicator.meets(aggregation.round_half_up(year_value), ctx.target(code))
    change = None
    if f.compare_year:
        before = _monthly(ctx, code, f.compare_year)
        before = before[
            (before["group"] == aggregation.ALL) & before["month"].isin(months) & before["value"].notna()
        ]
        if not before.empty:
            then = float(before.iloc[-1]["value"]) if cumulative else float(before["value"].mean())
            change = aggregation.round_half_up(year_value) - aggregation.round_half_up(then)
    values = {int(r["month"]): float(r["value"]) for _i, r in current.iterrows()}
    return {
        **card,
        "coverage": coverage_label(latest),
        "provisional": bool(latest["provisional"]),
        "latest_month": month_label(int(latest["month"]), active_language()),
        "latest": _fmt(latest["value"], indicator.unit),
        "year_value": _fmt(year_value, indicator.unit),
        "year_label": _("Year figure")
        if complete and not cumulative
        else (
            _("March end")
            if complete
            else _("Year so far (%(months)s)")
            % {
                "months": months_label(months, active_language())
                or month_label(months[-1], active_language())
            }
        ),
        "met": met if (complete or not cumulative) else None,
        "change": None if change is None else f"{change:+.1f}",
        "compare_label": _year_short(f.compare_year) if f.compare_year else "",
        "sparkline": charts.sparkline(values=[values.get(m) for m in FISCAL_MONTHS], target=ctx.target(code)),
        "forecast": (_forecast(ctx, code, {f.fiscal_year: current}) or {}).get("card"),
    }


def _card_stress(ctx: Context) -> dict:
    f = ctx.filters
    scores = _stress(ctx)
    scores = scores[scores["group"] == aggregation.ALL]
    indicator = ctx.indicators["stress_total"]
    card = {
        "indicator": indicator,
        "url_code": "stress",
        "unit": "",
        "target": _target_label(ctx, "stress_total"),
    }
    this_year = scores[scores["fiscal_year"] == f.fiscal_year]
    if this_year.empty:
        return _published_card(ctx, card, "stress_total")
    row = this_year.iloc[0]
    if isinstance(row["suppressed"], str):
        return {
            **card,
            "suppressed": True,
            "coverage": coverage_label(row, respondents=True),
            "note": _suppressed_note(respondents=True),
        }
    before = scores[scores["fiscal_year"] == f.compare_year] if f.compare_year else scores.iloc[0:0]
    change = None
    if not before.empty and not pd.isna(before.iloc[0]["total_health_risk"]):
        change = aggregation.round_half_up(row["total_health_risk"]) - aggregation.round_half_up(
            before.iloc[0]["total_health_risk"]
        )
    return {
        **card,
        "coverage": coverage_label(row, respondents=True),
        "provisional": bool(row["provisional"]),
        "latest_month": fiscal_year_label(f.fiscal_year, active_language()),
        "latest": _fmt(row["total_health_risk"], "index"),
        "year_value": " / ".join(_fmt(row[c], "index") for c in ("workload_control", "support")),
        "year_label": _("Workload and control / support"),
        "met": indicator.meets(
            aggregation.round_half_up(row["total_health_risk"]), ctx.target("stress_total")
        ),
        "change": None if change is None else f"{change:+.1f}",
        "compare_label": _year_short(f.compare_year) if f.compare_year else "",
        "sparkline": charts.sparkline(
            values=[None if pd.isna(v) else float(v) for v in scores["total_health_risk"]],
            target=ctx.target("stress_total"),
            # a point a year: the first and the last say their year and score
            labels=[
                f"{_year_short(int(y))} {_fmt(v, 'index')}" if i in (0, len(scores) - 1) else ""
                for i, (y, v) in enumerate(
                    zip(scores["fiscal_year"], scores["total_health_risk"], strict=True)
                )
            ],
        ),
    }


def _published_card(ctx: Context, card: dict, code: str) -> dict:
    """A card for a year without school data: the city's published year figure, as on the indicator
    page (with its source), or empty."""
    published = ctx.published.get((code, ctx.filters.fiscal_year, aggregation.ALL))
    if published is None:
        return {**card, "empty": True}
    indicator = ctx.indicators[code]
    return {
        **card,
        "published": True,
        "latest_month": fiscal_year_label(ctx.filters.fiscal_year, active_language()),
        "latest": _fmt(published.value, indicator.unit),
        "year_label": _("Published figure"),
        "year_value": _fmt(published.value, indicator.unit),
        "source": " ".join(part for part in (published.source, published.note) if part),
        "met": indicator.meets(aggregation.round_half_up(float(published.value)), ctx.target(code)),
    }


def overview(ctx: Context) -> list[dict]:
    """One card per indicator: latest figure, year so far, target and whether met, change, trend."""
    if not ctx.filters.fiscal_year:
        return []
    return [
        _card_monthly(ctx, "overtime_80h"),
        _card_monthly(ctx, "left_by_19"),
        _card_stress(ctx),
        _card_monthly(ctx, "leave_10plus"),
    ]


def school_page(ctx: Context, school) -> dict:
    """One school's months against its type and the city for ① ② ④, read through the disclosure layer:
    the school's own rows (board staff and its principal, who alone open the page), its type (within
    the district filter) and the city, each with coverage and the reader's decision."""
    f = ctx.filters
    own = months_frame(fiscal_years=[f.fiscal_year], queryset=school.monthly_reports.all())
    city = ctx.months[ctx.months["fiscal_year"] == f.fiscal_year]
    type_code = school.school_type.code
    district = next((d for d in f.district_choices if d.code == f.district), None)
    out = []
    for code in ("overtime_80h", "left_by_19", "leave_10plus"):
        indicator = ctx.indicators[code]
        by_type = aggregation.monthly_values(city, indicator=code, group_by="school_type", types=[type_code])
        groups = [
            (
                school.name,
                "school",
                disclose(
                    ctx,
                    aggregation.monthly_values(own, indicator=code, group_by="school_id"),
                    city,
                    group_by="school_id",
                ),
            ),
            (
                ctx.type_names[type_code],
                type_code,
                disclose(ctx, by_type, city, group_by="school_type", types=[type_code]),
            ),
            (
                _("%(district)s, all types") % {"district": district.name}
                if district
                else _("City, all types"),
                "all",
                disclose(ctx, aggregation.monthly_values(city, indicator=code), city),
            ),
        ]
        if f.compare_year:  # the school's own months of the comparison year, dashed
            earlier = months_frame(fiscal_years=[f.compare_year], queryset=school.monthly_reports.all())
            earlier_city = ctx.months[ctx.months["fiscal_year"] == f.compare_year]
            groups.insert(
                1,
                (
                    f"{school.name} {_year_short(f.compare_year)}",
                    "school",
                    disclose(
                        ctx,
                        aggregation.monthly_values(earlier, indicator=code, group_by="school_id"),
                        earlier_city,
                        group_by="school_id",
                    ),
                ),
            )
        series, table = [], []
        for position, (name, colour, monthly) in enumerate(groups):
            by_month = {int(r["month"]): r for r in monthly.to_dict("records")}
            values = [
                None if m not in by_month or pd.isna(by_month[m]["value"]) else float(by_month[m]["value"])
                for m in FISCAL_MONTHS
            ]
            series.append(
                {
                    "name": name,
                    "group": colour,
                    "months": FISCAL_MONTHS,
                    "values": values,
                    "dashed": colour == "school" and position > 0,
                }
            )
            table.append(
                {"label": name, "cells": [_cell(by_month.get(m), indicator.unit) for m in FISCAL_MONTHS]}
            )
            if colour != "school":
                table.append(
                    {
                        "label": _("%(group)s: schools reported/expected・staff") % {"group": name},
                        "cells": [coverage_cell(by_month.get(m)) for m in FISCAL_MONTHS],
                        "coverage": True,
                    }
                )
        pooled = pd.concat(
            [monthly for _name, colour, monthly in groups if colour != "school"], ignore_index=True
        )
        out.append(
            {
                "indicator": indicator,
                "id": f"school-{code}",
                "figure": charts.monthly_figure(
                    series=series,
                    target=ctx.target(code),
                    target_label=_target_label(ctx, code),
                    events=[],
                    title=f"{circled(indicator.number)} {indicator.name}",
                    y_title="%",
                    unit="%",
                    lang=active_language(),
                    month_suffix="末" if code == "leave_10plus" and not is_english() else "",
                ),
                "caption": chart_caption(pooled, f.fiscal_year) if f.fiscal_year else "",
                "rows": table,
                "footnotes": _disclosure_notes(ctx, [pooled]),
            }
        )
    reports = list(school.monthly_reports.filter(fiscal_year=f.fiscal_year))
    reports.sort(key=lambda r: FISCAL_MONTHS.index(r.month))
    return {
        "charts": out,
        "reports": reports,
        "months_header": [month_label(m, active_language()) for m in FISCAL_MONTHS],
    }
