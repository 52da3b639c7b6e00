from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.permissions import ExportsReports
from api.views import ID_PATTERN, RestrictedViewSetMixin
from reports import jobs
from reports.api import serializers
from reports.models import ReportExport


class ReportExportViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The annual report's export jobs: ask for one (a Celery task builds it), follow its status,
    download the file. Board staff see every export; officials those built for officials."""

    serializer_class = serializers.ReportExportSerializer
    permission_classes = [ExportsReports]
    filterset_fields = ["fiscal_year", "format", "status"]
    ordering_fields = ["id", "requested_at", "fiscal_year"]
    lookup_value_regex = ID_PATTERN
    queryset = ReportExport.objects.select_related("requested_by")

    @extend_schema(
        request=serializers.ReportExportRequestSerializer, responses=serializers.ReportExportSerializer
    )
    def create(self, request, *args, **kwargs):
        wanted = serializers.ReportExportRequestSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        export = jobs.request_export(
            user=request.user,
            fiscal_year=wanted.validated_data["fiscal_year"],
            compare_year=wanted.validated_data["compare_year"],
            fmt=wanted.validated_data["format"],
        )
        data = self.get_serializer(export).data
        if jobs.queue_was_down(export):
            reason = str(jobs.BROKER_DOWN)
            return Response(
                {
                    "detail": reason,
                    "errors": [{"field": None, "code": "queue_unavailable", "reason": reason}],
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "60"},
            )
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, url_path="download", url_name="download")
    def download(self, request, pk=None):
        export = self.get_object()
        file = jobs.open_export_file(export)
        if file is None:
            raise NotFound(_("The file of this export is not ready."))
        return FileResponse(file, as_attachment=True, filename=export.download_name)
