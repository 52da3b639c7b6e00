"""The dashboard's filters: read from the query string, invalid values ignored with a message."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics import disclosure
from metrics.models import District, MonthlyRollup, PublishedFigure, SchoolType
from reform import fiscal
from reform.params import whole_number


@dataclass
class DashboardFilters:
    fiscal_year: int | None
    compare_year: int | None
    types: list[str]  # school type codes shown; all types when none was chosen
    district: str | None
    available_years: list[int]
    type_choices: list[SchoolType]
    district_choices: list[District]
    chosen_types: list[str] = field(default_factory=list)  # as chosen by the user (may be empty)
    ignored: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return [y for y in (self.fiscal_year, self.compare_year) if y is not None]

    def query(self) -> str:
        """The query string that reproduces these filters (for links between pages)."""
        pairs = [("year", self.fiscal_year), ("compare", self.compare_year if self.compare_year else "")]
        pairs += [("type", t) for t in self.chosen_types]
        if self.district:
            pairs.append(("district", self.district))
        return urlencode([(k, v) for k, v in pairs if v is not None])


def available_years() -> list[int]:
    """Fiscal years with counted school-months (in their rollups) or published figures, newest first."""
    years = set(MonthlyRollup.objects.order_by().values_list("fiscal_year", flat=True).distinct())
    years |= set(PublishedFigure.objects.order_by().values_list("fiscal_year", flat=True).distinct())
    return sorted(years, reverse=True)


def _int(value: str) -> int | None:
    return whole_number(value)


def parse_filters(params) -> DashboardFilters:
    """Filters from a QueryDict: year, compare (a year or empty for none), type (repeatable), district."""
    years = available_years()
    type_choices = list(SchoolType.objects.all())
    district_choices = list(District.objects.all())
    ignored = []

    fiscal_year = disclosure.default_fiscal_year(years)
    if params.get("year"):
        wanted = _int(params["year"])
        if wanted in years:
            fiscal_year = wanted
        else:
            ignored.append(
                _("There is no data for fiscal year “%(value)s”; showing the latest year instead.")
                % {"value": params["year"]}
            )

    compare_year = fiscal_year - 1 if fiscal_year and fiscal_year - 1 in years else None
    if "compare" in params:
        raw = params["compare"]
        wanted = _int(raw)
        if raw == "":
            compare_year = None
        elif wanted == fiscal_year:
            compare_year = None
            ignored.append(
                _("Fiscal year “%(value)s” is the year shown, so it is not compared with itself.")
                % {"value": raw}
            )
        elif wanted in years:
            compare_year = wanted
        else:
            ignored.append(
                _("There is no data to compare with for fiscal year “%(value)s”; it was ignored.")
                % {"value": raw}
            )

    known_types = {t.code for t in type_choices}
    chosen = []
    for code in params.getlist("type"):
        if code in known_types:
            chosen.append(code)
        else:
            ignored.append(_("Unknown school type “%(value)s” was ignored.") % {"value": code})
    chosen = [t.code for t in type_choices if t.code in chosen]

    district = params.get("district") or None
    if district and district not in {d.code for d in district_choices}:
        ignored.append(_("Unknown district “%(value)s” was ignored.") % {"value": district})
        district = None

    return DashboardFilters(
        fiscal_year=fiscal_year,
        compare_year=compare_year,
        types=chosen or [t.code for t in type_choices],
        chosen_types=chosen,
        district=district,
        available_years=years,
        type_choices=type_choices,
        district_choices=district_choices,
        ignored=ignored,
    )


class SchoolSearchForm(forms.Form):
    """Find schools by words in their code or name, type and district."""

    q = forms.CharField(label=gettext_lazy("Code or name"), required=False, max_length=100)
    school_type = forms.ModelChoiceField(
        label=gettext_lazy("School type"),
        queryset=SchoolType.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All types"),
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"),
        queryset=District.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All districts"),
    )

    def search(self, schools):
        if not self.is_bound or not self.is_valid():
            return schools
        words = self.cleaned_data["q"].split()
        for word in words:
            schools = schools.filter(
                Q(code__icontains=word) | Q(name_ja__icontains=word) | Q(name_en__icontains=word)
            )
        if self.cleaned_data["school_type"]:
            schools = schools.filter(school_type=self.cleaned_data["school_type"])
        if self.cleaned_data["district"]:
            schools = schools.filter(district=self.cleaned_data["district"])
        return schools

    def query_without_page(self) -> str:
        if not self.is_bound:
            return ""
        return urlencode([(k, v) for k, v in self.data.items() if k != "page" and v])


class YearForm(forms.Form):
    """The fiscal year of a page (and, on some pages, a school, a month or a filter)."""

    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)

    def __init__(self, data, *, years: list[int], lang: str):
        super().__init__(data)
        self.fields["year"].choices = [(y, fiscal.fiscal_year_label(y, lang)) for y in years]
        self.default = years[0] if years else None

    def value(self, name: str, default=None):
        if self.is_valid():
            return self.cleaned_data.get(name, default)
        return default
