import json
from pathlib import Path

from demo.measures import load_demo_extras, load_measures
from measures.models import KPIValue, MeasureYear
from reform.loading import LoadResult


def test_demo_years_extend_fy2020_and_load_idempotently(db):
    load_measures(
        json.loads(Path("demo/data/measures/fy2020.json").read_text(encoding="utf-8")), result=LoadResult()
    )
    first = LoadResult()
    load_demo_extras(result=first)
    assert first.created["measure years"] == 30
    assert MeasureYear.objects.filter(fiscal_year=2021, status="planned").count() == 22
    assert MeasureYear.objects.filter(fiscal_year=2019).count() == 8
    ssw_2019 = MeasureYear.objects.get(fiscal_year=2019, measure__title_ja__contains="ＳＳＷ")
    assert "３２人" in ssw_2019.results
    assert KPIValue.objects.get(fiscal_year=2019, kpi__name_ja="部活動指導員 配置人数（延べ）").actual == 147
    second = LoadResult()
    load_demo_extras(result=second)
    assert not second.changed
