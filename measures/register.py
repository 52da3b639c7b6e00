"""The register of measures: filters from the query string, rows grouped by pillar and section."""

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.models import KPI, KPIValue, Measure, MeasureYear, Pillar, Section
from metrics.models import Indicator

MAX_SEARCH_LENGTH = 100


class RegisterFilterForm(forms.Form):
    """The register's filters; every one is optional and read from the query string."""

    year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int, required=False)
    pillar = forms.TypedChoiceField(label=gettext_lazy("Pillar"), coerce=int, required=False)
    tag = forms.ChoiceField(label=gettext_lazy("Tag"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), required=False)
    q = forms.CharField(label=gettext_lazy("Words"), max_length=MAX_SEARCH_LENGTH, required=False)

    def __init__(self, data, *, years, pillars, indicators):
        super().__init__(data)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["pillar"].choices = [("", _("All pillars")), *((p.number, p.title) for p in pillars)]
        self.fields["tag"].choices = [("", _("All tags")), *MeasureYear.Tag.choices]
        self.fields["status"].choices = [("", _("All statuses")), *MeasureYear.Status.choices]
        self.fields["indicator"].choices = [
            ("", _("All indicators")),
            *((i.code, i.name) for i in indicators),
        ]


@dataclass
class RegisterFilters:
    fiscal_year: int | None
    pillar: int | None = None
    tag: str = ""
    status: str = ""
    indicator: str = ""
    words: list[str] = field(default_factory=list)
    text: str = ""
    years: list[int] = field(default_factory=list)
    pillars: list[Pillar] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.pillar or self.tag or self.status or self.indicator or self.words)

    def query(self) -> str:
        """The query string that reproduces these filters."""
        pairs = [
            ("year", self.fiscal_year),
            ("pillar", self.pillar),
            ("tag", self.tag),
            ("status", self.status),
            ("indicator", self.indicator),
            ("q", self.text),
        ]
        return urlencode([(k, v) for k, v in pairs if v not in (None, "")])


def default_year(year_statuses) -> int | None:
    """The latest fiscal year with a measure under way or done (a year only planned comes later)."""
    started = [y for y, status in year_statuses if status != MeasureYear.Status.PLANNED]
    years = started or [y for y, _status in year_statuses]
    return max(years) if years else None


def normalized(text: str) -> str:
    """Text for matching: full-width and half-width forms alike (ＳＳＷ = SSW), case ignored."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def parse_filters(params) -> RegisterFilters:
    """Filters from a QueryDict; an unknown value is left out with a message saying which."""
    year_statuses = set(MeasureYear.objects.order_by().values_list("fiscal_year", "status").distinct())
    years = sorted({y for y, _status in year_statuses}, reverse=True)
    pillars = list(Pillar.objects.all())
    indicators = list(Indicator.objects.all())
    form = RegisterFilterForm(params, years=years, pillars=pillars, indicators=indicators)
    form.is_valid()
    ignored = [
        _("Unknown value “%(value)s” for the filter “%(filter)s”: that filter was left out.")
        % {"value": str(params.get(name, ""))[:MAX_SEARCH_LENGTH], "filter": form.fields[name].label}
        for name in form.errors
    ]
    data = form.cleaned_data
    text = data.get("q", "") or ""
    fiscal_year = data.get("year")
    return RegisterFilters(
        fiscal_year=fiscal_year if fiscal_year not in (None, "") else default_year(year_statuses),
        pillar=data.get("pillar") or None,
        tag=data.get("tag", ""),
        status=data.get("status", ""),
        indicator=data.get("indicator", ""),
        words=normalized(text).split(),
        text=text,
        years=years,
        pillars=pillars,
        indicators=indicators,
        ignored=ignored,
    )


@dataclass
class Headline:
    """A measure's headline KPI in the chosen year, with the change from the year before."""

    name: str
    unit: str
    value: Decimal | None
    is_planned: bool
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass
class RegisterRow:
    year: MeasureYear
    measure: Measure
    headline: Headline | None


