from decimal import Decimal

import pytest

from measures.models import KPI, KPIValue, Measure, MeasureNote, MeasureYear, Pillar, Section
from metrics.models import Indicator


@pytest.fixture
def plan(db):
    """Two pillars, three measures over FY2019–FY2021, with KPIs, notes and linked indicators."""
    p1 = Pillar.objects.create(number=1, title_ja="学校業務の適正化", title_en="Rationalizing school work")
    p2 = Pillar.objects.create(number=2, title_ja="チーム体制の構築", title_en="Building teams")
    s1 = Section.objects.create(
        pillar=p1, number=2, title_ja="学校業務の精査・精選", title_en="Reviewing work"
    )
    s2 = Section.objects.create(pillar=p2, number=2, title_ja="専門スタッフの配置", title_en="Support staff")
    pool = Measure.objects.create(
        section=s1, number=1, title_ja="プール清掃の外部委託", title_en="Outsourced pool cleaning"
    )
    ssw = Measure.objects.create(
        section=s2, number=6, title_ja="ＳＳＷの活用", title_en="School social workers (SSW)"
    )
    clubs = Measure.objects.create(
        section=s2, number=2, title_ja="部活動指導員の配置", title_en="Club instructors"
    )
    overtime = Indicator.objects.get(code="overtime_80h")
    support = Indicator.objects.get(code="stress_support")
    pool.indicators.set([overtime])
    ssw.indicators.set([overtime, support])
    clubs.indicators.set([overtime])
    MeasureYear.objects.create(
        measure=pool,
        fiscal_year=2020,
        tag="expanded",
        status="in_progress",
        results="196校で実施。",
        plans="希望する全ての学校（440校）に拡充。",
    )
    MeasureYear.objects.create(measure=pool, fiscal_year=2021, tag="expanded", status="planned")
    MeasureYear.objects.create(
        measure=ssw, fiscal_year=2019, tag="continuing", status="done", results="派遣型で32人。"
    )
    MeasureYear.objects.create(
        measure=ssw,
        fiscal_year=2020,
        tag="expanded",
        status="done",
        results="43人に増員し巡回型へ移行。",
        plans="11名増員。",
    )
    MeasureYear.objects.create(
        measure=clubs, fiscal_year=2020, tag="continuing", status="in_progress", results="延べ464人を配置。"
    )
    schools = KPI.objects.create(
        measure=pool, name_ja="実施校数", name_en="Schools", unit="校", is_headline=True
    )
    KPIValue.objects.create(kpi=schools, fiscal_year=2020, actual=Decimal("196"))
    KPIValue.objects.create(kpi=schools, fiscal_year=2021, planned=Decimal("440"))
    staff = KPI.objects.create(
        measure=ssw, name_ja="ＳＳＷ人数", name_en="SSW staff", unit="人", is_headline=True
    )
    KPIValue.objects.create(kpi=staff, fiscal_year=2019, actual=Decimal("32"))
    KPIValue.objects.create(kpi=staff, fiscal_year=2020, actual=Decimal("43"))
    MeasureNote.objects.create(
        measure=ssw,
        fiscal_year=2020,
        kind="quote",
        text="巡回で相談しやすくなった。",
        source="働き方改革通信 No.6",
    )
    return {"pool": pool, "ssw": ssw, "clubs": clubs, "pillars": (p1, p2)}
