import django_filters

from measures.models import KPI, Adoption, KPIValue, Measure, MeasureNote, MeasureYear, Pillar, Section
from metrics.api.filters import visible_schools

YEAR = {"min_value": 2000, "max_value": 2100}


class PillarFilter(django_filters.FilterSet):
    class Meta:
        model = Pillar
        fields = ["number"]


class SectionFilter(django_filters.FilterSet):
    pillar_number = django_filters.NumberFilter(field_name="pillar__number", min_value=0, max_value=32767)

    class Meta:
        model = Section
        fields = ["pillar", "pillar_number"]


class MeasureFilter(django_filters.FilterSet):
    pillar = django_filters.ModelChoiceFilter(field_name="section__pillar", queryset=Pillar.objects.all())
    indicator = django_filters.CharFilter(field_name="indicators__code", distinct=True)
    title = django_filters.CharFilter(field_name="title_ja", lookup_expr="icontains")

    class Meta:
        model = Measure
        fields = ["section", "pillar", "indicator", "title"]


class MeasureYearFilter(django_filters.FilterSet):
    fiscal_year = django_filters.NumberFilter(**YEAR)

    class Meta:
        model = MeasureYear
        fields = ["measure", "fiscal_year", "tag", "status"]


class MeasureNoteFilter(django_filters.FilterSet):
    fiscal_year = django_filters.NumberFilter(**YEAR)

    class Meta:
        model = MeasureNote
        fields = ["measure", "fiscal_year", "kind"]


class KPIFilter(django_filters.FilterSet):
    class Meta:
        model = KPI
        fields = ["measure", "is_headline"]


class KPIValueFilter(django_filters.FilterSet):
    fiscal_year = django_filters.NumberFilter(**YEAR)
    measure = django_filters.ModelChoiceFilter(field_name="kpi__measure", queryset=Measure.objects.all())

    class Meta:
        model = KPIValue
        fields = ["kpi", "measure", "fiscal_year"]


class AdoptionFilter(django_filters.FilterSet):
    school = django_filters.ModelChoiceFilter(queryset=visible_schools)
    school_type = django_filters.CharFilter(field_name="school__school_type__code")
    fiscal_year = django_filters.NumberFilter(**YEAR)

    class Meta:
        model = Adoption
        fields = ["measure", "school", "school_type", "fiscal_year"]