@dataclass
class SectionBlock:
    section: Section
    rows: list[RegisterRow] = field(default_factory=list)


@dataclass
class PillarBlock:
    pillar: Pillar
    sections: list[SectionBlock] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def _value(kpi_value: KPIValue | None) -> tuple[Decimal | None, bool]:
    """(actual if there is one, else planned; whether it is the planned figure)."""
    if kpi_value is None:
        return None, False
    if kpi_value.actual is not None:
        return kpi_value.actual, False
    return kpi_value.planned, kpi_value.planned is not None


def headline_of(measure: Measure, fiscal_year: int) -> Headline | None:
    """The headline KPI of a measure prefetched with `register_years` (no queries)."""
    if not measure.headline_kpis:
        return None
    kpi = measure.headline_kpis[0]
    by_year = {v.fiscal_year: v for v in kpi.register_values}
    value, is_planned = _value(by_year.get(fiscal_year))
    previous, _planned = _value(by_year.get(fiscal_year - 1))
    return Headline(name=kpi.name, unit=kpi.unit, value=value, is_planned=is_planned, previous=previous)


def register_years(filters: RegisterFilters):
    """The chosen year's MeasureYear rows, filtered, with what the register shows prefetched."""
    fy = filters.fiscal_year
    qs = MeasureYear.objects.filter(fiscal_year=fy).select_related("measure__section__pillar")
    if filters.pillar:
        qs = qs.filter(measure__section__pillar__number=filters.pillar)
    if filters.tag:
        qs = qs.filter(tag=filters.tag)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.indicator:
        qs = qs.filter(measure__indicators__code=filters.indicator)
    headline_values = KPIValue.objects.filter(fiscal_year__in=[fy - 1, fy]) if fy else KPIValue.objects.none()
    prefetches = [
        Prefetch(
            "measure__kpis",
            queryset=KPI.objects.filter(is_headline=True).prefetch_related(
                Prefetch("values", queryset=headline_values, to_attr="register_values")
            ),
            to_attr="headline_kpis",
        ),
        "measure__indicators",
    ]
    if filters.words:
        prefetches += [
            Prefetch("measure__notes", to_attr="search_notes"),
            Prefetch("measure__kpis", queryset=KPI.objects.all(), to_attr="search_kpis"),
        ]
    return qs.order_by(
        "measure__section__pillar__number", "measure__section__number", "measure__number", "measure__pk"
    ).prefetch_related(*prefetches)


def _matches(year: MeasureYear, words: list[str]) -> bool:
    """Every word appears in the measure's titles, this year's text, its KPI names or its notes."""
    measure = year.measure
    parts = [measure.title_ja, measure.title_en, year.results, year.plans]
    parts += [f"{k.name_ja} {k.name_en}" for k in measure.search_kpis]
    parts += [f"{n.text} {n.source}" for n in measure.search_notes]
    haystack = normalized("\n".join(parts))
    return all(word in haystack for word in words)


def register(filters: RegisterFilters) -> list[PillarBlock]:
    """The register for the chosen year: pillars → sections → rows, in the plan's order."""
    if filters.fiscal_year is None:
        return []
    blocks: list[PillarBlock] = []
    for year in register_years(filters):
        if filters.words and not _matches(year, filters.words):
            continue
        measure = year.measure
        section, pillar = measure.section, measure.section.pillar
        if not blocks or blocks[-1].pillar.pk != pillar.pk:
            blocks.append(PillarBlock(pillar=pillar))
        sections = blocks[-1].sections
        if not sections or sections[-1].section.pk != section.pk:
            sections.append(SectionBlock(section=section))
        sections[-1].rows.append(
            RegisterRow(year=year, measure=measure, headline=headline_of(measure, filters.fiscal_year))
        )
    return blocks
