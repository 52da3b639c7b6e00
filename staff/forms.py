"""Forms of the per-staff pages: the import, the year and filters, a physician-interview record."""

from django import forms
from django.utils.translation import gettext_lazy as _

from metrics.imports.monthly import MAX_BYTES
from reform import fiscal
from staff.models import PhysicianInterview


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 (with or without BOM) or Shift_JIS, at most 5 MB. Headers in Japanese or English."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ConfirmStaffImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


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
