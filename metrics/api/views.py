from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import SchoolMonths, SeesAggregates
from api.views import ID_PATTERN, ReferenceViewSet, RestrictedViewSetMixin
from metrics import cache as page_cache
from metrics import disclosure
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
    queryset = School.objects.all()


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


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(header: str | None) -> int | None:
    """The version an `If-Match` header names ("3", W/"3" or 3), None when absent or not a version."""
    value = (header or "").strip().removeprefix("W/").strip('"')
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class SchoolMonthViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """School-months: board staff every school; a principal their own school's, written until approved.

    The detail carries the month's version as its `ETag`; PUT and PATCH must send it back as
    `If-Match`. Without it, or when the month has changed since (another version), the answer is
    412 with what changed and by whom, and nothing is written. A create that loses the race to
    another first save of the same month is a 409.
    """

    serializer_class = serializers.SchoolMonthSerializer
    permission_classes = [SchoolMonths]
    filterset_class = filters.SchoolMonthFilter
    ordering_fields = ["id", "school_id", "fiscal_year", "month", "status", "updated_at"]
    lookup_value_regex = ID_PATTERN
    # The unique (school, fiscal_year, month) index serves this order; the model's default
    # (by school type and code) would sort millions of joined rows at national size.
    queryset = MonthlyReport.objects.order_by("school_id", "fiscal_year", "month")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "seen_version": getattr(self, "seen_version", None)}

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response

    def update(self, request, *args, **kwargs):
        report = self.get_object()
        seen = if_match_version(request.headers.get("If-Match"))
        if seen is None:
            raise serializers.PreconditionFailed(
                _(
                    "Send the If-Match header with the ETag of this school-month (from a GET of it), "
                    "so that a change made since is not overwritten."
                )
            )
        if seen != report.version:
            found = workflow.conflict(
                school_id=report.school_id,
                fiscal_year=report.fiscal_year,
                month=report.month,
                seen_version=seen,
                hide_drafts=access.is_board(request.user),
            )
            raise serializers.PreconditionFailed(found.messages[0])
        self.seen_version = seen
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response


class StressCheckResultViewSet(ReferenceViewSet):
    """Stress results per school: board staff every school, a principal their own, officials none."""

    serializer_class = serializers.StressCheckResultSerializer
    filterset_class = filters.StressCheckResultFilter
    ordering_fields = ["id", "school_id", "fiscal_year"]
    queryset = StressCheckResult.objects.order_by("school_id", "fiscal_year")


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
        # Cached per data version, query, audience and language (metrics/cache.py).
        data = page_cache.cached(
            request,
            "api:series",
            lambda: series.indicator_series(
                indicator=params["indicator"],
                fiscal_years=sorted(set(params["fiscal_year"])),
                grouping=params["grouping"],
                types=params.get("type"),
                school_ids=school_ids,
                audience=disclosure.Audience.of(request.user),
            ),
            school_ids,
        )
        if school_page is not None:
            data = {**data, "schools": school_page}
        return Response(data)

    @staticmethod
    def _schools(user, params) -> tuple[list[int], dict | None]:
        if not access.can_see_school_rows(user):
            raise PermissionDenied(_("Officials see aggregates only: group by all, school type or district."))
        visible = School.objects.restrict(user).order_by("pk").values_list("pk", flat=True)
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
