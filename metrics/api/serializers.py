from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from api.serializers import ModelCleanSerializer
from metrics import aggregation
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


class SchoolTypeSerializer(ModelCleanSerializer):
    class Meta:
        model = SchoolType
        fields = ["id", "code", "name_ja", "name_en", "order"]


class DistrictSerializer(ModelCleanSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name_ja", "name_en", "order"]


class SchoolSerializer(ModelCleanSerializer):
    class Meta:
        model = School
        fields = ["id", "code", "name_ja", "name_en", "school_type", "district", "is_demo"]


class IndicatorSerializer(ModelCleanSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "number",
            "name_ja",
            "name_en",
            "description_ja",
            "description_en",
            "unit",
            "comparator",
            "frequency",
            "order",
        ]


class TargetSerializer(ModelCleanSerializer):
    class Meta:
        model = Target
        fields = ["id", "indicator", "fiscal_year", "value"]


class VisibleSchoolField(serializers.PrimaryKeyRelatedField):
    """A school the requesting user may see one by one; any other id is "does not exist"."""

    def get_queryset(self):
        return School.objects.restrict(self.context["request"].user)


class PreconditionFailed(exceptions.APIException):
    """A write with no `If-Match`, or one naming an older version than the stored one (412)."""

    status_code = 412
    default_detail = _("The school-month has changed since you read it.")
    default_code = "conflict"


class SchoolMonthTaken(exceptions.APIException):
    """A create that lost the race to another first save of the same school-month (409)."""

    status_code = 409
    default_detail = _("This school-month has just been saved by someone else.")
    default_code = "conflict"


class SchoolMonthSerializer(ModelCleanSerializer):
    """A school-month. Principals write their own school's open months as draft or submitted.

    `version` goes up by one on every write; a change sends the version it read as `If-Match`
    (the `ETag` of the detail), and the view passes it here as the context's `seen_version`.
    """

    school = VisibleSchoolField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "school",
            "fiscal_year",
            "month",
            *MonthlyReport.VALUE_FIELDS,
            "status",
            "version",
            "review_comment",
            "submitted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "submitted_at", "created_at", "updated_at"]
        extra_kwargs = {
            "fiscal_year": {"min_value": 2000, "max_value": 2100},
            "month": {"min_value": 1, "max_value": 12},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.status == MonthlyReport.Status.DRAFT and access.is_board(self.context["request"].user):
            # Until it is submitted, a draft's figures are the school's: the board sees that it exists.
            data.update(dict.fromkeys(MonthlyReport.VALUE_FIELDS))
        return data

    def _current(self, name, default):
        return getattr(self.instance, name) if self.instance is not None else default

    def validate_review_comment(self, value):
        board = access.is_board(self.context["request"].user)
        if value != self._current("review_comment", "") and not board:
            raise serializers.ValidationError(_("Only board staff may write the review comment."))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        fiscal_year = attrs.get("fiscal_year", self._current("fiscal_year", None))
        month = attrs.get("month", self._current("month", None))
        if fiscal_year and month and not workflow.month_has_started(fiscal_year, month):
            # The entry form's rule: a month is entered from its first day on, never ahead.
            raise serializers.ValidationError({"month": [_("This month has not started yet.")]})
        current = workflow.NOT_STARTED if self.instance is None else self.instance.status
        target = attrs.get("status", MonthlyReport.Status.DRAFT if self.instance is None else current)
        changed = self.instance is None or any(getattr(self.instance, k) != v for k, v in attrs.items())
        if changed:
            error = workflow.transition_error(
                current=current,
                target=target,
                user=self.context["request"].user,
                comment=attrs.get("review_comment", self._current("review_comment", "")),
            )
            if error is not None:
                raise serializers.ValidationError(error.message_dict)
        return attrs

    def create(self, validated_data):
        return self._save(MonthlyReport(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, report, data):
        """Through the workflow's one write path, with the history naming the API as the source."""
        target = data.pop("status", report.status if report.pk else MonthlyReport.Status.DRAFT)
        comment = data.pop("review_comment", report.review_comment)
        for name, value in data.items():
            setattr(report, name, value)
        new = report.pk is None
        try:
            return workflow.apply_transition(
                report,
                target=target,
                user=self.context["request"].user,
                source=workflow.SOURCE_API,
                comment=comment,
                seen_version=0 if new else self.context.get("seen_version"),
            )
        except workflow.VersionConflict as exc:
            raise (SchoolMonthTaken if new else PreconditionFailed)(exc.messages[0]) from None


class StressCheckResultSerializer(ModelCleanSerializer):
    class Meta:
        model = StressCheckResult
        fields = [
            "id",
            "school",
            "fiscal_year",
            "respondents",
            "total_health_risk",
            "workload_control",
            "support",
        ]


class EventSerializer(ModelCleanSerializer):
    class Meta:
        model = Event
        fields = ["id", "label_ja", "label_en", "start_date", "end_date", "exclude_from_average"]


class PublishedFigureSerializer(ModelCleanSerializer):
    class Meta:
        model = PublishedFigure
        fields = [
            "id",
            "indicator",
            "fiscal_year",
            "group",
            "month",
            "value",
            "excluding_events",
            "note",
            "source",
        ]
        extra_kwargs = {"month": {"min_value": 1, "max_value": 12}}


class CommentarySerializer(ModelCleanSerializer):
    class Meta:
        model = Commentary
        fields = ["id", "fiscal_year", "body_ja", "body_en", "updated_at"]
        read_only_fields = ["updated_at"]


# --- the series endpoint -----------------------------------------------------------------------

MAX_SERIES_YEARS = 10
MAX_SERIES_SCHOOLS = 500


class SeriesQuerySerializer(serializers.Serializer):
    """The series request, e.g. `?indicator=overtime_80h&fiscal_year=2020&grouping=district`.

    Repeat `fiscal_year`, `type` and `school` for several values (`fiscal_year=2019&fiscal_year=2020`).
    """

    indicator = serializers.ChoiceField(choices=list(aggregation.INDICATORS))
    fiscal_year = serializers.ListField(
        child=serializers.IntegerField(min_value=2000, max_value=2100),
        min_length=1,
        max_length=MAX_SERIES_YEARS,
        help_text=_("One or more fiscal years (repeat the parameter)."),
    )
    grouping = serializers.ChoiceField(choices=list(series.GROUPINGS), default="all")
    type = serializers.ListField(
        child=serializers.SlugField(max_length=32),
        required=False,
        max_length=20,
        help_text=_("Pool only these school types (the comparable basis); repeat the parameter."),
    )
    school = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=MAX_SERIES_SCHOOLS,
        help_text=_("With grouping=school: these schools (repeat the parameter)."),
    )
    page = serializers.IntegerField(min_value=1, max_value=10**6, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_SERIES_SCHOOLS, default=100)

    def validate_type(self, value):
        known = set(SchoolType.objects.filter(code__in=value).values_list("code", flat=True))
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown school type: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        if attrs.get("school") and attrs["grouping"] != "school":
            reason = _("Schools can be chosen only with grouping=school.")
            raise serializers.ValidationError({"school": reason})
        return attrs


class MonthValueSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    group = serializers.CharField(help_text=_("'all', a school type or district code, or a school id."))
    month = serializers.IntegerField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True, help_text=_("Staff counted."))
    value = serializers.FloatField(allow_null=True, help_text=_("Percent, or days per person."))
    schools = serializers.IntegerField(help_text=_("Schools counted."))
    schools_expected = serializers.IntegerField(help_text=_("Schools expected."))
    staff = serializers.IntegerField(allow_null=True, help_text=_("Staff counted (null when withheld)."))
    provisional = serializers.BooleanField(help_text=_("Fewer schools than the coverage threshold."))
    suppressed = serializers.CharField(allow_null=True, help_text=_("Why the figure is withheld, or null."))


class YearFigureSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    group = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    months = serializers.ListField(child=serializers.IntegerField(), help_text=_("Months with data."))
    full_year = serializers.BooleanField()
    as_of_month = serializers.IntegerField(allow_null=True)
    types = serializers.ListField(child=serializers.CharField())
    value_excluding_events = serializers.FloatField(allow_null=True)
    months_excluding_events = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    provisional = serializers.BooleanField()
    months_provisional = serializers.ListField(child=serializers.IntegerField())
    suppressed = serializers.CharField(allow_null=True)
    source = serializers.ChoiceField(choices=["schools", "published"])
    published_source = serializers.CharField(required=False)
    note = serializers.CharField(required=False)


class ExcludedMonthSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    month = serializers.IntegerField()


class SchoolPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()


class SeriesSerializer(serializers.Serializer):
    """The series response (documentation of what `metrics.dashboard.series.indicator_series` returns)."""

    indicator = serializers.CharField()
    unit = serializers.CharField()
    cumulative = serializers.BooleanField()
    grouping = serializers.CharField()
    fiscal_years = serializers.ListField(child=serializers.IntegerField())
    types = serializers.ListField(child=serializers.CharField(), allow_null=True)
    excluded_months = ExcludedMonthSerializer(many=True)
    monthly = MonthValueSerializer(many=True)
    years = YearFigureSerializer(many=True)
    schools = SchoolPageSerializer(required=False)
