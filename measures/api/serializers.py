from api.serializers import ModelCleanSerializer
from measures.models import KPI, Adoption, KPIValue, Measure, MeasureNote, MeasureYear, Pillar, Section


class PillarSerializer(ModelCleanSerializer):
    class Meta:
        model = Pillar
        fields = ["id", "number", "title_ja", "title_en"]


class SectionSerializer(ModelCleanSerializer):
    class Meta:
        model = Section
        fields = ["id", "pillar", "number", "title_ja", "title_en"]


class MeasureSerializer(ModelCleanSerializer):
    class Meta:
        model = Measure
        fields = ["id", "section", "number", "title_ja", "title_en", "indicators"]


class MeasureYearSerializer(ModelCleanSerializer):
    class Meta:
        model = MeasureYear
        fields = ["id", "measure", "fiscal_year", "tag", "status", "results", "plans"]
        extra_kwargs = {"fiscal_year": {"min_value": 2000, "max_value": 2100}}


class MeasureNoteSerializer(ModelCleanSerializer):
    class Meta:
        model = MeasureNote
        fields = ["id", "measure", "fiscal_year", "kind", "text", "source"]
        extra_kwargs = {"fiscal_year": {"min_value": 2000, "max_value": 2100}}


class KPISerializer(ModelCleanSerializer):
    class Meta:
        model = KPI
        fields = ["id", "measure", "name_ja", "name_en", "unit", "is_headline", "order"]


class KPIValueSerializer(ModelCleanSerializer):
    class Meta:
        model = KPIValue
        fields = ["id", "kpi", "fiscal_year", "actual", "planned"]
        extra_kwargs = {"fiscal_year": {"min_value": 2000, "max_value": 2100}}


class AdoptionSerializer(ModelCleanSerializer):
    class Meta:
        model = Adoption
        fields = ["id", "measure", "school", "fiscal_year", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"fiscal_year": {"min_value": 2000, "max_value": 2100}}
