from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView
from simple_history.utils import update_change_reason

from api.permissions import ExportsReports, SchoolMonths, SeesAggregates
from api.views import ID_PATTERN, ReferenceViewSet
from metrics.api import filters, serializers
from metrics.dashboard import series
from metrics.entry import workflow
from metrics.models import (
    Commentary,
    District,
    Event,
    Indicator,
    MonthlyReport,
    PublishedFigure,
    School,
    SchoolType,
    StressCheckResult,
    Target,
)
from reform import access
from reports import jobs
from reports.models import ReportExport


class SchoolTypeViewSet(ReferenceViewSet):
    queryset = SchoolType.objects.all()
    serializer_class = serializers.SchoolTypeSerializer
    filterset_class = filters.SchoolTypeFilter
    ordering_fields = ["id", "code", "order"]


class DistrictViewSet(ReferenceViewSet):
    queryset = District.objects.all()
    serializer_class = serializers.DistrictSerializer
    filterset_class = filters.DistrictFilter
    ordering_fields = ["id", "code", "order"]


class SchoolViewSet(ReferenceViewSet):
    """Schools one by one: board staff all, a principal their own, officials none."""

    serializer_class = serializers.SchoolSerializer
    filterset_class = filters.SchoolFilter
    ordering_fields = ["id", "code", "name_ja"]

    def get_queryset(self):
        return School.objects.visible_to(self.request.user)


class IndicatorViewSet(ReferenceViewSet):
    queryset = Indicator.objects.all()
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    ordering_fields = ["id", "code", "number", "order"]


class TargetViewSet(ReferenceViewSet):
    queryset = Target.objects.all()
    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter
    ordering_fields = ["id", "fiscal_year", "value"]


class SchoolMonthViewSet(viewsets.ModelViewSet):
    """School-months: board staff every school; a principal their own school's, written until approved."""

    serializer_class = serializers.SchoolMonthSerializer
    permission_classes = [SchoolMonths]
    filterset_class = filters.SchoolMonthFilter
    ordering_fields = ["id", "school_id", "fiscal_year", "month", "status", "updated_at"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        # The unique (school, fiscal_year, month) index serves this order; the model's default
        # (by school type and code) would sort millions of joined rows at national size.
        rows = MonthlyReport.objects.visible_to(self.request.user)
        return rows.order_by("school_id", "fiscal_year", "month")

    def perform_create(self, serializer):
        self._record(serializer.save(**self._submission(serializer)))

    def perform_update(self, serializer):
        self._record(serializer.save(**self._submission(serializer)))

    @staticmethod
    def _record(report):
        """The month's history names the API as where the change came from."""
        update_change_reason(report, workflow.change_reason(workflow.SOURCE_API))

    @staticmethod
    def _submission(serializer) -> dict:
        """Stamp the time a month is submitted, as the entry form does."""
        submitted = serializer.validated_data.get("status") == MonthlyReport.Status.SUBMITTED
        already = (
            serializer.instance is not None and serializer.instance.status == MonthlyReport.Status.SUBMITTED
        )
        return {"submitted_at": timezone.now()} if submitted and not already else {}


class StressCheckResultViewSet(ReferenceViewSet):
    """Stress results per school: board staff every school, a principal their own, officials none."""

    serializer_class = serializers.StressCheckResultSerializer
    filterset_class = filters.StressCheckResultFilter
    ordering_fields = ["id", "school_id", "fiscal_year"]

    def get_queryset(self):
        return StressCheckResult.objects.visible_to(self.request.user).order_by("school_id", "fiscal_year")


class EventViewSet(ReferenceViewSet):
    queryset = Event.objects.all()
    serializer_class = serializers.EventSerializer
    filterset_class = filters.EventFilter
    ordering_fields = ["id", "start_date", "end_date"]


class PublishedFigureViewSet(ReferenceViewSet):
    queryset = PublishedFigure.objects.all()
    serializer_class = serializers.PublishedFigureSerializer
    filterset_class = filters.PublishedFigureFilter
    ordering_fields = ["id", "fiscal_year", "group", "month", "value"]


class CommentaryViewSet(ReferenceViewSet):
    queryset = Commentary.objects.all()
    serializer_class = serializers.CommentarySerializer
    filterset_class = filters.CommentaryFilter
    ordering_fields = ["id", "fiscal_year"]


class SeriesView(APIView):
    """An indicator's monthly values (numerators, denominators) and year figures, by group.

    Everyone with a role sees the pooled groups (all, school type, district); grouping by school
    is for board staff (every school, a page at a time or the `school` ids given) and a principal
    (their own school only; another school's id is a 404). Officials see aggregates only.
    """

    permission_classes = [SeesAggregates]

    @extend_schema(parameters=[serializers.SeriesQuerySerializer], responses=serializers.SeriesSerializer)
    def get(self, request):
        query = serializers.SeriesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        school_ids, school_page = None, None
        if params["grouping"] == "school":
            school_ids, school_page = self._schools(request.user, params)
        data = series.indicator_series(
            indicator=params["indicator"],
            fiscal_years=sorted(set(params["fiscal_year"])),
            grouping=params["grouping"],
            types=params.get("type"),
            school_ids=school_ids,
        )
        if school_page is not None:
            data["schools"] = school_page
        return Response(data)

    @staticmethod
    def _schools(user, params) -> tuple[list[int], dict | None]:
        if not access.can_see_school_rows(user):
            raise PermissionDenied(_("Officials see aggregates only: group by all, school type or district."))
        visible = School.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)
        requested = sorted(set(params.get("school") or []))
        if requested:
            if visible.filter(pk__in=requested).count() != len(requested):
                raise NotFound(_("No such school."))
            return requested, None
        page, size = params["page"], params["page_size"]
        count = visible.count()
        if page > 1 and (page - 1) * size >= count:
            raise NotFound(_("Invalid page."))
        ids = list(visible[(page - 1) * size : page * size])
        return ids, {"count": count, "page": page, "page_size": size}


class ReportExportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The annual report's export jobs: ask for one (a Celery task builds it), follow its status,
    download the file. Board staff see every export; officials those built for officials."""

    serializer_class = serializers.ReportExportSerializer
    permission_classes = [ExportsReports]
    filterset_fields = ["fiscal_year", "format", "status"]
    ordering_fields = ["id", "requested_at", "fiscal_year"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return ReportExport.objects.visible_to(self.request.user).select_related("requested_by")

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
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, url_path="download", url_name="download")
    def download(self, request, pk=None):
        export = self.get_object()
        path = jobs.export_path(export.file.name) if export.file.name else None
        if export.status != ReportExport.Status.DONE or path is None or not path.is_file():
            raise NotFound(_("The file of this export is not ready."))
        filename = f"annual-report-FY{export.fiscal_year}.{export.format}"
        return FileResponse(path.open("rb"), as_attachment=True, filename=filename)
