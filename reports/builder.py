"""The annual report's contents, gathered once from the data; pdf.py, xlsx.py and csv.py write them out.

Figures, tables and footnotes come from the dashboard's page builders (metrics/dashboard.py), so the
report shows the same numbers as the pages. Reports for officials have no per-school rows, and every
cell computed from fewer than MIN_STAFF staff (or stress-check respondents) is suppressed: its value,
numerator and denominator are removed and the cell is marked SUPPRESSED, in tables and charts alike.
A year figure is suppressed when any of its months is (its mean would give the missing month away).
Which cells are withheld, and each figure's coverage (schools reported / expected, staff counted,
速報値), come from the disclosure layer (metrics.disclosure) through the page builders. A report made
while the demo city's schools are loaded (`School.is_demo`) has `demo` set: every file says DEMO_MARK.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.models import KPIValue, MeasureNote, MeasureYear, Pillar
from metrics import aggregation, disclosure
from metrics.dashboard import pages as dashboard
from metrics.dashboard.filters import available_years, parse_filters
from metrics.imports.monthly import MONTHLY_COLUMNS
from metrics.models import Commentary, MonthlyReport, PublishedFigure, School
from reform.fiscal import FISCAL_MONTHS, fiscal_year_label, month_label, short_era_label
from reform.i18n import circled
from reports.models import ReportExport

MIN_STAFF = 5
SUPPRESSED = "X"
MONTHLY_CODES = ("overtime_80h", "left_by_19", "leave_10plus", "leave_avg_days")

Progress = Callable[[str, int], None]


class ReportError(Exception):
    """The report cannot be built for these options; the message says why, for the user."""


def no_progress(stage: str, percent: int) -> None:
    return None


@dataclass(frozen=True)
class ReportOptions:
    fiscal_year: int
    compare_year: int | None
    audience: str = ReportExport.Audience.OFFICIAL

    @property
    def suppress_small_cells(self) -> bool:
        return self.audience != ReportExport.Audience.BOARD

    @property
    def per_school(self) -> bool:
        return self.audience == ReportExport.Audience.BOARD

    @property
    def years(self) -> list[int]:
        return [y for y in (self.fiscal_year, self.compare_year) if y]


@dataclass
class IndicatorSection:
    """One indicator of the report: chart (a plotly figure dict, or None), tables and footnotes."""

    code: str
    title: str
    unit: str
    target_label: str
    monthly: pd.DataFrame  # fiscal_year, group, month, numerator, denominator, value, suppressed
    districts: pd.DataFrame  # the same per district
    figure: dict | None = None
    year: pd.DataFrame | None = None  # dashboard year figures with a `suppressed` column
    monthly_rows: list[dict] = field(default_factory=list)
    year_rows: list[dict] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)


@dataclass
class Report:
    options: ReportOptions
    generated_at: datetime
    year_label: str
    compare_label: str
    commentary: str
    months_header: list[str]
    year_headers: list[str]
    indicators: list[IndicatorSection]  # ① ② ④ (share) ④ (days), in that order
    stress_rows: list[dict]  # tidy: indicator, fiscal_year, group, value, respondents, suppressed
    group_names: dict[str, str]
    stress_charts: list[dict] = field(default_factory=list)
    stress_table: list[dict] = field(default_factory=list)
    score_names: list[str] = field(default_factory=list)
    pillars: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    demo: bool = False  # made from the demo city's data: every file says so (DEMO_MARK)
    # The city's published year figures for the report's years without school data, as the pages show
    # them: (indicator code, fiscal year, group, excluding events) → PublishedFigure.
    published: dict = field(default_factory=dict)
    provisional_note: str = ""
    suppressed_note: str = ""  # the footnote of SUPPRESSED cells (officials' reports)

    def section(self, code: str) -> IndicatorSection:
        return next(s for s in self.indicators if s.code == code)


DEMO_MARK = "デモデータ"


def is_demo_data() -> bool:
    """Whether the data are the demo city's: `load_demo` writes its schools with `is_demo` set (the
    same marker as the pages' demo label)."""
    return School.objects.filter(is_demo=True).exists()


def demo_banner() -> str:
    return _("%(mark)s: these figures are the demo city's, not real data.") % {"mark": DEMO_MARK}


def coverage_cell(row) -> str:
    """A monthly figure's coverage in files: schools reported / expected (e.g. 312/506), marked 速報値
    below the board's coverage threshold."""
    schools, expected = int(row["schools"]), int(row["schools_expected"])
    return dashboard.coverage_cell(
        {
            "schools": schools,
            "schools_expected": expected,
            "staff": None,
            "provisional": bool(row["provisional"]),
        }
    )


