from api.views import ReferenceViewSet
from measures.api import filters, serializers
from measures.models import KPI, KPIValue, Measure, MeasureNote, MeasureYear, Pillar, Section


class PillarViewSet(ReferenceViewSet):
    queryset = Pillar.objects.all()
    serializer_class = serializers.PillarSerializer
    filterset_class = filters.PillarFilter
    ordering_fields = ["id", "number"]


class SectionViewSet(ReferenceViewSet):
    queryset = Section.objects.all()
    serializer_class = serializers.SectionSerializer
    filterset_class = filters.SectionFilter
    ordering_fields = ["id", "number"]


class MeasureViewSet(ReferenceViewSet):
    queryset = Measure.objects.prefetch_related("indicators")
    serializer_class = serializers.MeasureSerializer
    filterset_class = filters.MeasureFilter
    ordering_fields = ["id", "number", "title_ja"]


class MeasureYearViewSet(ReferenceViewSet):
    queryset = MeasureYear.objects.all()
    serializer_class = serializers.MeasureYearSerializer
    filterset_class = filters.MeasureYearFilter
    ordering_fields = ["id", "fiscal_year", "status"]


class MeasureNoteViewSet(ReferenceViewSet):
    queryset = MeasureNote.objects.all()
    serializer_class = serializers.MeasureNoteSerializer
    filterset_class = filters.MeasureNoteFilter
    ordering_fields = ["id", "fiscal_year"]


class KPIViewSet(ReferenceViewSet):
    queryset = KPI.objects.all()
    serializer_class = serializers.KPISerializer
    filterset_class = filters.KPIFilter
    ordering_fields = ["id", "order"]


class KPIValueViewSet(ReferenceViewSet):
    queryset = KPIValue.objects.all()
    serializer_class = serializers.KPIValueSerializer
    filterset_class = filters.KPIValueFilter
    ordering_fields = ["id", "fiscal_year"]
