from api.permissions import MeasuresData
from api.views import ReferenceViewSet
from measures.api import filters, serializers
from measures.models import KPI, Adoption, KPIValue, Measure, MeasureNote, MeasureYear, Pillar, Section


class MeasuresViewSet(ReferenceViewSet):
    permission_classes = [MeasuresData]


class PillarViewSet(MeasuresViewSet):
    queryset = Pillar.objects.all()
    serializer_class = serializers.PillarSerializer
    filterset_class = filters.PillarFilter
    ordering_fields = ["id", "number"]


class SectionViewSet(MeasuresViewSet):
    queryset = Section.objects.all()
    serializer_class = serializers.SectionSerializer
    filterset_class = filters.SectionFilter
    ordering_fields = ["id", "number"]


class MeasureViewSet(MeasuresViewSet):
    queryset = Measure.objects.prefetch_related("indicators")
    serializer_class = serializers.MeasureSerializer
    filterset_class = filters.MeasureFilter
    ordering_fields = ["id", "number", "title_ja"]


class MeasureYearViewSet(MeasuresViewSet):
    queryset = MeasureYear.objects.all()
    serializer_class = serializers.MeasureYearSerializer
    filterset_class = filters.MeasureYearFilter
    ordering_fields = ["id", "fiscal_year", "status"]


class MeasureNoteViewSet(MeasuresViewSet):
    queryset = MeasureNote.objects.all()
    serializer_class = serializers.MeasureNoteSerializer
    filterset_class = filters.MeasureNoteFilter
    ordering_fields = ["id", "fiscal_year"]


class KPIViewSet(MeasuresViewSet):
    queryset = KPI.objects.all()
    serializer_class = serializers.KPISerializer
    filterset_class = filters.KPIFilter
    ordering_fields = ["id", "order"]


class KPIValueViewSet(MeasuresViewSet):
    queryset = KPIValue.objects.all()
    serializer_class = serializers.KPIValueSerializer
    filterset_class = filters.KPIValueFilter
    ordering_fields = ["id", "fiscal_year"]


class AdoptionViewSet(MeasuresViewSet):
    """Which school takes part in a measure: board staff all rows, a principal their own school's,
    officials none (they see counts per group on the measure pages)."""

    serializer_class = serializers.AdoptionSerializer
    filterset_class = filters.AdoptionFilter
    ordering_fields = ["id", "fiscal_year", "school", "measure"]
    queryset = Adoption.objects.all()
