"""Forms of the monthly reporting workflow: the month's counts, imports, review and the due day."""

from django import forms
from django.utils.translation import gettext_lazy as _

from metrics.entry.workflow import current_fiscal_year
from metrics.imports.flow import ImportUploadForm
from metrics.models import District, MonthlyReport, QualityFlag, ReportingDeadline, SchoolType
from reform import fiscal
from reform.i18n import active_language
from reform.params import whole_number

COUNT_HELP = {
    "staff_count": _(
        "Teachers and staff whose working hours the IC card recorded this month: full-time teaching "
        "staff, nurses, office staff and part-time teachers with fixed hours. Leave out staff on "
        "leave for the whole month."
    ),
    "over_80h_count": _(
        "Counted staff whose overtime this month (time at school before and after duty hours, "
        "weekends included) exceeded 80 hours. Indicator ①."
    ),
    "left_by_19_count": _(
        "Counted staff whose weekday overtime this month stayed within 45 hours, i.e. who on "
        "average left by 19:00 (at most 2 h 15 min a day over 20 school days; weekend work not "
        "included). Indicator ②."
    ),
    "over_45h_count": _(
        "Optional: counted staff whose overtime exceeded 45 hours (the national monthly cap). If "
        "given, it must be at least the number over 80 hours."
    ),
    "over_100h_count": _(
        "Optional: counted staff whose overtime exceeded 100 hours. At most the number over 80 hours."
    ),
    "leave_days_total": _(
        "Annual leave days taken since April by all counted staff together, as of the end of this "
        "month (cumulative; half days as 0.5)."
    ),
    "leave_10plus_count": _(
        "Counted staff who have taken 10 or more days of annual leave since April, as of the end "
        "of this month (cumulative). Indicator ④."
    ),
}


class MonthlyReportForm(forms.ModelForm):
    """A school-month's counts; the model's `clean` checks them against each other. `version` is the
    version the form was filled in on (0 for a month not started), sent back with the save."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)

    class Meta:
        model = MonthlyReport
        fields = list(COUNT_HELP)
        help_texts = COUNT_HELP
        widgets = {
            name: forms.NumberInput(attrs={"min": 0, "step": "0.5" if name == "leave_days_total" else 1})
            for name in COUNT_HELP
        }

    def __init__(self, *args, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else 0
        for name, field in self.fields.items():
            if name != "version":
                field.widget.attrs["inputmode"] = "decimal"
            if read_only:
                field.disabled = True

    @property
    def seen_version(self) -> int:
        """The version the user read; a form posted without one is taken to have read none."""
        return self.cleaned_data.get("version") or 0


class QualityReasonForm(forms.Form):
    """The principal's reason for submitting a month whose figures the data-quality checks flag."""

    quality_reason = forms.CharField(
        label=_("Why these figures are right"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("Submitting a flagged month needs a reason; the board reads it with the flags."),
    )

    @property
    def reason(self) -> str:
        return (self.cleaned_data.get("quality_reason") or "").strip() if self.is_valid() else ""


class FollowUpForm(forms.Form):
    """The board's follow-up of one data-quality flag."""

    state = forms.ChoiceField(label=_("Follow-up"), choices=QualityFlag.State.choices)
    note = forms.CharField(
        label=_("Board's note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class ImportForm(ImportUploadForm):
    """A CSV file of school-months and the state its rows are saved in."""

    status = forms.ChoiceField(label=_("Save the rows as"))

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, MonthlyReport.Status(s).label) for s in statuses]
        self.fields["status"].initial = MonthlyReport.Status.SUBMITTED


class ReturnForm(forms.Form):
    """The board's comment when it returns a month to the school."""

    comment = forms.CharField(
        label=_("Comment to the school"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Say what the school should check or correct."),
    )


class DeadlineForm(forms.ModelForm):
    """The board's due day."""

    class Meta:
        model = ReportingDeadline
        fields = ["due_day"]
        widgets = {"due_day": forms.NumberInput(attrs={"min": 1, "max": 28})}


def fiscal_years() -> list[int]:
    """The fiscal years with data, and the current one, newest first."""
    stored = MonthlyReport.objects.order_by().values_list("fiscal_year", flat=True).distinct()
    return sorted({current_fiscal_year(), *stored}, reverse=True)


class BoardFilterForm(forms.Form):
    """Which school-months a board page shows: year, type, district (and month, state for review)."""

    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    school_type = forms.ModelChoiceField(
        label=_("School type"),
        queryset=SchoolType.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All types"),
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All districts"),
    )
    month = forms.TypedChoiceField(
        label=_("Month"),
        coerce=int,
        required=False,
        choices=[("", _("All months"))] + [(m, m) for m in fiscal.FISCAL_MONTHS],
    )
    status = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states"))] + list(MonthlyReport.Status.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = active_language()
        years = set(fiscal_years())
        asked = str(self.data.get("year", ""))
        if (wanted := whole_number(asked, minimum=2000, maximum=2100)) is not None:
            years.add(wanted)  # a year without data yet is still a valid choice
        self.fields["year"].choices = [
            (y, fiscal.fiscal_year_label(y, lang)) for y in sorted(years, reverse=True)
        ]
        self.fields["month"].choices = [("", _("All months"))] + [
            (m, fiscal.month_label(m, lang)) for m in fiscal.FISCAL_MONTHS
        ]
        self.default_year = current_fiscal_year()

    def value(self, name):
        """The cleaned filter value, or its default when the form is invalid or the field empty."""
        self.is_valid()  # an invalid filter is left out; the valid ones still apply
        found = self.cleaned_data.get(name)
        if name == "year":
            return found or self.default_year
        return found or None

    def schools(self, queryset):
        """`queryset` of schools narrowed to the chosen type and district."""
        if self.value("school_type"):
            queryset = queryset.filter(school_type=self.value("school_type"))
        if self.value("district"):
            queryset = queryset.filter(district=self.value("district"))
        return queryset

    def months(self, reports, schools):
        """`reports` (school-months) narrowed to the chosen year and month and to those of `schools`
        of the chosen type and district."""
        reports = reports.filter(fiscal_year=self.value("year"), school__in=self.schools(schools))
        if self.value("month"):
            reports = reports.filter(month=self.value("month"))
        return reports


class QualityFilterForm(BoardFilterForm):
    """Which flagged school-months the board's data-quality page lists: a board filter and the
    flags' follow-up state (open unless chosen; the empty choice means every state)."""

    follow_up = forms.ChoiceField(
        label=_("Follow-up"),
        required=False,
        choices=[("", _("All states"))] + list(QualityFlag.State.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["status"]  # the months' own state: the page lists counted and returned months
