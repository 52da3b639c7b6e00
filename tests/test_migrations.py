"""A database migrated before per-staff hours and report exports left the metrics app keeps every row
when it migrates forward: the models moved (staff/, reports/) on the same tables."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("metrics", "0006_staff_hours"), ("staff", None), ("reports", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.migrate(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_there_after_it():
    old = migrate(BEFORE)
    School = old.get_model("metrics", "School")
    school = School.objects.create(
        code="M001",
        name_ja="移行小学校",
        school_type=old.get_model("metrics", "SchoolType").objects.create(
            code="t", name_ja="小", name_en="E"
        ),
        district=old.get_model("metrics", "District").objects.create(code="d", name_ja="東", name_en="East"),
    )
    old.get_model("metrics", "StaffMonth").objects.create(
        school=school,
        fiscal_year=2020,
        month=4,
        staff_code="S1",
        overtime_hours=81,
        weekday_overtime_hours=40,
        leave_days=1,
    )
    old.get_model("metrics", "PhysicianInterview").objects.create(
        school=school, fiscal_year=2020, month=4, staff_code="S1", overtime_hours=81
    )
    old.get_model("metrics", "StaffHoursImport").objects.create(
        rows=1, created=1, updated=0, removed=0, filled_months=0, mismatched_months=0
    )
    old.get_model("metrics", "ReportExport").objects.create(fiscal_year=2020, format="csv", audience="board")
    ContentType = old.get_model("contenttypes", "ContentType")
    moved_type = ContentType.objects.get_or_create(app_label="metrics", model="staffmonth")[0]

    new = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    staff_month = new.get_model("staff", "StaffMonth").objects.get()
    assert (staff_month.school_id, staff_month.staff_code, staff_month.overtime_hours) == (
        school.pk,
        "S1",
        81,
    )
    assert new.get_model("staff", "PhysicianInterview").objects.get().staff_code == "S1"
    assert new.get_model("staff", "StaffHoursImport").objects.count() == 1
    assert new.get_model("reports", "ReportExport").objects.get().format == "csv"
    # The content type (and so any permission granted on it) moved with the model.
    assert ContentType.objects.get(pk=moved_type.pk).app_label == "staff"
