from django import forms
from django.utils.translation import gettext_lazy as _

from metrics import disclosure
from metrics.dashboard.filters import available_years
from reform.fiscal import fiscal_year_label
from reports.models import ReportExport


class ReportExportForm(forms.Form):
    """The export page's choice: the year, the year to compare with (or none) and the format."""

    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)
    compare_year = forms.TypedChoiceField(
        label=_("Compare with"), coerce=int, required=False, empty_value=None
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=ReportExport.Format.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, lang: str = "ja", per_school: bool = True, **kwargs):
        """`per_school`: whether the per-school CSV is offered (board staff only; an official's request
        for it through the API fails with a message)."""
        super().__init__(*args, **kwargs)
        if not per_school:
            self.fields["format"].choices = [
                c for c in ReportExport.Format.choices if c[0] != ReportExport.Format.SCHOOLS
            ]
        years = available_years()
        choices = [(y, fiscal_year_label(y, lang)) for y in years]
        self.fields["fiscal_year"].choices = choices
        self.fields["compare_year"].choices = [("", _("No comparison")), *choices]
        if years:
            default = disclosure.default_fiscal_year(years)
            self.initial.setdefault("fiscal_year", default)
            self.initial.setdefault("compare_year", default - 1 if default - 1 in years else "")
        self.initial.setdefault("format", ReportExport.Format.PDF)

    def clean(self):
        data = super().clean()
        if data.get("compare_year") and data.get("compare_year") == data.get("fiscal_year"):
            self.add_error("compare_year", _("Choose another year to compare with, or none."))
        return data
