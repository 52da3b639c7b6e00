"""Small builders for the per-staff tests."""

from metrics import rollups

JA_HEADER = "学校コード,職員ID,年度,月,時間外在校等時間,平日の時間外在校等時間,年休取得日数"
EN_HEADER = "school_code,staff_code,fiscal_year,month,overtime_hours,weekday_overtime_hours,leave_days"


def csv_bytes(rows, *, header=JA_HEADER, encoding="utf-8") -> bytes:
    """rows: tuples (school code, staff id, fiscal year, month, overtime, weekday overtime, leave days)."""
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def school_month(school, month, *, staff=5, over_80=2, hours=(30, 50, 85, 90, 20), leave=(1, 0, 2, 0, 0.5)):
    """Rows for `staff` staff of `school` in FY2020 `month` (default: 2 over 80 h)."""
    return [
        (school.code, f"{school.code}-{n}", 2020, month, hours[n], min(hours[n], 40), leave[n])
        for n in range(staff)
    ]


def counted():
    """The monthly rollups as the commit would leave them (tests run inside a transaction that never
    commits, so the on-commit refresh does not happen by itself)."""
    rollups.refresh_rollups()
