"""Per-staff monthly hours from the IC-card system's CSV: the monthly import's rules, at scale.

One row per staff member and month: school code, pseudonymous staff id (never a name), fiscal year,
month, overtime hours (weekends included), weekday overtime hours, leave days taken that month.
Read and checked by the shared pipeline (metrics.imports.pipeline), as the monthly data: UTF-8 with or
without BOM or Shift_JIS, Japanese or English headers, every bad cell reported by row and column in
the user's language, nothing written when any row fails, a dry run that shows what would change, and
importing the same file twice changes nothing the second time.

The file is the complete list for each school-month it contains: a stored row of such a
school-month that the file no longer has is removed. Rows are checked with pandas (a million rows
take seconds), staged in a temporary table (COPY on PostgreSQL) and merged with three statements.
After the merge, each touched school-month's counts are derived from its staff (staff.derive)
and a missing school-month is filled; one a principal entered is never overwritten, a difference
is listed (services.reconciliation). Staff over 80 h get a physician-interview record.
"""

import io
import re
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection, transaction
from django.utils.translation import gettext as _

from metrics.entry import workflow
from metrics.imports import pipeline
from metrics.imports.pipeline import MAX_BYTES, Checker, Columns, Outcome
from metrics.models import School
from staff import services
from staff.models import StaffHoursImport, StaffMonth

COLUMNS = Columns(
    {
        "school_code": ("学校コード", "学校番号", "school code", "school"),
        "staff_code": ("職員ID", "職員番号", "教職員ID", "staff id", "staff"),
        "fiscal_year": ("年度", "fiscal year", "fy"),
        "month": ("月", "month"),
        "overtime_hours": (
            "時間外在校等時間",
            "時間外勤務時間",
            "時間外",
            "overtime hours",
            "overtime",
        ),
        "weekday_overtime_hours": (
            "平日の時間外在校等時間",
            "平日時間外",
            "weekday overtime hours",
            "weekday overtime",
        ),
        "leave_days": ("年休取得日数", "年休", "leave days taken", "leave days"),
    }
)
ALIASES = COLUMNS.aliases
TEMPLATE_HEADER_JA = COLUMNS.template_header(english=False)
TEMPLATE_HEADER_EN = COLUMNS.template_header(english=True)
STAFF_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
MAX_MONTH_HOURS = 744  # 24 h × 31 days
MAX_LEAVE_DAYS = 31
PREVIEW_ROWS = 500
STAGE = "metrics_staff_import_stage"
COVERED = "metrics_staff_import_covered"
VALUE_COLUMNS = ("school_id", "overtime_hours", "weekday_overtime_hours", "leave_days")


@dataclass
class SchoolMonthPlan:
    """What an import does to one school-month: staff rows created, changed, removed; and the
    school-month record: "fill" (created from the staff), "matches", "differs" (left as entered)."""

    school_code: str
    fiscal_year: int
    month: int
    created: int = 0
    updated: int = 0
    removed: int = 0
    record: str = ""