def check_options(options: ReportOptions) -> None:
    """The years must have data; raises ReportError naming the year otherwise."""
    years = available_years()
    for year in options.years:
        if year not in years:
            raise ReportError(_("There is no data for %(year)s.") % {"year": fiscal_year_label(year, "ja")})
    if options.compare_year == options.fiscal_year:
        raise ReportError(_("The comparison year must differ from the report's year."))


def fmt(value, unit: str = "pct") -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{aggregation.round_half_up(value, 1):.1f}{dashboard.UNIT_SUFFIX.get(unit, '')}"


def _suppress_monthly(monthly: pd.DataFrame, options: ReportOptions) -> pd.DataFrame:
    """`suppressed` as a flag, from the disclosure layer's decision (its reason code is kept as `reason`);
    value, numerator and denominator of a suppressed cell are blank."""
    out = monthly.copy()
    out["reason"] = out["suppressed"] if "suppressed" in out else None
    small = out["reason"].notna()
    out["suppressed"] = small
    for column in ("value", "numerator", "denominator"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64").where(~small)
    return out


def _suppress_year(year: pd.DataFrame, monthly: pd.DataFrame) -> pd.DataFrame:
    small = monthly[monthly["suppressed"]]
    hidden = set(zip(small["fiscal_year"], small["group"], strict=True))
    out = year.copy()
    decided = out["suppressed"].notna() if "suppressed" in out else False
    listed = [(fy, g) in hidden for fy, g in zip(out["fiscal_year"], out["group"], strict=True)]
    out["suppressed"] = pd.Series(listed, index=out.index, dtype=bool) | decided
    for column in ("value", "value_excluding_events"):
        out[column] = out[column].astype("float64").where(~out["suppressed"])
    return out


def _suppress_figure(figure: dict, monthly: pd.DataFrame, years: list[int]) -> dict:
    """Removes suppressed months from the chart's lines. The page builder draws one trace per year and
    group, in the order of its monthly frames; the traces are matched back to them in that order."""
    if not monthly["suppressed"].any():
        return figure
    order = [
        (y, g) for y in years for g in monthly.loc[monthly["fiscal_year"] == y, "group"].drop_duplicates()
    ]
    if len(figure["data"]) < len(order):
        raise RuntimeError("chart traces do not match the monthly figures")
    # Traces past the years' own (a forecast of the year in progress) may derive from hidden cells.
    del figure["data"][len(order) :]
    hidden = monthly[monthly["suppressed"]]
    for trace, (y, g) in zip(figure["data"], order, strict=True):
        months = set(hidden.loc[(hidden["fiscal_year"] == y) & (hidden["group"] == g), "month"])
        trace["y"] = [
            None if FISCAL_MONTHS[int(x)] in months else v
            for x, v in zip(trace["x"], trace["y"], strict=True)
        ]
    return figure


def _suppress_year_rows(rows: list[dict], notes: list[str], year: pd.DataFrame, groups, years) -> list[str]:
    """Marks suppressed cells of a page's year table (rows: groups, cells: years) and drops the
    footnotes only they referred to (a footnote may give the figure without excluded months)."""
    small = year[year["suppressed"]]
    hidden = set(zip(small["fiscal_year"], small["group"], strict=True))
    if not hidden:
        return notes
    for row, group in zip(rows, groups, strict=True):
        for cell, fiscal_year in zip(row["cells"], years, strict=True):
            if (fiscal_year, group) in hidden:
                cell.update(value=SUPPRESSED, marks="")
                row["change"] = "—"
    used = {m for row in rows for cell in row["cells"] for m in cell["marks"].split()}
    all_hidden = any(group == aggregation.ALL for _fy, group in hidden)
    return [n for n in notes if (n.split(" ", 1)[0] in used) or (not n.startswith("※") and not all_hidden)]


def _monthly_rows(monthly: pd.DataFrame, unit: str, group_names: dict, years: list[int]) -> list[dict]:
    rows = []
    for y in years:
        year = monthly[monthly["fiscal_year"] == y]
        for group in year["group"].drop_duplicates():
            g = year[year["group"] == group].set_index("month")
            cells = []
            for m in FISCAL_MONTHS:
                if m not in g.index:
                    cells.append("—")
                elif g.at[m, "suppressed"]:
                    cells.append(SUPPRESSED)
                else:
                    cells.append(fmt(g.at[m, "value"], unit))
            rows.append({"label": f"{group_names.get(group, group)} {short_era_label(y)}", "cells": cells})
        city = year[year["group"] == aggregation.ALL].set_index("month")
        if not city.empty:  # the year's coverage: schools reported / expected, 速報値 below the threshold
            rows.append(
                {
                    "label": f"{_('Schools reported / expected')} {short_era_label(y)}",
                    "cells": [coverage_cell(city.loc[m]) if m in city.index else "—" for m in FISCAL_MONTHS],
                }
            )
    return rows


def _district_monthly(ctx: dashboard.Context, code: str, options: ReportOptions) -> pd.DataFrame:
    frames = []
    for y in options.years:
        year = ctx.months[ctx.months["fiscal_year"] == y]
        if not year.empty:
            by_district = aggregation.monthly_values(year, indicator=code, group_by="district")
            frames.append(dashboard.disclose(ctx, by_district, year, group_by="district"))
    monthly = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=aggregation.MONTH_COLUMNS)
    )
    return _suppress_monthly(monthly, options)


