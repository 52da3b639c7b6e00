"""Plain data for the measure pages: years side by side, KPI charts, change history, adoption, effect."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures import charts, effect
from measures.models import Adoption, Measure, MeasureYear
from metrics import services as metric_services
from metrics.models import Indicator, MonthlyReport, SchoolType
from reform.i18n import active_language
from reform.params import whole_number

# Indicator codes → the dashboard page that shows them.
INDICATOR_PAGES = {
    "overtime_80h": "overtime_80h",
    "left_by_19": "left_by_19",
    "stress_total": "stress",
    "stress_workload": "stress",
    "stress_support": "stress",
    "leave_10plus": "leave",
    "leave_avg_days": "leave",
}
HISTORY_FIELDS = ("fiscal_year", "tag", "status", "results", "plans")
HISTORY_KINDS = {
    "+": gettext_lazy("Record created"),
    "~": gettext_lazy("Record changed"),
    "-": gettext_lazy("Record deleted"),
}


@dataclass
class YearColumn:
    """One fiscal year of a measure, with the plan that the year before made for it."""

    year: MeasureYear
    plan_from_previous: str | None  # None: no row for the year before


def year_columns(years: list[MeasureYear]) -> list[YearColumn]:
    """Years in order, each beside the plan written for it the year before (if that year is recorded)."""
    years = sorted(years, key=lambda y: y.fiscal_year)
    by_year = {y.fiscal_year: y for y in years}
    return [
        YearColumn(
            year=y,
            plan_from_previous=by_year[y.fiscal_year - 1].plans if y.fiscal_year - 1 in by_year else None,
        )
        for y in years
    ]


def kpi_blocks(measure: Measure) -> list[dict]:
    """Each KPI with its values per year (and change in the actual figure) and its chart."""
    lang = active_language()
    labels = {"actual": _("Actual"), "planned": _("Planned")}
    blocks = []
    for index, kpi in enumerate(measure.kpis.prefetch_related("values"), start=1):
        rows, previous_actual = [], None
        for v in sorted(kpi.values.all(), key=lambda v: v.fiscal_year):
            rows.append(
                {
                    "fiscal_year": v.fiscal_year,
                    "actual": v.actual,
                    "planned": v.planned,
                    "change": (
                        v.actual - previous_actual
                        if v.actual is not None and previous_actual is not None
                        else None
                    ),
                }
            )
            if v.actual is not None:
                previous_actual = v.actual
        title = f"{kpi.name}（{kpi.unit}）" if kpi.unit else kpi.name
        figure = (
            charts.kpi_figure(rows=rows, title=title, unit=kpi.unit, labels=labels, lang=lang)
            if rows
            else None
        )
        blocks.append({"kpi": kpi, "rows": rows, "figure": figure, "chart_id": f"kpi-chart-{index}"})
    return blocks


def indicator_links(measure: Measure) -> list[dict]:
    """The indicators a measure aims to move, with the dashboard page of each."""
    return [{"indicator": i, "page": INDICATOR_PAGES.get(i.code)} for i in measure.indicators.all()]


def notes_by_year(measure: Measure) -> list[tuple[int, list]]:
    """Notes and quotes grouped by fiscal year, newest year first."""
    grouped: dict[int, list] = {}
    for note in measure.notes.all():
        grouped.setdefault(note.fiscal_year, []).append(note)
    return sorted(grouped.items(), reverse=True)


def adoption_summary(measure: Measure) -> list[dict]:
    """Per fiscal year: how many schools take part, in total and per school type (aggregates only)."""
    types = {t.code: t for t in SchoolType.objects.all()}
    rows = (
        Adoption.objects.filter(measure=measure)
        .values("fiscal_year", "school__school_type__code")
        .annotate(schools=Count("id"))
        .order_by("fiscal_year", "school__school_type__order")
    )
    years: dict[int, dict] = {}
    for row in rows:
        year = years.setdefault(
            row["fiscal_year"], {"fiscal_year": row["fiscal_year"], "total": 0, "types": []}
        )
        year["total"] += row["schools"]
        year["types"].append({"type": types[row["school__school_type__code"]], "schools": row["schools"]})
    return list(years.values())


# --- change history -------------------------------------------------------------


def _display(record, field: str) -> str:
    value = getattr(record, field)
    if field in ("tag", "status"):
        choices = MeasureYear.Tag if field == "tag" else MeasureYear.Status
        return str(choices(value).label) if value in choices.values else str(value)
    return "" if value is None else str(value)


def history_entries(measure: Measure) -> list[dict]:
    """Every recorded change to the measure's years, newest first: who, when, and each field before/after."""
    records = list(
        MeasureYear.history.filter(measure_id=measure.pk)
        .select_related("history_user")
        .order_by("id", "-history_date", "-history_id")
    )
    entries = []
    for i, record in enumerate(records):
        previous = records[i + 1] if i + 1 < len(records) and records[i + 1].id == record.id else None
        if previous is None or record.history_type == "-":
            fields = HISTORY_FIELDS if record.history_type == "+" or previous is None else ()
            changes = [
                {
                    "name": f,
                    "field": MeasureYear._meta.get_field(f).verbose_name,
                    "before": "",
                    "after": _display(record, f),
                }
                for f in fields
                if _display(record, f)
            ]
        else:
            delta = record.diff_against(previous, included_fields=list(HISTORY_FIELDS))
            changes = [
                {
                    "name": c.field,
                    "field": MeasureYear._meta.get_field(c.field).verbose_name,
                    "before": _display(previous, c.field),
                    "after": _display(record, c.field),
                }
                for c in delta.changes
            ]
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "fiscal_year": record.fiscal_year,
                "kind": HISTORY_KINDS.get(record.history_type, record.history_type),
                "type": record.history_type,
                "changes": changes,
            }
        )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


