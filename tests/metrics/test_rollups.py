"""The monthly rollups kept by deltas agree with a full rebuild, after any mix of writes."""

import random
from decimal import Decimal

import pytest
from django.db import connection

from metrics import rollups
from metrics.models import MonthlyReport, MonthlyRollup, School
from tests.factories import DistrictFactory, MonthlyReportFactory, SchoolFactory, school_type

STATUSES = [s.value for s in MonthlyReport.Status]
MONTHS = [(2020, 4), (2020, 5), (2020, 6), (2021, 4)]
OPS = ["create", "create", "values", "status", "status_only", "move_month", "delete", "school"]


def _snapshot() -> list[tuple]:
    fields = [f.attname for f in MonthlyRollup._meta.concrete_fields if f.name != "id"]
    return sorted(MonthlyRollup.objects.order_by().values_list(*fields))


def _rebuilt() -> list[tuple]:
    rollups.refresh_rollups()
    return _snapshot()


def _values(rng: random.Random) -> dict:
    staff = rng.choice([0, 1, 5, rng.randint(0, 40)])
    over_80 = rng.randint(0, staff)
    return {
        "staff_count": staff,
        "over_80h_count": over_80,
        "left_by_19_count": rng.randint(0, staff),
        "over_45h_count": None if rng.random() < 0.3 else rng.randint(over_80, staff),
        "over_100h_count": None if rng.random() < 0.3 else rng.randint(0, over_80),
        "leave_days_total": Decimal(rng.randint(0, 3000)) / 10,
        "leave_10plus_count": rng.randint(0, staff),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_deltas_agree_with_a_rebuild_after_random_writes(db, seed):
    rng = random.Random(seed)
    districts = [DistrictFactory(code=f"r{seed}{i}") for i in range(2)]
    types = [school_type("elementary"), school_type("junior_high")]
    schools = [
        SchoolFactory(school_type=types[i % 2], district=districts[i // 2 % 2], code=f"R{seed}{i:03d}")
        for i in range(8)
    ]
    for step in range(160):
        reports = list(MonthlyReport.objects.order_by("pk"))
        op = rng.choice(OPS)
        if op == "create" or not reports:
            school, (fy, month) = rng.choice(schools), rng.choice(MONTHS)
            if not MonthlyReport.objects.filter(school=school, fiscal_year=fy, month=month).exists():
                MonthlyReportFactory(
                    school=school, fiscal_year=fy, month=month, status=rng.choice(STATUSES), **_values(rng)
                )
        elif op == "values":
            report = rng.choice(reports)
            for name, value in _values(rng).items():
                setattr(report, name, value)
            report.save()
        elif op == "status":
            report = rng.choice(reports)
            report.status = rng.choice(STATUSES)
            report.save()
        elif op == "status_only":  # update_fields: the other in-memory change is not written
            report = rng.choice(reports)
            report.status = rng.choice(STATUSES)
            report.staff_count += 1000
            report.save(update_fields=["status"])
        elif op == "move_month":
            report = rng.choice(reports)
            fy, month = rng.choice(MONTHS)
            taken = MonthlyReport.objects.filter(school=report.school_id, fiscal_year=fy, month=month)
            if not taken.exists():
                report.fiscal_year, report.month = fy, month
                report.save()
        elif op == "delete":
            rng.choice(reports).delete()
        else:  # a school moves to another type or district (its months are recomputed on commit)
            school = School.objects.get(pk=rng.choice(schools).pk)
            school.school_type, school.district = rng.choice(types), rng.choice(districts)
            school.save()
            rollups.flush()  # what the commit does outside the test's transaction
        if step % 40 == 39:
            assert _snapshot() == _rebuilt(), f"after step {step} ({op})"
    assert MonthlyRollup.objects.exists()
    assert _snapshot() == _rebuilt()


def test_a_cell_goes_when_its_last_school_does(db):
    report = MonthlyReportFactory(status="submitted")
    cell = MonthlyRollup.objects.get()
    assert (cell.school_count, cell.staff_count, cell.over_45h_count) == (1, 20, 6)
    report.over_45h_count = None
    report.save()
    cell.refresh_from_db()
    assert (cell.over_45h_count, cell.over_45h_staff) == (None, 0)
    report.status = "returned"
    report.save()
    assert not MonthlyRollup.objects.exists()


def test_a_saved_month_touches_only_its_cell(db, django_assert_max_num_queries):
    """Constant work: the old row, the delta on its cell (and on PostgreSQL the shared locks)."""
    report = MonthlyReportFactory(status="submitted")
    for i in range(30):
        MonthlyReportFactory(status="approved", school=SchoolFactory(code=f"Q{i:03d}"))
    report.staff_count = 25
    limit = 6 if connection.vendor == "postgresql" else 4
    with django_assert_max_num_queries(limit + 2):  # + the report's own UPDATE and its history row
        report.save()
    assert _snapshot() == _rebuilt()


def test_a_write_changes_the_data_version_when_it_commits(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(rollups, "changed", rollups.changed.__wrapped__)  # not at once, as tests do
    before = rollups.data_version()
    assert rollups.data_version() == before
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        MonthlyReportFactory(status="submitted")
    assert rollups.data_version() == before  # not yet committed
    for callback in callbacks:
        callback()
    after = rollups.data_version()
    assert after != before
    with django_capture_on_commit_callbacks(execute=True):
        MonthlyReportFactory(status="draft", month=5)  # not counted, but still a write
    assert rollups.data_version() not in (before, after)