def _monthly_section(ctx, code, options) -> IndicatorSection:
    """An indicator's monthly figures by type and by district (all a CSV needs)."""
    monthly = _suppress_monthly(
        pd.concat([dashboard.monthly_frame(ctx, code, y) for y in options.years], ignore_index=True), options
    )
    return IndicatorSection(
        code=code,
        title=_indicator_title(ctx.indicators[code]),
        unit=ctx.indicators[code].unit,
        target_label=_target_label(ctx, code),
        monthly=monthly,
        districts=_district_monthly(ctx, code, options),
    )


def _section(ctx, code, options, *, figure, year_rows, notes, group_names) -> IndicatorSection:
    """An indicator with the page's chart, year table and footnotes, small cells suppressed throughout."""
    section = _monthly_section(ctx, code, options)
    years = options.years
    year = _suppress_year(
        pd.concat([dashboard.year_frame(ctx, code, y) for y in years], ignore_index=True), section.monthly
    )
    section.year = year
    section.figure = _suppress_figure(figure, section.monthly, years) if figure else None
    section.monthly_rows = _monthly_rows(section.monthly, section.unit, group_names, years)
    section.year_rows = year_rows
    section.footnotes = _suppress_year_rows(
        year_rows, notes, year, [aggregation.ALL, *ctx.filters.types], years
    )
    return section


def _target_label(ctx: dashboard.Context, code: str) -> str:
    target = ctx.target(code)
    if target is None:
        return ""
    indicator = ctx.indicators[code]
    return _("Target %(comparator)s %(value)s") % {
        "comparator": indicator.get_comparator_display(),
        "value": fmt(target, indicator.unit),
    }


def _indicator_title(indicator) -> str:
    return f"{_('Indicator')} {circled(indicator.number)} {indicator.name}"


def _indicators(ctx, options, group_names, *, tables_only: bool) -> list[IndicatorSection]:
    if tables_only:
        sections = []
        for code in MONTHLY_CODES:
            section = _monthly_section(ctx, code, options)
            section.year = _suppress_year(
                pd.concat([dashboard.year_frame(ctx, code, y) for y in options.years], ignore_index=True),
                section.monthly,
            )
            sections.append(section)
        return sections
    sections = []
    for code in ("overtime_80h", "left_by_19"):
        page = dashboard.indicator_page(ctx, code)
        sections.append(
            _section(
                ctx,
                code,
                options,
                figure=page["figure"],
                year_rows=page["year_rows"],
                notes=page["footnotes"],
                group_names=group_names,
            )
        )
    leave = dashboard.leave_page(ctx)
    for code, figure, rows in (
        ("leave_10plus", leave["figure"], leave["share_year_rows"]),
        ("leave_avg_days", None, leave["days_year_rows"]),
    ):
        sections.append(
            _section(
                ctx,
                code,
                options,
                figure=figure,
                year_rows=rows,
                notes=list(leave["footnotes"]),
                group_names=group_names,
            )
        )
    return sections


def _stress_rows(ctx, options) -> list[dict]:
    """Stress-check scores per year for all types and each type, as tidy rows (respondent-weighted),
    with their coverage and the audience's decision (the disclosure layer's, as on the stress page)."""
    scores = dashboard.stress_frame_disclosed(ctx)
    # `schools` comes twice (the scores' and the coverage's, the same count): keep one.
    scores = scores.loc[scores["fiscal_year"].isin(options.years), ~scores.columns.duplicated(keep="last")]
    tidy = []
    for r in scores.to_dict("records"):
        small = isinstance(r["suppressed"], str) or (
            options.suppress_small_cells and r["respondents"] < MIN_STAFF
        )
        for column, code in dashboard.STRESS_LABELS.items():
            tidy.append(
                {
                    "indicator": code,
                    "fiscal_year": int(r["fiscal_year"]),
                    "group": r["group"],
                    "value": None if small else aggregation.round_half_up(r[column]),
                    "respondents": None if small else int(r["respondents"]),
                    "schools": None if small else int(r["schools"]),
                    "schools_expected": int(r["schools_expected"]),
                    "provisional": bool(r["provisional"]),
                    "suppressed": small,
                }
            )
    return tidy


