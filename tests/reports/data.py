"""The reports' test data, shared by the fixtures and the real-worker driver (drive.py)."""

from measures.models import KPI, KPIValue, Measure, MeasureYear, Pillar, Section
from metrics.models import Commentary, MonthlyReport, StressCheckResult
from metrics.rollups import refresh_rollups
from reform.fiscal import FISCAL_MONTHS
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory, school_type

# Hand-checkable figures, every month alike:
#   FY2020: A (elementary, d1) 20 staff, 2 over 80 h = 10.0 %; B (junior high, d1) 10 staff, 3 = 30.0 %;
#           C (special needs, d2) 3 staff, 1 = 33.3 %  -> fewer than 5 staff: suppressed for officials.
#           All types: 6 / 33 = 18.2 %.  District d1: 5 / 30 = 16.7 %.
#   FY2019: A 4 over 80 h (20.0 %), B 3, C 1  -> all types 8 / 33 = 24.2 %.
COUNTS = {
    2020: {"A": (20, 2), "B": (10, 3), "C": (3, 1)},
    2019: {"A": (20, 4), "B": (10, 3), "C": (3, 1)},
}


def make_report_data():
    """Three schools over FY2019–2020, stress results, a commentary and a measure with a KPI."""
    d1 = DistrictFactory(code="d1", name_ja="東部方面")
    d2 = DistrictFactory(code="d2", name_ja="西部方面")
    schools = {
        "A": SchoolFactory(
            code="RA01", name_ja="報告A小学校", school_type=school_type("elementary"), district=d1
        ),
        "B": SchoolFactory(
            code="RB01", name_ja="報告B中学校", school_type=school_type("junior_high"), district=d1
        ),
        "C": SchoolFactory(
            code="RC01", name_ja="報告C特別支援学校", school_type=school_type("special_needs"), district=d2
        ),
    }
    for fiscal_year, counts in COUNTS.items():
        for key, (staff, over) in counts.items():
            for i, month in enumerate(FISCAL_MONTHS):
                MonthlyReportFactory(
                    school=schools[key],
                    fiscal_year=fiscal_year,
                    month=month,
                    staff_count=staff,
                    over_80h_count=over,
                    over_45h_count=over,
                    over_100h_count=0,
                    left_by_19_count=staff - over,
                    leave_days_total=staff * (i + 1),
                    leave_10plus_count=0 if i < 9 else staff,
                    status=MonthlyReport.Status.APPROVED,
                )
        for key, school in schools.items():
            StressCheckResult.objects.create(
                school=school,
                fiscal_year=fiscal_year,
                respondents=COUNTS[fiscal_year][key][0],
                total_health_risk=95 if fiscal_year == 2020 else 104,
                workload_control=101,
                support=97,
            )
    Commentary.objects.create(
        fiscal_year=2020, body_ja="令和2年度は新型コロナウイルス感染症の影響を大きく受けた一年でした。"
    )
    pillar = Pillar.objects.create(number=1, title_ja="学校業務の適正化、精査・精選")
    section = Section.objects.create(pillar=pillar, number=1, title_ja="学校業務の適正化")
    measure = Measure.objects.create(section=section, number=2, title_ja="プール清掃業務の委託")
    MeasureYear.objects.create(
        measure=measure,
        fiscal_year=2020,
        tag=MeasureYear.Tag.EXPANDED,
        results="プール清掃を外部に委託した。",
        plans="対象校を拡大する。",
    )
    kpi = KPI.objects.create(measure=measure, name_ja="プール清掃業務委託 実施校数", unit="校")
    KPIValue.objects.create(kpi=kpi, fiscal_year=2020, actual=196)
    KPIValue.objects.create(kpi=kpi, fiscal_year=2021, planned=440)
    refresh_rollups()  # what committing these rows does outside a test transaction
    return schools
