"""Per-staff monthly hours from the IC-card system's CSV: the monthly import's rules, at scale.

One row per staff member and month: school code, pseudonymous staff id (never a name), fiscal year,
month, overtime hours (weekends included), weekday overtime hours, leave days taken that month.
As for the monthly data (metrics.imports.monthly): UTF-8 with or without BOM or Shift_JIS, Japanese or
English headers, every bad cell reported by row and column in the user's language, nothing written
when any row fails, a dry run that shows what would change, and importing the same file twice
changes nothing the second time.

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
from metrics.imports.monthly import MAX_BYTES, ImportFileError, RowError
from metrics.models import School
from reform.i18n import is_english
from staff import services
from staff.models import StaffHoursImport, StaffMonth

COLUMNS = {
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
ALIASES = {alias.lower(): canonical for canonical, names in COLUMNS.items() for alias in (canonical, *names)}
TEMPLATE_HEADER_JA = [names[0] for names in COLUMNS.values()]
TEMPLATE_HEADER_EN = list(COLUMNS)
STAFF_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
MAX_MONTH_HOURS = 744  # 24 h × 31 days
MAX_LEAVE_DAYS = 31
MAX_ERRORS = 1000  # listed; the rest are counted
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
class StaffImportOutcome:
    """The result of a per-staff import or its dry run."""

    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    filled_months: int = 0
    mismatched_months: int = 0
    interviews_created: int = 0
    preview: list[SchoolMonthPlan] = field(default_factory=list)
    written: bool = False

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.updated

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


class _DryRun(Exception):
    """Raised to roll back a dry run after it has computed everything."""


def _decode(raw: bytes, max_bytes: int | None) -> str:
    if max_bytes is not None and len(raw) > max_bytes:
        raise ImportFileError(_("The file is larger than 5 MB."))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor Shift_JIS text."))


def _read(text: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The file's rows keyed by canonical column (strings, blanks as ""), indexed by line number."""
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError:
        raise ImportFileError(_("The file is empty.")) from None
    except pd.errors.ParserError as exc:
        raise ImportFileError(_("The file is not a readable CSV table: %(error)s") % {"error": exc}) from None
    labels = {}
    for column in frame.columns:
        name = str(column).strip()
        labels[ALIASES.get(name.lower(), name)] = name
    frame.columns = [ALIASES.get(str(c).strip().lower(), str(c).strip()) for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        names = missing if is_english() else [COLUMNS[c][0] for c in missing]
        raise ImportFileError(_("Missing columns: %(columns)s") % {"columns": ", ".join(names)})
    frame = frame[list(COLUMNS)].fillna("")
    frame.index = frame.index + 2  # the header is line 1
    for column in COLUMNS:
        frame[column] = frame[column].str.strip()
    blank = (frame == "").all(axis=1)
    return frame[~blank], labels


class _Checker:
    """Collects errors for whole columns at once; lists the first MAX_ERRORS, counts them all.
    A cell already in error gets no second message."""

    def __init__(self, labels: dict[str, str], index: pd.Index):
        self.labels = labels
        self.index = index
        self.errors: list[RowError] = []
        self.count = 0
        self._bad: dict[str, pd.Series] = {}

    def flag(self, mask: pd.Series, column: str, message) -> None:
        """Rows where `mask` holds get `message` (a string, or a function of the line number)."""
        mask = mask.fillna(True).astype(bool) & ~self.bad_in(column)
        if not mask.any():
            return
        self._bad[column] = self.bad_in(column) | mask
        hits = mask[mask].index
        self.count += len(hits)
        for line in hits[: max(0, MAX_ERRORS - len(self.errors))]:
            text = message(line) if callable(message) else message
            self.errors.append(RowError(int(line), self.labels.get(column, column), text))

    def bad_in(self, column: str) -> pd.Series:
        return self._bad.get(column, pd.Series(False, index=self.index))


def _hours(values: pd.Series) -> pd.Series:
    """Numbers, or h:mm ("45:30" = 45.5 h); anything else NaN."""
    clock = values.str.fullmatch(r"\d{1,3}:[0-5]\d")
    numbers = pd.to_numeric(values.where(~clock).str.replace(",", "", regex=False), errors="coerce")
    if clock.any():
        parts = values[clock].str.split(":", expand=True).astype("int64")
        numbers[clock] = parts[0] + parts[1] / 60
    return numbers.astype("float64")


def _parse(frame: pd.DataFrame, labels: dict[str, str], *, schools: dict[str, int], today):
    """The checked rows as typed columns, and the errors."""
    check = _Checker(labels, frame.index)
    value = frame.__getitem__

    def quoted(column, message):
        return lambda line: message % {"v": frame.at[line, column]}

    for column in COLUMNS:
        check.flag(value(column) == "", column, _("a value is required"))
    school_id = value("school_code").map(schools)
    check.flag(school_id.isna(), "school_code", quoted("school_code", _("unknown school code “%(v)s”")))
    check.flag(
        ~value("staff_code").str.fullmatch(STAFF_CODE.pattern[1:-1]),
        "staff_code",
        _("a staff id is a code of at most 32 letters, digits, “-”, “_” or “.” (never a name)"),
    )
    numbers = {}
    for column in ("fiscal_year", "month"):
        numbers[column] = pd.to_numeric(value(column), errors="coerce")
        whole = numbers[column].notna() & (numbers[column] == numbers[column].round())
        check.flag(~whole, column, quoted(column, _("“%(v)s” is not a whole number")))
    check.flag(
        ~numbers["fiscal_year"].between(2000, 2100),
        "fiscal_year",
        _("the fiscal year must be between 2000 and 2100"),
    )
    check.flag(~numbers["month"].between(1, 12), "month", _("the month must be between 1 and 12"))
    pairs = pd.DataFrame({"fy": numbers["fiscal_year"], "m": numbers["month"]})
    started = {
        (fy, m): workflow.month_has_started(int(fy), int(m), today)
        for fy, m in pairs.dropna().drop_duplicates().itertuples(index=False)
        if 2000 <= fy <= 2100 and 1 <= m <= 12
    }
    future = pd.Series(
        [not started.get(p, True) for p in zip(pairs["fy"], pairs["m"], strict=True)], index=frame.index
    )
    check.flag(future, "month", _("this month has not started yet"))
    for column, highest in (
        ("overtime_hours", MAX_MONTH_HOURS),
        ("weekday_overtime_hours", MAX_MONTH_HOURS),
        ("leave_days", MAX_LEAVE_DAYS),
    ):
        numbers[column] = (
            _hours(value(column))
            if column != "leave_days"
            else pd.to_numeric(value(column), errors="coerce").astype("float64")
        )
        check.flag(numbers[column].isna(), column, quoted(column, _("“%(v)s” is not a number")))
        check.flag(
            ~numbers[column].between(0, highest),
            column,
            _("must be between 0 and %(max)s") % {"max": highest},
        )
    check.flag(
        numbers["weekday_overtime_hours"] > numbers["overtime_hours"] + 1e-9,
        "weekday_overtime_hours",
        _("cannot exceed the overtime hours (weekends included)"),
    )
    key = pd.DataFrame(
        {"fy": numbers["fiscal_year"], "m": numbers["month"], "staff": value("staff_code")}, index=frame.index
    )
    valid_key = ~(check.bad_in("fiscal_year") | check.bad_in("month") | check.bad_in("staff_code"))
    repeated = key.duplicated(keep="first") & valid_key
    if repeated.any():
        first = key[valid_key].reset_index().groupby(["fy", "m", "staff"])["index"].transform("min")
        first.index = key[valid_key].index
        check.flag(
            repeated,
            "staff_code",
            lambda line: (
                _("the same staff member and month already appear in row %(row)s") % {"row": int(first[line])}
            ),
        )
    rows = pd.DataFrame(
        {
            "school_id": school_id,
            "fiscal_year": numbers["fiscal_year"],
            "month": numbers["month"],
            "staff_code": value("staff_code"),
            "overtime_hours": numbers["overtime_hours"].round(2),
            "weekday_overtime_hours": numbers["weekday_overtime_hours"].round(2),
            "leave_days": numbers["leave_days"].round(2),
        }
    )
    if check.count:
        return None, check
    for column in ("school_id", "fiscal_year", "month"):
        rows[column] = rows[column].astype("int64")
    return rows, check


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
    frame, labels = _read(_decode(raw, max_bytes))
    schools = dict(School.objects.values_list("code", "id"))
    rows, check = _parse(frame, labels, schools=schools, today=today or workflow.today())
    del frame
    outcome = StaffImportOutcome(errors=check.errors, error_count=check.count)
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