def _stress_page(ctx, options) -> dict:
    """The stress page's charts and table (the disclosure layer's decisions), and for officials groups
    of fewer than MIN_STAFF respondents suppressed too."""
    page = dashboard.stress_page(ctx)
    hidden = set()
    for row in page["table"]:
        if row.get("suppressed") or (options.suppress_small_cells and row["respondents"] < MIN_STAFF):
            hidden.add((row["group"], row["year"]))
            row["scores"] = [{"value": SUPPRESSED, "met": None} for _s in row["scores"]]
            row["respondents"] = SUPPRESSED
    for chart in page["charts"]:
        for trace in chart["figure"]["data"]:
            for i, label in enumerate(trace["x"]):
                if (chart["title"], label) in hidden:
                    trace["y"][i] = None
                    trace["text"][i] = SUPPRESSED
    return page


def _kpi_number(value) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def measures(fiscal_year: int) -> list[dict]:
    """Pillars → sections → the measures with a record for `fiscal_year`: tag, status, results, plans,
    their KPIs (last year's and this year's actual, next year's plan) and notes. A few queries."""
    records = {
        r.measure_id: r for r in MeasureYear.objects.filter(fiscal_year=fiscal_year).select_related("measure")
    }
    values = {}
    for v in KPIValue.objects.filter(fiscal_year__in=[fiscal_year - 1, fiscal_year, fiscal_year + 1]):
        values[(v.kpi_id, v.fiscal_year)] = v
    notes = {}
    for n in MeasureNote.objects.filter(fiscal_year=fiscal_year):
        notes.setdefault(n.measure_id, []).append(n)
    out = []
    for pillar in Pillar.objects.prefetch_related("sections__measures__kpis"):
        sections = []
        for section in pillar.sections.all():
            items = []
            for measure in section.measures.all():
                record = records.get(measure.pk)
                if record is None:
                    continue
                kpis = []
                for kpi in measure.kpis.all():
                    before = values.get((kpi.pk, fiscal_year - 1))
                    now = values.get((kpi.pk, fiscal_year))
                    after = values.get((kpi.pk, fiscal_year + 1))
                    if not (before or now or after):
                        continue
                    kpis.append(
                        {
                            "name": kpi.name,
                            "unit": kpi.unit,
                            "previous": _kpi_number(before.actual if before else None),
                            "actual": _kpi_number(now.actual if now else None),
                            "planned": _kpi_number(
                                (after.planned if after and after.planned is not None else None)
                                or (now.planned if now else None)
                            ),
                        }
                    )
                tag = record.tag if record.tag != MeasureYear.Tag.CONTINUING else ""
                items.append(
                    {
                        "number": circled(measure.number) if measure.number <= 20 else measure.number,
                        "title": measure.title,
                        "tag": f"【{record.get_tag_display()}】" if tag else "",
                        "tag_code": record.tag,
                        "status": record.get_status_display(),
                        "results": record.results,
                        "plans": record.plans,
                        "kpis": kpis,
                        "notes": [
                            {"kind": n.get_kind_display(), "text": n.text, "source": n.source}
                            for n in notes.get(measure.pk, [])
                        ],
                    }
                )
            if items:
                sections.append({"number": section.number, "title": section.title, "measures": items})
        if sections:
            out.append({"number": pillar.number, "title": pillar.title, "sections": sections})
    return out


def _published_years(sections: list[IndicatorSection], years: list[int]) -> dict:
    """The published year figures (and their `excluding_events` variants) of the report's indicators for
    the years and groups without school data, as the indicator pages and the API series show them."""
    have = {
        (s.code, int(fy), str(g))
        for s in sections
        if s.year is not None
        for fy, g in zip(s.year["fiscal_year"], s.year["group"], strict=True)
    }
    figures = PublishedFigure.objects.filter(
        indicator__code__in=[s.code for s in sections], fiscal_year__in=years, month__isnull=True
    ).select_related("indicator")
    return {
        (f.indicator.code, f.fiscal_year, f.group, f.excluding_events): f
        for f in figures
        if (f.indicator.code, f.fiscal_year, f.group) not in have
    }


