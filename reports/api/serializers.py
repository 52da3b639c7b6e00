from rest_framework import serializers
from rest_framework.reverse import reverse

from reports.forms import ReportExportForm
from reports.models import ReportExport


class ReportExportSerializer(serializers.ModelSerializer):
    """An annual-report export job: what was asked, its progress, and where to download the file."""

    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "requested_by",
            "requested_at",
            "fiscal_year",
            "compare_year",
            "format",
            "audience",
            "status",
            "stage",
            "percent",
            "error",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        if export.status != ReportExport.Status.DONE:
            return None
        return reverse("api:report-export-download", args=[export.pk], request=self.context.get("request"))


class ReportExportRequestSerializer(serializers.Serializer):
    """What to export; validated by the export page's own form, so both say the same."""

    fiscal_year = serializers.IntegerField()
    compare_year = serializers.IntegerField(required=False, allow_null=True)
    format = serializers.ChoiceField(choices=ReportExport.Format.choices)

    def validate(self, attrs):
        form = ReportExportForm(data={**attrs, "compare_year": attrs.get("compare_year") or ""})
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): list(errors)
                    for field, errors in form.errors.items()
                }
            )
        return form.cleaned_data
