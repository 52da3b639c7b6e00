"""The per-staff import: the monthly import's rules (encodings, headers, dry run, row errors, all or
nothing, idempotent), the derived school-months, and the physician-interview records."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from metrics.imports.pipeline import ImportFileError
from metrics.models import MonthlyReport
from staff.imports import import_staff_hours
from staff.models import PhysicianInterview, StaffHoursImport, StaffMonth
from tests.factories import MonthlyReportFactory
from tests.staff.helpers import EN_HEADER, csv_bytes, school_month

pytestmark = pytest.mark.django_db


def test_a_month_is_imported_and_its_school_month_filled(school_a):
    raw = csv_bytes(school_month(school_a, 4), encoding="cp932")  # Shift_JIS, Japanese headers
    outcome = import_staff_hours(raw, source_name="april.csv")
    assert outcome.written and outcome.error_count == 0
    assert (outcome.created, outcome.updated, outcome.removed) == (5, 0, 0)
    assert StaffMonth.objects.filter(school=school_a, fiscal_year=2020, month=4).count() == 5
    report = MonthlyReport.objects.get(school=school_a, fiscal_year=2020, month=4)
    # hours 30, 50, 85, 90, 20 (weekday ≤ 40): over 45 → 3, over 80 → 2, left by 19 → 5
    assert (report.staff_count, report.over_45h_count, report.over_80h_count, report.over_100h_count) == (
        5,
        3,
        2,
        0,
    )
    assert report.left_by_19_count == 5
    assert float(report.leave_days_total) == 3.5 and report.leave_10plus_count == 0
    assert report.status == MonthlyReport.Status.SUBMITTED
    assert report.history.first().history_change_reason == "staff hours: april.csv"
    assert outcome.filled_months == 1
    assert set(PhysicianInterview.objects.values_list("staff_code", "overtime_hours")) == {
        ("A001-2", 85),
        ("A001-3", 90),
    }
    assert StaffHoursImport.objects.get().filled_months == 1


def test_importing_the_same_file_again_changes_nothing(school_a):
    raw = csv_bytes(school_month(school_a, 4))
    import_staff_hours(raw)
    again = import_staff_hours(raw)
    assert (again.created, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)
    assert not again.changed
    assert StaffHoursImport.objects.count() == 1  # nothing changed, nothing logged
    assert PhysicianInterview.objects.count() == 2


def test_the_dry_run_writes_nothing_but_says_everything(school_a):
    outcome = import_staff_hours(csv_bytes(school_month(school_a, 4)), dry_run=True)
    assert not outcome.written
    assert (outcome.created, outcome.filled_months, outcome.interviews_created) == (5, 1, 2)
    assert [(p.school_code, p.month, p.created, p.record) for p in outcome.preview] == [
        ("A001", 4, 5, "fill")
    ]
    assert not StaffMonth.objects.exists()
    assert not MonthlyReport.objects.exists()
    assert not PhysicianInterview.objects.exists()
    assert not StaffHoursImport.objects.exists()


def test_a_file_replaces_the_staff_of_the_school_months_it_covers(school_a, school_b):
    import_staff_hours(csv_bytes(school_month(school_a, 4) + school_month(school_b, 4)))
    changed = school_month(school_a, 4)[:4]  # A001-4 left; A001-0 now 60 h
    changed[0] = (*changed[0][:4], 60, 40, 1)
    outcome = import_staff_hours(csv_bytes(changed))
    assert (outcome.created, outcome.updated, outcome.removed) == (0, 1, 1)
    assert StaffMonth.objects.filter(school=school_a).count() == 4
    assert StaffMonth.objects.filter(school=school_b).count() == 5  # not in the file: untouched
    assert StaffMonth.objects.get(staff_code="A001-0").overtime_hours == 60


def test_an_entered_month_is_never_overwritten_and_the_difference_is_listed(school_a, board):
    entered = MonthlyReportFactory(
        school=school_a,
        month=4,
        staff_count=5,
        over_80h_count=1,
        over_45h_count=3,
        over_100h_count=0,
        left_by_19_count=5,
        leave_days_total=3.5,
        leave_10plus_count=0,
        status="submitted",
    )
    outcome = import_staff_hours(csv_bytes(school_month(school_a, 4)), user=board)
    assert (outcome.filled_months, outcome.mismatched_months) == (0, 1)
    entered.refresh_from_db()
    assert entered.over_80h_count == 1  # the staff rows say 2; the principal's figure stays
    from metrics.models import School
    from staff.services import reconciliation

    [month] = reconciliation(fiscal_year=2020, schools=School.objects.all())
    assert month.state == "differs" and month.differences == [("over_80h_count", 2, 1)]


def test_leave_since_april_follows_later_months(school_a):
    import_staff_hours(
        csv_bytes(
            school_month(school_a, 4, leave=(6, 0, 0, 0, 0))
            + school_month(school_a, 5, leave=(4, 0, 0, 0, 0))
        )
    )
    may = MonthlyReport.objects.get(month=5)
    assert float(may.leave_days_total) == 10 and may.leave_10plus_count == 1


ROW = ("A001", "S001", 2020, 4, 50, 40, 1)
BAD = ("A001", "S002", 2020, 4, 50, 40, 1)  # another staff member, to be spoilt one cell at a time


@pytest.mark.parametrize(
    "row, column, message",
    [
        (("Z999", *BAD[1:]), "学校コード", "unknown school code “Z999”"),
        (("A001", "山田太郎", *BAD[2:]), "職員ID", "never a name"),
        ((*BAD[:4], "abc", 40, 1), "時間外在校等時間", "“abc” is not a number"),
        ((*BAD[:4], 50, 60, 1), "平日の時間外在校等時間", "cannot exceed the overtime hours"),
        ((*BAD[:4], 800, 40, 1), "時間外在校等時間", "must be between 0 and 744"),
        ((*BAD[:6], -1), "年休取得日数", "must be between 0 and 31"),
        ((*BAD[:3], 13, *BAD[4:]), "月", "the month must be between 1 and 12"),
        ((*BAD[:2], 2100, *BAD[3:]), "月", "this month has not started yet"),
        ((*BAD[:2], "", *BAD[3:]), "年度", "a value is required"),
    ],
)
def test_each_bad_cell_is_reported_and_nothing_is_written(school_a, row, column, message):
    with translation.override("en"):
        outcome = import_staff_hours(csv_bytes([ROW, row]))
    assert not outcome.written
    assert [(e.row, e.column) for e in outcome.errors] == [(3, column)]
    assert message in outcome.errors[0].message
    assert not StaffMonth.objects.exists()


def test_a_staff_member_twice_in_a_month_is_an_error(school_a):
    with translation.override("en"):
        outcome = import_staff_hours(csv_bytes([ROW, ROW], header=EN_HEADER))
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "staff_code")]
    assert "already appear in row 2" in outcome.errors[0].message


def test_messages_in_japanese():
    with translation.override("ja"):
        outcome = import_staff_hours(csv_bytes([("Z999", *ROW[1:])]))
    assert "Z999" in outcome.errors[0].message and "unknown" not in outcome.errors[0].message


def test_hours_as_hours_and_minutes(school_a):
    import_staff_hours(csv_bytes([(*ROW[:4], "80:30", "45:15", 1)]))
    row = StaffMonth.objects.get()
    assert (float(row.overtime_hours), float(row.weekday_overtime_hours)) == (80.5, 45.25)


def test_bom_and_english_headers(school_a):
    raw = "\ufeff".encode() + csv_bytes([ROW], header=EN_HEADER)
    assert import_staff_hours(raw).created == 1


def test_unreadable_files_are_refused_whole(school_a):
    with pytest.raises(ImportFileError, match="職員ID"):  # the missing columns, named as the template does
        import_staff_hours("学校コード,月\nA001,4\n".encode())
    with translation.override("en"), pytest.raises(ImportFileError, match="5 MB"):
        import_staff_hours(csv_bytes([ROW] * 10), max_bytes=100)
    with pytest.raises(ImportFileError):
        import_staff_hours(b"\xff\xfe\x00\x01\x80")


def test_the_command_imports_large_files_and_has_a_dry_run(school_a, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes(school_month(school_a, 4)))
    call_command("import_staff_hours", str(path), "--dry-run")
    assert "nothing was written" in capsys.readouterr().out and not StaffMonth.objects.exists()
    call_command("import_staff_hours", str(path))
    assert StaffMonth.objects.count() == 5
    path.write_bytes(csv_bytes([("Z999", *ROW[1:])]))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_staff_hours", str(path))