# The per-school rows (board staff only): every stored column of a counted school-month, under the
# monthly import's own headers (metrics.imports.monthly), so the sheet or CSV imports back as it is;
# the school's name, type, district and the month's status are there to read, and the import skips them.
SCHOOL_COLUMNS = (
    ("code", MONTHLY_COLUMNS["school_code"][0]),
    ("name", gettext_lazy("School name")),
    ("school_type_name", gettext_lazy("School type")),
    ("district_name", gettext_lazy("District")),
    ("fiscal_year", MONTHLY_COLUMNS["fiscal_year"][0]),
    ("month", MONTHLY_COLUMNS["month"][0]),
    ("status", gettext_lazy("Status")),
    *((name, MONTHLY_COLUMNS[name][0]) for name in MonthlyReport.VALUE_FIELDS),
)


def school_months(fiscal_year: int) -> pd.DataFrame:
    """Every counted school-month of the year (SCHOOL_COLUMNS, in fiscal month order per school code);
    counts are ints, leave days Decimals, a blank optional count None."""
    fields = ["fiscal_year", "month", "status", *MonthlyReport.VALUE_FIELDS]
    rows = (
        MonthlyReport.objects.filter(fiscal_year=fiscal_year, status__in=MonthlyReport.COUNTED_STATUSES)
        .values_list(
            "school__code",
            "school__name_ja",
            "school__school_type__name_ja",
            "school__district__name_ja",
            *fields,
        )
        .order_by()
    )
    columns = ["code", "name", "school_type_name", "district_name", *fields]
    out = pd.DataFrame(list(rows), columns=columns, dtype=object)  # ints stay ints beside blanks
    labels = dict(MonthlyReport.Status.choices)
    out["status"] = [str(labels.get(v, v)) for v in out["status"]]
    out["order"] = [FISCAL_MONTHS.index(m) for m in out["month"]]
    out = out.sort_values(["code", "order"]).drop(columns="order").reset_index(drop=True)
    return out[[c for c, _label in SCHOOL_COLUMNS]]


def build_report(
    options: ReportOptions, *, progress: Progress = no_progress, tables_only: bool = False
) -> Report:
    """Everything the report shows, in the active language. Raises ReportError for years without data.

    `tables_only` (the CSV) gathers the monthly figures and stress scores only: no charts, year tables,
    measures or commentary."""
    check_options(options)
    progress("loading", 5)
    query = QueryDict(mutable=True)
    query["year"] = str(options.fiscal_year)
    query["compare"] = str(options.compare_year or "")
    audience = disclosure.Audience(disclosure.OFFICIAL if options.suppress_small_cells else disclosure.BOARD)
    ctx = dashboard.load_context(parse_filters(query), audience=audience)
    lang = "ja"
    report = Report(
        options=options,
        generated_at=timezone.localtime(),
        year_label=fiscal_year_label(options.fiscal_year, lang),
        compare_label=fiscal_year_label(options.compare_year, lang) if options.compare_year else "",
        commentary="",
        months_header=[month_label(m, lang) for m in FISCAL_MONTHS],
        year_headers=[fiscal_year_label(y, lang) for y in options.years],
        indicators=[],
        stress_rows=_stress_rows(ctx, options),
        group_names={aggregation.ALL: _("All types"), **ctx.type_names},
    )
    if options.suppress_small_cells:
        report.suppressed_note = _(
            "%(mark)s: not shown: fewer than %(count)s staff (or respondents) or %(schools)s schools were "
            "counted, or the figure would let another be worked out."
        ) % {"mark": SUPPRESSED, "count": MIN_STAFF, "schools": disclosure.MIN_SCHOOLS}
        report.notes.append(report.suppressed_note)
    report.demo = is_demo_data()
    progress("figures", 15)
    report.indicators = _indicators(ctx, options, report.group_names, tables_only=tables_only)
    if any(s.monthly["provisional"].astype(bool).any() for s in report.indicators if not s.monthly.empty):
        report.provisional_note = _(
            "Provisional: fewer than %(share)s%% of the schools expected have reported."
        ) % {"share": disclosure.threshold()}
        report.notes.append(report.provisional_note)
    report.published = _published_years(report.indicators, options.years)
    if tables_only:
        return report
    stress = _stress_page(ctx, options)
    report.stress_charts, report.stress_table, report.score_names = (
        stress["charts"],
        stress["table"],
        stress["score_names"],
    )
    progress("measures", 25)
    commentary = Commentary.objects.filter(fiscal_year=options.fiscal_year).first()
    report.commentary = commentary.body if commentary else ""
    report.pillars = measures(options.fiscal_year)
    return report
