"""Forms of the per-staff pages: the import, the year and filters, a physician-interview record."""

from django import forms
from django.utils.translation import gettext_lazy as _

from metrics.imports.flow import ImportUploadForm
from reform import fiscal
from staff.models import PhysicianInterview


class StaffImportForm(ImportUploadForm):
    """The per-staff CSV (the import has no options)."""


class InterviewForm(forms.ModelForm):
    """What was done toward a physician's interview. Dates may be left empty until they happen."""

    class Meta:
        model = PhysicianInterview
        fields = ["notified_on", "requested_on", "interview_on", "follow_up"]
        widgets = {
            "notified_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "requested_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "interview_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "follow_up": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        data = super().clean()
        start = fiscal.month_start(self.instance.fiscal_year, self.instance.month)
        for name in ("notified_on", "requested_on", "interview_on"):
            if data.get(name) and data[name] < start:
                self.add_error(name, _("The date cannot be before the month it is about."))
        requested, interview = data.get("requested_on"), data.get("interview_on")
        if requested and interview and interview < requested:
            self.add_error("interview_on", _("The interview cannot be before it was requested."))
        return data
