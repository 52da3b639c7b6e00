import re

from django import forms
from django.db import transaction
from django.forms import inlineformset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.imports import MAX_YEAR, MIN_YEAR
from measures.models import KPI, KPIValue, Measure, MeasureYear, Section
from metrics.imports.flow import ImportUploadForm
from metrics.models import School

YEAR_HELP = gettext_lazy("The fiscal year (April–March) as a number, e.g. 2021 for 令和3年度.")
TEXT_HELP = gettext_lazy(
    "Line breaks are kept. Start a line with ・ or - to make a list item; HTML is shown as typed."
)


def _check_year(value: int) -> int:
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise forms.ValidationError(
            _("The fiscal year must be between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    return value


class MeasureForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["section", "number", "title_ja", "title_en", "indicators"]
        widgets = {"indicators": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.select_related("pillar")
        self.fields["section"].empty_label = _("Choose a section")
        self.fields["number"].min_value = 1


class MeasureYearForm(forms.ModelForm):
    class Meta:
        model = MeasureYear
        fields = ["fiscal_year", "tag", "status", "results", "plans"]
        help_texts = {"fiscal_year": YEAR_HELP, "results": TEXT_HELP, "plans": TEXT_HELP}
        widgets = {"results": forms.Textarea(attrs={"rows": 8}), "plans": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.measure = measure

    def clean_fiscal_year(self):
        year = _check_year(self.cleaned_data["fiscal_year"])
        taken = MeasureYear.objects.filter(measure=self.instance.measure, fiscal_year=year)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This measure already has a record for that fiscal year."))
        return year


class KPIForm(forms.ModelForm):
    class Meta:
        model = KPI
        fields = ["name_ja", "name_en", "unit", "is_headline", "order"]
        help_texts = {
            "is_headline": gettext_lazy(
                "The figure shown in the register; choosing it unmarks the measure's previous headline KPI."
            ),
            "unit": gettext_lazy("e.g. 校, 人, 回"),
        }

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.measure = measure


class KPIValueForm(forms.ModelForm):
    class Meta:
        model = KPIValue
        fields = ["fiscal_year", "actual", "planned"]

    def clean_fiscal_year(self):
        return _check_year(self.cleaned_data.get("fiscal_year"))

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("DELETE"):
            return data
        if data.get("fiscal_year") is not None and data.get("actual") is None and data.get("planned") is None:
            raise forms.ValidationError(_("Give an actual or a planned figure (or both) for the year."))
        return data


KPIValueFormSet = inlineformset_factory(
    KPI, KPIValue, form=KPIValueForm, fields=["fiscal_year", "actual", "planned"], extra=3, can_delete=True
)


def save_kpi(form: KPIForm, values: KPIValueFormSet) -> KPI:
    """Save a KPI and its yearly values together; a new headline KPI replaces the measure's previous one."""
    with transaction.atomic():
        kpi = form.save(commit=False)
        if kpi.is_headline:
            KPI.objects.filter(measure=kpi.measure, is_headline=True).exclude(pk=kpi.pk).update(
                is_headline=False
            )
        kpi.save()
        values.instance = kpi
        values.save()
    return kpi


class AdoptionForm(forms.Form):
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), help_text=YEAR_HELP)
    school_codes = forms.CharField(
        label=gettext_lazy("School codes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One or more school codes, separated by spaces, commas or new lines."),
    )

    def clean_fiscal_year(self):
        return _check_year(self.cleaned_data["fiscal_year"])

    def clean_school_codes(self):
        codes = [c for c in re.split(r"[\s,、，]+", self.cleaned_data["school_codes"]) if c]
        found = {s.code: s for s in School.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown school codes: %(codes)s") % {"codes": ", ".join(dict.fromkeys(unknown))}
            )
        return list(dict.fromkeys(found[c] for c in codes))


class AdoptionImportForm(ImportUploadForm):
    replace = forms.BooleanField(
        label=gettext_lazy("The file is the full list for each year it names (remove schools not in it)"),
        required=False,
    )


class EffectForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year of adoption"), coerce=int)
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))

    def __init__(self, data, *, years, indicators):
        super().__init__(data)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["indicator"].choices = [(i.code, i.name) for i in indicators]