# --- effect of adoption ---------------------------------------------------------


def effect_years(measure: Measure) -> list[int]:
    """Adoption years that have monthly data for themselves and the year before, newest first."""
    adopted = set(Adoption.objects.filter(measure=measure).values_list("fiscal_year", flat=True).distinct())
    data_years = set(
        MonthlyReport.objects.filter(status__in=MonthlyReport.COUNTED_STATUSES)
        .order_by()
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
    return sorted((y for y in adopted if y in data_years and y - 1 in data_years), reverse=True)


def effect_indicators(measure: Measure) -> list[Indicator]:
    """The measure's indicators that the comparison can compute."""
    return [i for i in measure.indicators.all() if i.code in effect.SUPPORTED_INDICATORS]


def effect_page(measure: Measure, *, fiscal_year: int, indicator: Indicator) -> dict:
    """The comparison for schools adopting `measure` in `fiscal_year`, with its chart."""
    years = [fiscal_year - 1, fiscal_year]
    if indicator.code in effect.STRESS_SCORES:
        frame = metric_services.stress_frame(fiscal_years=years)
    else:
        frame = metric_services.months_frame(fiscal_years=years)
    adoptions = Adoption.objects.filter(measure=measure, fiscal_year__lte=fiscal_year)
    adopting = set(adoptions.filter(fiscal_year=fiscal_year).values_list("school_id", flat=True))
    earlier = set(adoptions.filter(fiscal_year__lt=fiscal_year).values_list("school_id", flat=True))
    result = effect.compare_adoption(
        frame, indicator=indicator.code, adopting=adopting, earlier=earlier, after_year=fiscal_year
    )
    unit = "%" if indicator.unit == Indicator.Unit.PERCENT else ""
    groups = [
        {"name": name, "before": g.before, "after": g.after, "adopting": adopting_group}
        for name, g, adopting_group in (
            (_("Adopting schools"), result.adopting, True),
            (_("Other schools"), result.comparison, False),
        )
        if g.shown
    ]
    counterfactual = None
    if result.difference is not None:
        counterfactual = {
            "name": _("Adopting schools had they changed like the others"),
            "before": result.adopting.before,
            "after": result.adopting.before + result.comparison.change,
        }
    figure = None
    if groups:
        figure = charts.effect_figure(
            before_year=result.before_year,
            after_year=result.after_year,
            groups=groups,
            counterfactual=counterfactual,
            title=indicator.name,
            unit=unit,
            lang=active_language(),
        )
    types = {t.code: t for t in SchoolType.objects.all()}
    return {
        "result": result,
        "figure": figure,
        "unit": unit,
        "difference_unit": _difference_unit(indicator),
        "type_names": ("、" if active_language().startswith("ja") else ", ").join(
            types[c].name for c in result.school_types if c in types
        ),
    }


def _difference_unit(indicator: Indicator) -> str:
    if indicator.unit == Indicator.Unit.DAYS:
        return _("days")
    return _("points")


def effect_choice(params, *, years: list[int], indicators: list[Indicator]) -> dict:
    """The adoption year and indicator asked for in the query string (defaults: the latest year,
    the measure's first indicator); an unknown value is replaced by the default, with a message."""
    from measures.forms import EffectForm

    form = EffectForm(params, years=years, indicators=indicators)
    form.is_valid()
    ignored = [
        _("Unknown value “%(value)s” for “%(filter)s”: the default is shown.")
        % {"value": str(params.get(name, ""))[:50], "filter": form.fields[name].label}
        for name in form.errors
        if params.get(name)
    ]
    by_code = {i.code: i for i in indicators}
    year = form.cleaned_data.get("year")
    code = form.cleaned_data.get("indicator")
    return {
        "year": year if year is not None else (years[0] if years else None),
        "indicator": by_code.get(code) or (indicators[0] if indicators else None),
        "ignored": ignored,
    }


# --- adoption records (board staff) ---------------------------------------------


def adoption_rows(measure: Measure, *, user, year: str | None) -> dict:
    """The fiscal years with adoption records and the schools of the chosen one (default the latest)."""
    years = sorted(
        Adoption.objects.filter(measure=measure).order_by().values_list("fiscal_year", flat=True).distinct(),
        reverse=True,
    )
    chosen = whole_number(year)
    if chosen is None and years:
        chosen = years[0]
    rows = (
        Adoption.objects.restrict(user)
        .filter(measure=measure, fiscal_year=chosen)
        .select_related("school__school_type", "school__district")
        .order_by("school__school_type__order", "school__code")
    )
    return {"years": years, "year": chosen, "rows": list(rows)}


def add_adoptions(measure: Measure, *, schools, fiscal_year: int) -> int:
    """Record that `schools` take part in `measure` in `fiscal_year`; returns how many were new."""
    existing = set(
        Adoption.objects.filter(measure=measure, fiscal_year=fiscal_year).values_list("school_id", flat=True)
    )
    new = [
        Adoption(measure=measure, school=s, fiscal_year=fiscal_year) for s in schools if s.pk not in existing
    ]
    Adoption.objects.bulk_create(new)
    return len(new)
