import django_filters

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

# Bounds keep absurd numbers a 400 instead of a database overflow.
YEAR = {"min_value": 2000, "max_value": 2100}
MONTH = {"min_value": 1, "max_value": 12}


def visible_schools(request):
    """The schools the requesting user may see one by one (none without a request)."""
    return School.objects.restrict(getattr(request, "user", None))


class SchoolTypeFilter(django_filters.FilterSet):
    class Meta:
        model = SchoolType
        fields = ["code"]


class DistrictFilter(django_filters.FilterSet):
    class Meta:
        model = District
        fields = ["code"]


class SchoolFilter(django_filters.FilterSet):
    school_type = django_filters.CharFilter(field_name="school_type__code")
    district = django_filters.CharFilter(field_name="district__code")
    name = django_filters.CharFilter(field_name="name_ja", lookup_expr="icontains")

    class Meta:
        model = School
        fields = ["code", "school_type", "district", "is_demo", "name"]


class IndicatorFilter(django_filters.FilterSet):
    class Meta:
        model = Indicator
        fields = ["code", "unit", "frequency"]


class TargetFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="indicator__code")
    fiscal_year = django_filters.NumberFilter(**YEAR)

    class Meta:
        model = Target
        fields = ["indicator", "fiscal_year"]


class SchoolMonthFilter(django_filters.FilterSet):
    school = django_filters.ModelChoiceFilter(queryset=visible_schools)
    school_type = django_filters.CharFilter(field_name="school__school_type__code")
    district = django_filters.CharFilter(field_name="school__district__code")
    fiscal_year = django_filters.NumberFilter(**YEAR)
    month = django_filters.NumberFilter(**MONTH)

    class Meta:
        model = MonthlyReport
        fields = ["school", "school_type", "district", "fiscal_year", "month", "status"]


class StressCheckResultFilter(django_filters.FilterSet):
    school = django_filters.ModelChoiceFilter(queryset=visible_schools)
    school_type = django_filters.CharFilter(field_name="school__school_type__code")
    fiscal_year = django_filters.NumberFilter(**YEAR)

    class Meta:
        model = StressCheckResult
        fields = ["school", "school_type", "fiscal_year"]


class EventFilter(django_filters.FilterSet):
    starts_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    ends_before = django_filters.DateFilter(field_name="end_date", lookup_expr="lte")

    class Meta:
        model = Event
        fields = ["exclude_from_average", "starts_after", "ends_before"]


class PublishedFigureFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="indicator__code")
    fiscal_year = django_filters.NumberFilter(**YEAR)
    month = django_filters.NumberFilter(**MONTH)
    year_figure = django_filters.BooleanFilter(field_name="month", lookup_expr="isnull")

    class Meta:
        model = PublishedFigure
        fields = ["indicator", "fiscal_year", "group", "month", "year_figure", "excluding_events"]


class CommentaryFilter(django_filters.FilterSet):
    fiscal_year = django_filters.NumberFilter(**YEAR)

    class Meta:
        model = Commentary
        fields = ["fiscal_year"]
