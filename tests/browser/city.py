"""A small city for the browser tests: what the dashboard pages draw, in a few hundred rows.

Two schools of each of the four types in two districts, every month of FY2019 (R1) and FY2020
(R2) submitted or approved, a stress check per school and year, the demo's events and published
figures, and the users board, official and principal-E001. The reference data the migrations
write (school types, indicators with their targets, role groups) is written again first: a
transactional test earlier in the session may have flushed it.

The counts are simple functions of school, year and month, so a test can work out what a chart
should show (see `monthly_share`).
"""

import importlib
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import transaction

from demo import city as demo_data
from metrics import rollups
from metrics.models import (
    Commentary,
    District,
    Event,
    Indicator,
    MonthlyReport,
    PublishedFigure,
    School,
    SchoolPrincipal,
    SchoolType,
    StressCheckResult,
)
from reform.access import grant_board_permissions
from reform.fiscal import FISCAL_MONTHS

PASSWORD = "pw-for-tests-1"
FISCAL_YEARS = (2019, 2020)
DISTRICTS = [("north", "北部方面", "North district"), ("south", "南部方面", "South district")]
# code, type, district, staff
SCHOOLS = [
    ("E001", "elementary", "north", 30),
    ("E002", "elementary", "south", 34),
    ("J001", "junior_high", "north", 45),
    ("J002", "junior_high", "south", 50),
    ("S01", "special_needs", "north", 90),
    ("S02", "special_needs", "south", 110),
    ("H01", "high", "north", 70),
    ("H02", "high", "south", 64),
]
_TYPE_LEVEL = {"elementary": 2, "junior_high": 5, "special_needs": 0, "high": 3}


def month_counts(code: str, school_type: str, staff: int, fiscal_year: int, month: int) -> dict:
    """One school-month's counts: fewer staff over 80 h in FY2020 than in FY2019, a seasonal dip in
    August, leave cumulative since April."""
    i = FISCAL_MONTHS.index(month)
    seed = int(code[-1])  # 1 or 2
    over_80h = _TYPE_LEVEL[school_type] + seed + (fiscal_year == 2019) * 2 + (month != 8) * (i % 3)
    late = min(staff, staff // 4 + i % 4 + (fiscal_year == 2019) * 3)
    leave_10plus = min(staff, staff * (i + 1) // 14)
    return {
        "staff_count": staff,
        "over_80h_count": over_80h,
        "left_by_19_count": staff - late,
        "over_45h_count": max(over_80h, late),
        "over_100h_count": over_80h // 3,
        "leave_days_total": Decimal(staff * (i + 1)) / 2 + leave_10plus * 10,
        "leave_10plus_count": leave_10plus,
    }


def stress(n: int, fiscal_year: int) -> dict:
    """The n-th school's stress check: both scores a little better in FY2020."""
    workload = Decimal(104 - n - (fiscal_year - 2019) * 3)
    support = Decimal(97 + n % 3 - (fiscal_year - 2019) * 2)
    risk = (workload * support / 100).quantize(Decimal("0.1"))
    return {"workload_control": workload, "support": support, "total_health_risk": risk}


def monthly_share(school_type: str | None, fiscal_year: int, month: int, field="over_80h_count") -> float:
    """A pooled monthly share (%) of this city, all types or one: Σ count / Σ staff x 100."""
    rows = [
        month_counts(code, t, staff, fiscal_year, month)
        for code, t, _district, staff in SCHOOLS
        if school_type in (None, t)
    ]
    return 100 * sum(r[field] for r in rows) / sum(r["staff_count"] for r in rows)


def reference_data() -> None:
    """The rows the migrations write (flushed by transactional tests), and the board's permissions."""
    importlib.import_module("metrics.migrations.0002_reference_data").forwards(apps, None)
    grant_board_permissions()


@transaction.atomic
def build() -> None:
    reference_data()
    types = {t.code: t for t in SchoolType.objects.all()}
    districts = {
        code: District.objects.create(code=code, name_ja=ja, name_en=en, order=n)
        for n, (code, ja, en) in enumerate(DISTRICTS, start=1)
    }
    schools = {
        code: School.objects.create(
            code=code,
            name_ja=f"テスト市立{code}{types[t].name_ja}",
            name_en=f"Test {types[t].name_en} {code}",
            school_type=types[t],
            district=districts[d],
            is_demo=True,
        )
        for code, t, d, _staff in SCHOOLS
    }
    MonthlyReport.objects.bulk_create(
        MonthlyReport(
            school=schools[code],
            fiscal_year=fy,
            month=month,
            status=MonthlyReport.Status.APPROVED if fy == 2019 else MonthlyReport.Status.SUBMITTED,
            **month_counts(code, t, staff, fy, month),
        )
        for code, t, _d, staff in SCHOOLS
        for fy in FISCAL_YEARS
        for month in FISCAL_MONTHS
    )
    StressCheckResult.objects.bulk_create(
        StressCheckResult(school=schools[code], fiscal_year=fy, respondents=staff - 2, **stress(n, fy))
        for n, (code, _t, _d, staff) in enumerate(SCHOOLS)
        for fy in FISCAL_YEARS
    )
    Event.objects.bulk_create(Event(**event) for event in demo_data.EVENTS)
    indicators = {i.code: i for i in Indicator.objects.all()}
    PublishedFigure.objects.bulk_create(
        PublishedFigure(
            indicator=indicators[fig["indicator"]],
            fiscal_year=fig["fiscal_year"],
            group=fig["group"],
            month=fig["month"],
            excluding_events=fig["note"] == demo_data.EXCLUDING_EVENTS_NOTE,
            value=Decimal(str(fig["value"])),
            source=fig["source"],
            note=fig["note"],
        )
        for fig in demo_data.PUBLISHED
    )
    Commentary.objects.create(fiscal_year=2020, body_ja="テスト市の総括。", body_en="Summary.")
    # MD5: the tests' hasher (tests/conftest.py); the production hasher costs half a second a user.
    encoded = MD5PasswordHasher().encode(PASSWORD, MD5PasswordHasher().salt())
    groups = {g.name: g for g in Group.objects.all()}
    for username, group, extra in [
        ("board", "board", {"is_staff": True}),
        ("official", "official", {}),
        ("principal-E001", "principal", {}),
    ]:
        User.objects.create(username=username, password=encoded, **extra).groups.add(groups[group])
    SchoolPrincipal.objects.create(user=User.objects.get(username="principal-E001"), school=schools["E001"])
    transaction.on_commit(rollups.refresh_rollups)


def clear() -> None:
    """Empty the database and write the migrations' reference rows again, as a test expects it."""
    call_command("flush", interactive=False, verbosity=0)
    reference_data()
