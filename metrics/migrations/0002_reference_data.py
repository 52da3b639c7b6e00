"""School types, indicators with their targets, and the three role groups."""

from django.db import migrations

SCHOOL_TYPES = [
    ("elementary", "小学校", "Elementary", 1),
    ("junior_high", "中学校", "Junior high", 2),
    ("special_needs", "特別支援学校", "Special needs", 3),
    ("high", "高等学校", "High school", 4),
]

# code, number, name_ja, name_en, unit, comparator, frequency, order, target (from FY2018, the plan's start)
INDICATORS = [
    ("overtime_80h", 1, "時間外勤務80時間超の教職員の割合", "Staff with over 80 h of monthly overtime",
     "pct", "le", "monthly", 1, 0),
    ("left_by_19", 2, "19時までに退勤する教職員の割合", "Staff leaving work by 19:00",
     "pct", "ge", "monthly", 2, 70),
    ("stress_total", 3, "ストレスチェック 総合健康リスク", "Stress check: total health risk",
     "index", "lt", "yearly", 3, 100),
    ("stress_workload", 3, "ストレスチェック 量・コントロール", "Stress check: workload and control",
     "index", "lt", "yearly", 4, 100),
    ("stress_support", 3, "ストレスチェック 周囲の支援", "Stress check: support from colleagues",
     "index", "lt", "yearly", 5, 100),
    ("leave_10plus", 4, "年休を10日以上取得した教職員の割合", "Staff who took 10+ days of annual leave",
     "pct", "eq", "cumulative", 6, 100),
    ("leave_avg_days", 4, "年休の平均取得日数", "Average annual leave days taken",
     "days", "ge", "cumulative", 7, None),
]

GROUPS = ["board", "principal", "official"]


def forwards(apps, schema_editor):
    SchoolType = apps.get_model("metrics", "SchoolType")
    Indicator = apps.get_model("metrics", "Indicator")
    Target = apps.get_model("metrics", "Target")
    Group = apps.get_model("auth", "Group")
    for code, name_ja, name_en, order in SCHOOL_TYPES:
        SchoolType.objects.update_or_create(
            code=code, defaults={"name_ja": name_ja, "name_en": name_en, "order": order}
        )
    for code, number, name_ja, name_en, unit, comparator, frequency, order, target in INDICATORS:
        indicator, _ = Indicator.objects.update_or_create(
            code=code,
            defaults={
                "number": number,
                "name_ja": name_ja,
                "name_en": name_en,
                "unit": unit,
                "comparator": comparator,
                "frequency": frequency,
                "order": order,
            },
        )
        if target is not None:
            Target.objects.update_or_create(indicator=indicator, fiscal_year=2018, defaults={"value": target})
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def backwards(apps, schema_editor):
    apps.get_model("metrics", "Indicator").objects.filter(code__in=[i[0] for i in INDICATORS]).delete()
    apps.get_model("metrics", "SchoolType").objects.filter(
        code__in=[t[0] for t in SCHOOL_TYPES], schools__isnull=True
    ).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