@dataclass
class StaffImportOutcome(Outcome):
    """The result of a per-staff import or its dry run."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    filled_months: int = 0
    mismatched_months: int = 0
    interviews_created: int = 0
    preview: list[SchoolMonthPlan] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.updated

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


class _DryRun(Exception):
    """Raised to roll back a dry run after it has computed everything."""


def _hours(values: pd.Series) -> pd.Series:
    """Hours as numbers, or h:mm ("45:30" = 45.5 h); anything else NaN."""
    clock = values.str.fullmatch(r"\d{1,3}:[0-5]\d")
    hours = pipeline.numbers(values.where(~clock, ""))
    if clock.any():
        parts = values[clock].str.split(":", expand=True).astype("int64")
        hours[clock] = parts[0] + parts[1] / 60
    return hours.astype("float64")


def _parse(frame: pd.DataFrame, check: Checker, *, schools: dict[str, int], today) -> pd.DataFrame | None:
    """The checked rows as typed columns, or None when `check` found errors."""
    check.required(frame, COLUMNS.names)
    school_id = frame["school_code"].map(schools)
    check.flag(
        school_id.isna(),
        "school_code",
        check.quoting(frame, "school_code", _("unknown school code “%(v)s”")),
    )
    check.flag(
        ~frame["staff_code"].str.fullmatch(STAFF_CODE.pattern[1:-1]),
        "staff_code",
        _("a staff id is a code of at most 32 letters, digits, “-”, “_” or “.” (never a name)"),
    )
    fiscal_year = check.whole(
        frame,
        "fiscal_year",
        minimum=2000,
        maximum=2100,
        message=_("the fiscal year must be between 2000 and 2100"),
    )
    month = check.whole(
        frame, "month", minimum=1, maximum=12, message=_("the month must be between 1 and 12")
    )
    check.flag(_not_started(fiscal_year, month, today), "month", _("this month has not started yet"))
    hours = {}
    for column, highest in (
        ("overtime_hours", MAX_MONTH_HOURS),
        ("weekday_overtime_hours", MAX_MONTH_HOURS),
        ("leave_days", MAX_LEAVE_DAYS),
    ):
        values = _hours(frame[column]) if column != "leave_days" else pipeline.numbers(frame[column])
        check.flag(
            values.isna() & (frame[column] != ""),
            column,
            check.quoting(frame, column, _("“%(v)s” is not a number")),
        )
        check.flag(
            ~values.between(0, highest) & values.notna(),
            column,
            _("must be between 0 and %(max)s") % {"max": highest},
        )
        hours[column] = values
    check.flag(
        hours["weekday_overtime_hours"] > hours["overtime_hours"] + 1e-9,
        "weekday_overtime_hours",
        _("cannot exceed the overtime hours (weekends included)"),
    )
    key = pd.DataFrame({"fy": fiscal_year, "m": month, "staff": frame["staff_code"]}, index=frame.index)
    check.duplicates(
        key,
        "staff_code",
        _("the same staff member and month already appear in row %(row)s"),
        among=~(check.bad_in("fiscal_year") | check.bad_in("month") | check.bad_in("staff_code")),
    )
    if check.count:
        return None
    return pd.DataFrame(
        {
            "school_id": school_id.astype("int64"),
            "fiscal_year": fiscal_year.astype("int64"),
            "month": month.astype("int64"),
            "staff_code": frame["staff_code"],
            "overtime_hours": hours["overtime_hours"].round(2),
            "weekday_overtime_hours": hours["weekday_overtime_hours"].round(2),
            "leave_days": hours["leave_days"].round(2),
        }
    )


def _not_started(fiscal_year: pd.Series, month: pd.Series, today) -> pd.Series:
    """Rows of a month that has not started by `today` (rows without a valid year and month: False)."""
    pairs = pd.DataFrame({"fy": fiscal_year, "m": month})
    started = {
        (fy, m): workflow.month_has_started(int(fy), int(m), today)
        for fy, m in pairs.dropna().drop_duplicates().itertuples(index=False)
    }
    return pd.Series(
        [not started.get(p, True) for p in zip(pairs["fy"], pairs["m"], strict=True)], index=pairs.index
    )


def import_staff_hours(
    raw: bytes,
    *,
    user=None,
    source_name: str = "",
    dry_run: bool = False,
    max_bytes: int | None = MAX_BYTES,
    today=None,
) -> StaffImportOutcome:
    """Per-staff months from CSV; all or nothing (see the module docstring).

    `max_bytes` is the upload limit of the web page (5 MB); the command line passes None, for a
    whole city's or the nation's month at once. A dry run does the whole import inside a
    transaction and rolls it back, so its counts (rows, school-months filled, differences,
    interview records) are exactly what the import would do. Raises ImportFileError for a file
    that cannot be read as a whole (size, encoding, header).
    """
    table = pipeline.read(raw, COLUMNS, max_bytes=max_bytes)
    schools = dict(School.objects.values_list("code", "id"))
    check = Checker(table.frame.index, columns=COLUMNS.names, labels=table.labels)
    rows = _parse(table.frame, check, schools=schools, today=today or workflow.today())
    del table
    outcome = StaffImportOutcome()
    check.fill(outcome)
    if rows is None:
        return outcome
    outcome.rows = len(rows)
    try:
        with transaction.atomic():
            _stage(rows)
            del rows
            _merge(outcome)
            _after_merge(outcome, user=user, source_name=source_name)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return outcome
    finally:
        _drop_stage()
    outcome.written = True
    return outcome


# --- staging and merging -----------------------------------------------------------------------------


def _table() -> str:
    return StaffMonth._meta.db_table


def _drop_stage() -> None:
    with connection.cursor() as cursor:
        for name in (STAGE, COVERED):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _stage(rows: pd.DataFrame) -> None:
    """The checked rows into a temporary table (COPY on PostgreSQL), and the school-months they cover."""
    _drop_stage()
    columns = "school_id, fiscal_year, month, staff_code, overtime_hours, weekday_overtime_hours, leave_days"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (school_id bigint NOT NULL, fiscal_year integer NOT NULL, "
            "month integer NOT NULL, staff_code varchar(32) NOT NULL, overtime_hours numeric(5, 2) NOT NULL, "
            "weekday_overtime_hours numeric(5, 2) NOT NULL, leave_days numeric(4, 2) NOT NULL)"
        )
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            rows.to_csv(buffer, index=False, header=False, float_format="%.2f")
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {STAGE} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        else:
            cursor.executemany(
                f"INSERT INTO {STAGE} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                list(rows.itertuples(index=False, name=None)),
            )
        cursor.execute(f"CREATE INDEX {STAGE}_key ON {STAGE} (fiscal_year, month, staff_code)")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {COVERED} AS SELECT DISTINCT school_id, fiscal_year, month FROM {STAGE}"
        )
        cursor.execute(f"ANALYZE {STAGE}")


SAME_KEY = "t.fiscal_year = s.fiscal_year AND t.month = s.month AND t.staff_code = s.staff_code"
DIFFERS = (
    "(t.school_id <> s.school_id OR t.overtime_hours <> s.overtime_hours "
    "OR t.weekday_overtime_hours <> s.weekday_overtime_hours OR t.leave_days <> s.leave_days)"
)
IN_COVERED = (
    f"EXISTS (SELECT 1 FROM {COVERED} c WHERE c.school_id = t.school_id AND c.fiscal_year = t.fiscal_year "
    "AND c.month = t.month)"
)


def _merge(outcome: StaffImportOutcome) -> None:
    """Counts what changes per school-month, then removes, updates and inserts."""
    table = _table()
    gone = f"{IN_COVERED} AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE {SAME_KEY})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.school_id, s.fiscal_year, s.month, "
            f"SUM(CASE WHEN t.id IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN t.id IS NOT NULL AND {DIFFERS} THEN 1 ELSE 0 END), 0 "
            f"FROM {STAGE} s LEFT JOIN {table} t ON {SAME_KEY} GROUP BY s.school_id, s.fiscal_year, s.month "
            f"UNION ALL SELECT t.school_id, t.fiscal_year, t.month, 0, 0, COUNT(*) FROM {table} t "
            f"WHERE {gone} GROUP BY t.school_id, t.fiscal_year, t.month"
        )
        plans: dict[tuple, list[int]] = {}
        for school_id, fiscal_year, month, created, updated, removed in cursor.fetchall():
            plan = plans.setdefault((school_id, fiscal_year, month), [0, 0, 0])
            plan[0] += int(created)
            plan[1] += int(updated)
            plan[2] += int(removed)
        outcome.created = sum(p[0] for p in plans.values())
        outcome.updated = sum(p[1] for p in plans.values())
        outcome.removed = sum(p[2] for p in plans.values())
        if outcome.removed:
            cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT t.id FROM {table} t WHERE {gone})")
        if outcome.updated:
            cursor.execute(
                f"UPDATE {table} AS t SET school_id = s.school_id, overtime_hours = s.overtime_hours, "
                f"weekday_overtime_hours = s.weekday_overtime_hours, leave_days = s.leave_days "
                f"FROM {STAGE} s WHERE {SAME_KEY} AND {DIFFERS}"
            )
        if outcome.created:
            cursor.execute(
                f"INSERT INTO {table} (school_id, fiscal_year, month, staff_code, overtime_hours, "
                "weekday_overtime_hours, leave_days) SELECT s.school_id, s.fiscal_year, s.month, "
                f"s.staff_code, s.overtime_hours, s.weekday_overtime_hours, s.leave_days FROM {STAGE} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {SAME_KEY})"
            )
    codes = dict(School.objects.filter(pk__in={k[0] for k in plans}).values_list("id", "code"))
    changed = [(k, p) for k, p in plans.items() if any(p)]
    changed.sort(key=lambda kp: (codes.get(kp[0][0], ""), kp[0][1], (kp[0][2] + 8) % 12))
    outcome.preview = [
        SchoolMonthPlan(codes.get(school_id, "?"), fiscal_year, month, *counts)
        for (school_id, fiscal_year, month), counts in changed[:PREVIEW_ROWS]
    ]


def _after_merge(outcome: StaffImportOutcome, *, user, source_name: str) -> None:
    """Derived school-months (fill the missing, list the differing), interview records, the log."""
    if not outcome.changed:
        return
    result = services.reconcile_after_import(covered_table=COVERED, user=user, source_name=source_name)
    outcome.filled_months = len(result.filled)
    outcome.mismatched_months = len(result.differing)
    records = {(p.school_code, p.fiscal_year, p.month): p for p in outcome.preview}
    for status, keys in (
        ("fill", result.filled),
        ("differs", result.differing),
        ("matches", result.matching),
    ):
        for key in keys:
            if key in records:
                records[key].record = status
    outcome.interviews_created = services.sync_interviews(covered_table=COVERED)
    StaffHoursImport.objects.create(
        imported_by=user if user is not None and user.is_authenticated else None,
        source_name=source_name[:200],
        rows=outcome.rows,
        created=outcome.created,
        updated=outcome.updated,
        removed=outcome.removed,
        filled_months=outcome.filled_months,
        mismatched_months=outcome.mismatched_months,
    )


def template_rows(*, english: bool) -> list[list]:
    """The CSV template: the header and one example row."""
    header = TEMPLATE_HEADER_EN if english else TEMPLATE_HEADER_JA
    return [header, ["E001", "S000123", workflow.current_fiscal_year(), 4, "52.5", "40.25", "1.5"]]
